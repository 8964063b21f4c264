"""Laws of ChartDistribution: exact Haar densities, coordinate laws, quasi-random draws."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from liegeom import SL, GLPlus, HaarSO, IwasawaChart, PolarExpChart, PolarGaussian, integrate
from liegeom.chart_distributions import (
    ChartDistribution,
    Normal,
    RotationChart,
    TruncatedNormal,
    Uniform,
)

R2 = math.sqrt(2) * math.pi  # half-length of the SO(2) exponential coordinate


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("group", [SL(2), GLPlus(2)], ids=str)
def test_uniform_rotation_law_is_polar_gaussian(group, dtype, tol):
    """With Haar on the rotation factor the spec is PolarGaussian: the same log density."""
    chart = PolarExpChart(group)
    q = ChartDistribution(chart, [Normal(0.6)] * (chart.dim - 1) + [Uniform(-R2, R2)])
    g = PolarGaussian(group, 0.6).sample((64,), generator=_gen(1), dtype=dtype)
    torch.testing.assert_close(q.log_prob(g), PolarGaussian(group, 0.6).log_prob(g), **tol)


def test_importance_weights_integrate_against_haar():
    """E_q[f / q] is the Haar integral: ∫_SL(2) exp(-|g|²) = √2 π² e^{-2} (liegeom.measures)."""
    q = ChartDistribution(PolarExpChart(SL(2)), [Normal(0.5), Normal(0.5), Uniform(-R2, R2)])
    f = lambda g: torch.exp(-(g**2).sum((-2, -1)))
    est, se = integrate(f, SL(2), 20000, proposal=q, generator=_gen(3))
    exact = math.sqrt(2) * math.pi**2 * math.exp(-2)
    assert abs(est - exact) < 4 * se
    assert se < 0.02 * exact


@pytest.mark.parametrize("law", [Normal(0.4), TruncatedNormal(0.4, 0.5), Uniform(-0.3, 0.7)],
                         ids=repr)
def test_coordinates_follow_their_laws(law):
    """Samples pushed through the chart and back have the requested marginals (KS test)."""
    chart = IwasawaChart(GLPlus(2))  # coordinates (K, h1, h2, N12): rotation first
    laws = [TruncatedNormal(0.5, 1.0), law, Normal(0.2), Normal(0.3)]
    q = ChartDistribution(chart, laws)
    z = chart.to_coords(q.sample((4000,), generator=_gen(5)))
    cdf = {Normal: lambda x: stats.norm.cdf(x, scale=law.scale),
           TruncatedNormal: lambda x: stats.truncnorm.cdf(x, -law.bound / law.scale,
                                                          law.bound / law.scale, scale=law.scale),
           Uniform: lambda x: stats.uniform.cdf(x, law.low, law.high - law.low)}[type(law)]
    assert stats.kstest(z[:, 1].numpy(), cdf).pvalue > 1e-3
    # and the density integrates to one against Haar: E_q[1{support}] via the weights of a
    # second proposal that covers the support
    wide = ChartDistribution(chart, [Uniform(-R2, R2), Normal(1.0), Normal(1.0), Normal(1.0)])
    g = wide.sample((40000,), generator=_gen(6))
    w = torch.exp(q.log_prob(g) - wide.log_prob(g))
    assert abs(float(w.mean()) - 1) < 5 * float(w.std()) / math.sqrt(len(w))


def test_log_prob_vanishes_outside_the_support():
    chart = PolarExpChart(SL(2))
    q = ChartDistribution(chart, [Normal(0.3), Normal(0.3), TruncatedNormal(0.3, 0.5)])
    z = torch.tensor([[0.1, 0.2, 0.9], [0.1, 0.2, 0.4]], dtype=torch.float64)
    lp = q.log_prob(chart.from_coords(z))
    assert lp[0] == -math.inf and torch.isfinite(lp[1])


def test_haar_on_so2_matches_haar_so(dtype):
    q = ChartDistribution(RotationChart(2), [Uniform(-R2, R2)])
    g = q.sample((16,), generator=_gen(7), dtype=dtype)
    torch.testing.assert_close(q.log_prob(g), HaarSO(2).log_prob(g))
    w = RotationChart(2).to_coords(g)
    torch.testing.assert_close(RotationChart(2).from_coords(w), g)


def test_quasi_random_draws_are_deterministic_and_beat_monte_carlo():
    q = ChartDistribution(RotationChart(2), [Uniform(-R2, R2)])
    a, b = q.sample_quasi(64, seed=3), q.sample_quasi(64, seed=3)
    assert torch.equal(a, b) and not torch.equal(a, q.sample_quasi(64, seed=4))
    # E cos²θ = 1/2 under Haar: quasi-random error vs the median Monte Carlo error, same count
    f = lambda g: g[..., 0, 0] ** 2
    qmc = [abs(float(f(q.sample_quasi(64, seed=s)).mean()) - 0.5) for s in range(20)]
    mc = [abs(float(f(q.sample(64, generator=_gen(s))).mean()) - 0.5) for s in range(20)]
    assert np.median(qmc) < 0.2 * np.median(mc)


def test_fixed_draws_repeat():
    q = ChartDistribution(PolarExpChart(GLPlus(2)), [Normal(0.2)] * 3 + [TruncatedNormal(0.3, 1)])
    assert torch.equal(q.sample_fixed(5, seed=1), q.sample_fixed(5, seed=1))


def test_bad_specifications():
    chart = PolarExpChart(SL(2))
    with pytest.raises(ValueError, match="expected 3 coordinate laws"):
        ChartDistribution(chart, [Normal(1.0)])
    with pytest.raises(ValueError, match="bounded law"):
        ChartDistribution(chart, [Normal(1.0), Normal(1.0), Normal(1.0)])
    with pytest.raises(ValueError, match="must stay in"):
        ChartDistribution(chart, [Normal(1.0), Normal(1.0), Uniform(-5.0, 5.0)])
    with pytest.raises(TypeError, match="expected Normal"):
        ChartDistribution(chart, [Normal(1.0), Normal(1.0), "uniform"])
    with pytest.raises(ValueError, match="scale > 0"):
        Normal(-1.0)
    with pytest.raises(ValueError, match="low < high"):
        Uniform(1.0, 0.0)

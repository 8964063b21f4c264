"""Quasi-random samples: deterministic, distributed by the exact law, faster than Monte Carlo.

Exact marginals used: each Gaussian coordinate is N(0, σ_i²) (truncated at ±cσ_i if asked);
SO(2) angles are uniform; the SO(3) rotation angle has CDF (θ - sin θ)/π (Weyl); the first
column of a Haar rotation of SO(n) is uniform on the sphere, so R_00² ~ Beta(1/2, (n-1)/2).
"""

from __future__ import annotations

import math

import pytest
import scipy.stats
import torch

from liegeom.charts import IwasawaChart, PolarExpChart, so_volume
from liegeom.distributions import (
    AffineGaussian,
    HaarSO,
    IwasawaGaussian,
    PolarGaussian,
    RotationScalingGaussian,
)
from liegeom.groups import SL, Affine, GLPlus, RotationScaling
from liegeom.sampling import haar_so_from_uniforms, haar_so_uniforms, sobol_uniforms

N = 1024
P_MIN = 1e-3
_T = lambda *v: torch.tensor(v, dtype=torch.float64)

DISTRIBUTIONS = [
    HaarSO(2), HaarSO(3), HaarSO(4), HaarSO(5),
    PolarGaussian(SL(2), 0.7), PolarGaussian(GLPlus(2), _T(0.5, 0.3, 0.8), truncate=2.0),
    IwasawaGaussian(SL(3), 0.5), RotationScalingGaussian(RotationScaling(3), 0.4),
    AffineGaussian(RotationScalingGaussian(RotationScaling(2), 0.3), _T(1.0, 2.0)),
]


@pytest.mark.parametrize("q", DISTRIBUTIONS, ids=repr)
def test_quasi_samples_are_deterministic_members(q, dtype):
    a = q.sample_quasi((4, 8), seed=3, dtype=dtype)
    assert a.shape == (4, 8, q.group.size, q.group.size) and a.dtype == dtype
    assert torch.equal(a, q.sample_quasi((4, 8), seed=3, dtype=dtype))
    assert not torch.equal(a, q.sample_quasi((4, 8), seed=4, dtype=dtype))
    assert q.group.belongs(a).all()
    assert torch.isfinite(q.log_prob(a)).all()


def _assert_law(x, cdf, *, stratified=True):
    """KS test against the exact CDF. Where ``x`` is a monotone map of one Sobol coordinate
    (``stratified``), more holds: each 1-D projection of a scrambled Sobol net of N = 2^m
    points has exactly one point in every [k/N, (k+1)/N), so the KS statistic is at most 1/N
    (iid draws: about 0.87/sqrt(N))."""
    res = scipy.stats.kstest(x.numpy(), cdf)
    assert res.pvalue > P_MIN, res
    if stratified:
        assert res.statistic <= (1 + 1e-6) / len(x), res


def test_gaussian_coordinates_follow_their_exact_marginals():
    sig = _T(0.5, 0.3, 0.8)
    q = PolarGaussian(GLPlus(2), sig)
    z = PolarExpChart(GLPlus(2)).to_coords(q.sample_quasi((N,), seed=1))
    for i in range(3):
        _assert_law(z[:, i], scipy.stats.norm(0, float(sig[i])).cdf)
    q = PolarGaussian(GLPlus(2), sig, truncate=1.5)
    z = PolarExpChart(GLPlus(2)).to_coords(q.sample_quasi((N,), seed=1))
    for i in range(3):
        s = float(sig[i])
        _assert_law(z[:, i], scipy.stats.truncnorm(-1.5, 1.5, scale=s).cdf)
    q = IwasawaGaussian(SL(3), _T(0.3, 0.6, 0.5, 0.4, 0.2))
    z = IwasawaChart(SL(3)).to_coords(q.sample_quasi((N,), seed=2))[:, 3:]
    for i, s in enumerate((0.3, 0.6, 0.5, 0.4, 0.2)):
        _assert_law(z[:, i], scipy.stats.norm(0, s).cdf)
    q = RotationScalingGaussian(RotationScaling(2), 0.4)
    t = RotationScaling.scale(q.sample_quasi((N,), seed=0)).log()
    _assert_law(t, scipy.stats.norm(0, 0.4).cdf)
    q = AffineGaussian(PolarGaussian(SL(2), 0.5), _T(1.0, 2.0))
    x = Affine.split(q.sample_quasi((N,), seed=5))[0]
    _assert_law(x[:, 0], scipy.stats.norm(0, 1.0).cdf)
    _assert_law(x[:, 1], scipy.stats.norm(0, 2.0).cdf)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_rotations_follow_the_haar_marginals(n):
    R = HaarSO(n).sample_quasi((N,), seed=n)
    if n == 2:
        theta = torch.atan2(R[:, 1, 0], R[:, 0, 0])
        _assert_law(theta, scipy.stats.uniform(-math.pi, 2 * math.pi).cdf)
    if n == 3:
        theta = torch.arccos(((torch.diagonal(R, dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1))
        _assert_law(theta, lambda t: (t - torch.sin(torch.as_tensor(t)).numpy()) / math.pi,
                    stratified=False)
    _assert_law(R[:, 0, 0] ** 2, scipy.stats.beta(0.5, (n - 1) / 2).cdf, stratified=False)
    if n == 2:
        return
    # second moments, n >= 3: E R_ij R_kl = δ_ik δ_jl / n (SO(2) has more invariants)
    M = torch.einsum("bij,bkl->ijkl", R, R) / N
    ref = torch.einsum("ik,jl->ijkl", torch.eye(n), torch.eye(n)).double() / n
    assert float((M - ref).abs().max()) < (0.02 if n <= 4 else 0.06)


def _rms_errors(q, f, truth, sizes, seeds=8):
    """RMS relative error of the importance-weighted mean over seeds: (quasi, pseudo)."""
    out = []
    for m in sizes:
        eq, em = [], []
        for s in range(seeds):
            for sample, errs in ((q.sample_quasi((m,), seed=s), eq),
                                 (q.sample_fixed((m,), seed=s), em)):
                est = float((f(sample) * torch.exp(-q.log_prob(sample))).mean())
                errs.append((est / truth - 1) ** 2)
        out.append((math.sqrt(sum(eq) / seeds), math.sqrt(sum(em) / seeds)))
    return out


def _trace_moment(g):
    R = g / RotationScaling.scale(g)[..., None, None]
    return (1 + torch.diagonal(R, dim1=-2, dim2=-1).sum(-1)) ** 2


CASES = {
    # ∫_{SL(2)} e^{-|g|²} dμ = √2 π² e^{-2} (tests/liegeom/test_distributions.py)
    "sl2-polar": (PolarGaussian(SL(2), _T(0.8, 0.6)),
                  lambda g: torch.exp(-(g**2).sum((-2, -1))), math.sqrt(2) * math.pi**2
                  * math.exp(-2)),
    # ∫ e^{-t²} (1 + tr R)² dμ on R>0 × SO(3) = √3 √π · 2 · vol SO(3)
    "rs3": (RotationScalingGaussian(RotationScaling(3), 0.7),
            lambda g: torch.exp(-RotationScaling.scale(g).log() ** 2) * _trace_moment(g),
            math.sqrt(3 * math.pi) * 2 * so_volume(3)),
    "so4": (HaarSO(4), _trace_moment, 2 * so_volume(4)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_quasi_monte_carlo_beats_monte_carlo(case):
    """Smooth integrands: at equal sample count the QMC error is several times smaller, and it
    falls faster than the Monte Carlo rate m^{-1/2} (a factor 4 from 256 to 4096 points)."""
    q, f, truth = CASES[case]
    (q256, m256), (q4k, m4k) = _rms_errors(q, f, truth, (256, 4096))
    assert q4k < m4k / 5, (q4k, m4k)
    assert q256 / q4k > 8, (q256, q4k)  # Monte Carlo: 4
    assert 2 < m256 / m4k < 8  # the pseudo-random baseline behaves like Monte Carlo


def test_uniform_maps_and_bad_input():
    assert [haar_so_uniforms(n) for n in (2, 3, 4, 5)] == [1, 3, 6, 25]
    u = sobol_uniforms(16, 3, seed=0)
    assert u.shape == (16, 3) and bool(((u > 0) & (u < 1)).all())
    with pytest.raises(ValueError, match="3 uniforms per rotation"):
        haar_so_from_uniforms(3, u[:, :2])
    with pytest.raises(ValueError, match="dimension"):
        sobol_uniforms(4, 0)
    with pytest.raises(TypeError, match="integer seed"):
        sobol_uniforms(4, 2, seed=1.5)

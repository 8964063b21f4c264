"""RotationScaling(n) = R>0 × SO(n): chart density, Haar laws, symbolic derivation, proposal."""

from __future__ import annotations

import functools
import math

import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.autograd.functional import jacobian

from liegeom import symbolic as S
from liegeom.charts import (
    AffineChart,
    RotationScalingChart,
    autograd_log_haar_density,
    law_residual,
    so_volume,
)
from liegeom.distributions import AffineGaussian, RotationScalingGaussian
from liegeom.groups import Affine, RotationScaling
from liegeom.measures import default_proposal, integrate, modular_function
from liegeom.testing.strategies import group_elements

RS = [RotationScaling(2), RotationScaling(3), RotationScaling(4)]


def test_structure_and_abelian_for_n2(generator):
    G = RotationScaling(2)
    assert G.dim == 2 and RotationScaling(3).dim == 4 and G.name == "RotationScaling(2)"
    g, h = G.random_point((2, 5), generator=generator)
    torch.testing.assert_close(g @ h, h @ g)  # C* is abelian
    # vee(log) is (log s, angle)
    z = torch.tensor([0.4, 2.5], dtype=torch.float64)
    g = G.exp(G.hat(z))
    s, th = math.exp(0.4), 2.5
    torch.testing.assert_close(g, torch.tensor([[s * math.cos(th), -s * math.sin(th)],
                                                [s * math.sin(th), s * math.cos(th)]],
                                               dtype=torch.float64))
    torch.testing.assert_close(G.vee(G.log(g)), z)
    assert not G.belongs(torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=torch.float64))
    assert not RotationScaling(3).belongs(-torch.eye(3, dtype=torch.float64))  # det < 0


@pytest.mark.parametrize("G", RS, ids=repr)
@settings(max_examples=6)
@given(data=st.data())
def test_chart_density_is_the_riemannian_volume_and_round_trips(G, data):
    chart = RotationScalingChart(G)
    g = data.draw(group_elements(G, batch_shape=(2,), max_norm=2.0))
    z = chart.to_coords(g)
    torch.testing.assert_close(chart.from_coords(z), g, rtol=0, atol=1e-12)
    torch.testing.assert_close(chart.log_haar_density(z), autograd_log_haar_density(chart, z),
                               rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("G", RS[:2], ids=repr)
@settings(max_examples=5)
@given(data=st.data())
def test_left_and_right_haar_laws(G, dtype, data):
    chart = RotationScalingChart(G)
    g = data.draw(group_elements(G, max_norm=1.5, dtype=dtype))
    h = data.draw(group_elements(G, max_norm=1.0, dtype=dtype))
    z = chart.to_coords(g)
    tol = 1e-9 if dtype == torch.float64 else 2e-4
    assert law_residual(chart, z, h) < tol
    assert law_residual(chart, z, h, right=True) < tol


def test_n2_density_is_the_constant_two():
    """Haar = 2 dt dθ in the coordinates (log s, θ) (∝ ds dθ / s, REFERENCES)."""
    chart = RotationScalingChart(RotationScaling(2))
    z = torch.randn(7, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(chart.log_haar_density(z).exp(), torch.full((7,), 2.0,
                                                                            dtype=torch.float64))


@settings(max_examples=5)
@given(group_elements(Affine(RotationScaling(2)), batch_shape=(2,)),
       group_elements(Affine(RotationScaling(2)), batch_shape=(2,)))
def test_affine_modular_function_is_s_to_minus_n_and_a_homomorphism(g, h):
    G = Affine(RotationScaling(2))
    s = RotationScaling.scale(Affine.split(g)[1])
    torch.testing.assert_close(modular_function(G, g), s ** -2)
    torch.testing.assert_close(modular_function(G, g @ h),
                               modular_function(G, g) * modular_function(G, h))
    torch.testing.assert_close(modular_function(RotationScaling(2), Affine.split(g)[1]),
                               torch.ones(2, dtype=g.dtype))


@pytest.mark.parametrize("n", [2, 3])
def test_affine_chart_laws_with_modular_function(n, generator):
    chart = AffineChart(RotationScalingChart(RotationScaling(n)))
    G = chart.group
    z = 0.5 * torch.randn(chart.dim, generator=generator, dtype=torch.float64)
    h = G.random_point((), generator=generator)
    for side in ("left", "right"):
        torch.testing.assert_close(chart.log_haar_density(z, side=side),
                                   autograd_log_haar_density(chart, z, side=side),
                                   rtol=0, atol=1e-9)
    assert law_residual(chart, z, h, side="left") < 1e-9
    assert law_residual(chart, z, h, right=True, side="right") < 1e-9
    assert law_residual(chart, z, h, right=True) < 1e-9  # left density, Δ(h) accounted for
    ratio = (chart.log_haar_density(z, side="left") - chart.log_haar_density(z, side="right"))
    torch.testing.assert_close(ratio.exp(), modular_function(G, chart.from_coords(z)))


# --- symbolic derivation ----------------------------------------------------------------------


@functools.cache
def _derived(name, side="left"):
    p = getattr(S, name)()
    return p, S.haar_density(p.matrix, p.params, basis=p.basis, side=side,
                             normalization="frobenius")


def test_symbolic_densities_match_the_literature():
    p, rho = _derived("rs2_polar")
    assert rho == 2  # Haar ∝ ds dθ / s = dt dθ; tr(X^T Y) makes I and J of norm √2
    assert S.modular_function(p.matrix, p.params, basis=p.basis) == 1
    p, rho = _derived("rs3_euler")
    beta = next(q for q in p.params if q.name == "beta")
    assert sp.simplify(rho / sp.Abs(sp.sin(beta)) - 2 * sp.sqrt(6)) == 0  # ∝ sin β
    p, left = _derived("similarity2")
    _, right = _derived("similarity2", "right")
    t = next(q for q in p.params if q.name == "t")
    assert sp.simplify(left - 2 * sp.exp(-2 * t)) == 0 and right == 2
    assert sp.simplify(S.modular_function(p.matrix, p.params, basis=p.basis)
                       - sp.exp(-2 * t)) == 0


def _pullback(name, chart, side=None, seed=0):
    """max |log ρ_sym(q) - log ρ_chart(z(q)) - log|det ∂z/∂q|| over random points q."""
    p, rho = _derived(name, side or "left")
    g_of_q = S.lambdify_matrix_torch(p.matrix, p.params)
    log_rho = S.log_density_torch(rho, p.params)
    kw = {} if side is None else {"side": side}
    rng = torch.Generator().manual_seed(seed)
    worst = 0.0
    for _ in range(4):
        q = torch.tensor([0.6 + 0.8 * float(torch.rand((), generator=rng)) if v.is_positive
                          else 1.4 * float(torch.rand((), generator=rng)) - 0.7
                          for v in p.params], dtype=torch.float64)
        z_of_q = lambda qq: chart.to_coords(g_of_q(*qq))
        rhs = chart.log_haar_density(z_of_q(q), **kw) + torch.linalg.slogdet(
            jacobian(z_of_q, q))[1]
        worst = max(worst, abs(float(log_rho(*q) - rhs)))
    return worst


def test_symbolic_density_equals_the_chart_density():
    assert _pullback("rs2_polar", RotationScalingChart(RotationScaling(2))) < 1e-12
    assert _pullback("rs3_euler", RotationScalingChart(RotationScaling(3))) < 1e-10
    chart = AffineChart(RotationScalingChart(RotationScaling(2)))
    for side in ("left", "right"):
        assert _pullback("similarity2", chart, side=side) < 1e-12


# --- proposal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3])
def test_log_prob_matches_the_independent_formula(n, generator):
    """q = φ_σ(log s) / (√n vol SO(n)) with respect to Haar = √n dt ⊗ μ_SO(n)."""
    q = RotationScalingGaussian(RotationScaling(n), 0.4)
    g = q.sample((50,), generator=generator)
    t = torch.log(torch.linalg.det(g)) / n  # det(s R) = s^n: an independent route to log s
    ref = (-0.5 * (t / 0.4) ** 2 - math.log(0.4 * math.sqrt(2 * math.pi))
           - 0.5 * math.log(n) - math.log(so_volume(n)))
    torch.testing.assert_close(q.log_prob(g), ref)
    assert RotationScaling(n).belongs(g).all()


@pytest.mark.parametrize("n", [2, 3])
def test_importance_weighted_integral_is_exact(n, generator):
    """∫ e^{-t²} (1 + tr R)² dμ = √n √π · E_Haar[(1 + tr R)²] vol SO(n); the Haar moment is
    1 + E(tr R)² = 3 (SO(2): tr = 2 cos θ, E cos²θ = 1/2) or 2 (SO(3))."""
    G = RotationScaling(n)
    f = lambda g: (torch.exp(-G.scale(g).log() ** 2)
                   * (1 + torch.diagonal(g / G.scale(g)[..., None, None], dim1=-2,
                                         dim2=-1).sum(-1)) ** 2)
    moment = {2: 3.0, 3: 2.0}[n]
    truth = math.sqrt(n) * math.sqrt(math.pi) * moment * so_volume(n)
    est, se = integrate(f, G, 20_000, proposal=default_proposal(G), generator=generator)
    assert abs(est - truth) < 4 * se and se < 0.02 * truth, (est, se, truth)
    trunc = RotationScalingGaussian(G, torch.tensor([0.8], dtype=torch.float64), truncate=4.0)
    est, se = integrate(f, G, 20_000, proposal=trunc, generator=generator)
    assert abs(est - truth) < 4 * se, (est, se, truth)


def test_affine_proposal_left_and_right_integrals(generator):
    """On the similarity group: ∫ f dμ_R = ∫ e^{-|x|²} e^{-t²} 2 dt dθ dx = 2π · √π · 2π; the
    left measure carries e^{-2t}: ∫ e^{-t²-2t} dt = √π e."""
    G = Affine(RotationScaling(2))
    q = default_proposal(G)
    assert isinstance(q, AffineGaussian) and isinstance(q.linear, RotationScalingGaussian)
    f = lambda g: torch.exp(-(Affine.split(g)[0] ** 2).sum(-1)
                            - RotationScaling.scale(Affine.split(g)[1]).log() ** 2)
    right = 2 * math.pi * math.sqrt(math.pi) * math.pi * 2
    left = right * math.e
    for side, truth in (("right", right), ("left", left)):
        est, se = integrate(f, G, 40_000, side=side, generator=generator)
        assert abs(est - truth) < 4 * se and se < 0.03 * truth, (side, est, se, truth)


def test_bad_input():
    with pytest.raises(ValueError, match="n >= 2"):
        RotationScaling(1)
    with pytest.raises(ValueError, match="RotationScaling"):
        RotationScalingChart(Affine(RotationScaling(2)))
    with pytest.raises(ValueError, match="1 per-coordinate"):
        RotationScalingGaussian(RotationScaling(2), torch.ones(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="shape"):
        RotationScaling(2).projection(torch.zeros(3, 3))

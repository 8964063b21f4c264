"""Distributions: exact log densities w.r.t. Haar, checked by Monte Carlo identities."""

import math

import pytest
import scipy.stats
import torch

from liegeom.charts import (
    IwasawaChart,
    PolarExpChart,
    autograd_log_haar_density,
    log_so_exp_density,
    so_volume,
)
from liegeom.distributions import AffineGaussian, HaarSO, IwasawaGaussian, PolarGaussian
from liegeom.groups import SL, SO, Affine, GLPlus
from liegeom.measures import integrate


def _f(g):
    """Integrable against Haar on GL+(n): decays as g or g^{-1} grows (no K-invariance)."""
    M = torch.eye(g.shape[-1], dtype=g.dtype) + 0.3 * torch.ones_like(g[0]).triu(1)
    return torch.exp(-((g - M) ** 2).sum((-2, -1)) - (torch.linalg.inv(g) ** 2).sum((-2, -1)))


def _lebesgue_integral(n, m, generator):
    """∫ f dHaar on GL+(n) by plain Monte Carlo on the entries: Haar = |det g|^{-n} d(entries)
    (REFERENCES; the E_ij are orthonormal for tr(X^T Y), our normalization). No chart used."""
    s = 1.2
    g = s * torch.randn(m, n, n, generator=generator, dtype=torch.float64)
    det = torch.linalg.det(g)
    logq = -0.5 * (g / s).pow(2).sum((-2, -1)) - n * n * math.log(s * math.sqrt(2 * math.pi))
    safe = torch.where((det > 0)[:, None, None], g, torch.eye(n, dtype=g.dtype))
    w = torch.where(det > 0, _f(safe) * det.abs().clamp_min(1e-300) ** -n * torch.exp(-logq), 0)
    return float(w.mean()), float(w.std() / math.sqrt(m))


@pytest.mark.parametrize("n", [2, 3])
# scale 0.5: at 0.7 the weights f/q on GL+(3) have Pareto k ~ 0.9 (effective sample size ~0.5%),
# which integrate's heavy-tail diagnostic reports; at 0.5, k ~ 0.43
@pytest.mark.parametrize("make", [
    lambda G: PolarGaussian(G, 0.5),
    lambda G: IwasawaGaussian(G, 0.5),
    lambda G: PolarGaussian(G, 0.5, truncate=3.0),
], ids=["polar", "iwasawa", "polar-truncated"])
def test_weighted_samples_integrate_like_lebesgue_route(n, make, generator):
    """E_q[f / q] (q w.r.t. Haar) equals ∫ f |det g|^{-n} dg computed without any chart."""
    ref, ref_se = _lebesgue_integral(n, 200_000, generator)
    q = make(GLPlus(n))
    est, se = integrate(_f, GLPlus(n), 40_000, proposal=q, generator=generator)
    assert abs(est - ref) < 4 * math.hypot(se, ref_se), (est, se, ref, ref_se)


@pytest.mark.parametrize(
    "make", [lambda G: PolarGaussian(G, 0.7), lambda G: IwasawaGaussian(G, 1.0)],
    ids=["polar", "iwasawa"],
)
def test_sl2_exact_integral(make, generator):
    r"""∫_{SL(2)} e^{-|g|^2} = vol SO(2) ∫_{Sym0} e^{-2cosh 2r} sinh(2r)/(2r) dX = √2 π² e^{-2}
    (|e^X|^2 = 2 cosh 2r, polar coordinates in the orthonormal Sym0 plane, |X| = √2 r)."""
    f = lambda g: torch.exp(-(g**2).sum((-2, -1)))
    est, se = integrate(f, SL(2), 40_000, proposal=make(SL(2)), generator=generator)
    assert abs(est - math.sqrt(2) * math.pi**2 * math.exp(-2)) < 4 * se


def test_affine_left_and_right_densities_match_lebesgue(generator):
    """Left Haar of R^2 ⋊ GL+(2) is |det A|^{-3} dx dA, right Haar |det A|^{-2} dx dA."""
    G = Affine(GLPlus(2))
    q = AffineGaussian(PolarGaussian(GLPlus(2), 0.7), scale=1.0)
    m = 200_000
    x = 1.5 * torch.randn(m, 2, generator=generator, dtype=torch.float64)
    A_ = 1.2 * torch.randn(m, 2, 2, generator=generator, dtype=torch.float64)
    det = torch.linalg.det(A_)
    ok = det > 0
    A_ = torch.where(ok[:, None, None], A_, torch.eye(2, dtype=A_.dtype))
    logq = (-0.5 * (x / 1.5).pow(2).sum(-1) - 2 * math.log(1.5 * math.sqrt(2 * math.pi))
            - 0.5 * (A_ / 1.2).pow(2).sum((-2, -1)) - 4 * math.log(1.2 * math.sqrt(2 * math.pi)))
    f = lambda g: _f(Affine.split(g)[1]) * torch.exp(-(Affine.split(g)[0] - 0.5).pow(2).sum(-1))
    fx = f(G.join(x, A_))
    for side, power in (("left", 3), ("right", 2)):
        w = torch.where(ok, fx * det.abs() ** -power * torch.exp(-logq), 0)
        ref, ref_se = float(w.mean()), float(w.std() / math.sqrt(m))
        est, se = integrate(f, G, 40_000, proposal=q, side=side, generator=generator)
        assert abs(est - ref) < 4 * math.hypot(se, ref_se), (side, est, se, ref, ref_se)


def test_haar_so_log_prob_and_samples(generator):
    q = HaarSO(3)
    R = q.sample((5, 2), generator=generator)
    assert R.shape == (5, 2, 3, 3)
    torch.testing.assert_close(q.log_prob(R), torch.full((5, 2), -math.log(8 * math.pi**2
                                                                            * 2**1.5),
                                                         dtype=torch.float64))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_fixed_sample_mode_is_deterministic(dtype):
    q = IwasawaGaussian(SL(3), 0.5)
    a = q.sample_fixed((4,), seed=7, dtype=dtype)
    b = q.sample_fixed((4,), seed=7, dtype=dtype)
    c = q.sample_fixed((4,), seed=8, dtype=dtype)
    assert a.dtype == dtype and a.shape == (4, 3, 3)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert bool(SL(3).belongs(a).all())


def test_truncation_bounds_and_zero_density_outside(generator):
    q = PolarGaussian(GLPlus(2), 0.5, truncate=1.5)
    g = q.sample((2000,), generator=generator)
    x = PolarExpChart(GLPlus(2)).to_coords(g)[..., :3]
    assert float(x.abs().max()) <= 0.75 + 1e-9
    assert torch.isfinite(q.log_prob(g)).all()
    far = torch.diag(torch.tensor([math.exp(2.0), 1.0], dtype=torch.float64))
    assert q.log_prob(far) == -math.inf


def test_samples_have_the_stated_gaussian_coordinates(generator):
    """The non-compact Iwasawa coordinates of samples are N(0, scale^2): first two moments."""
    q = IwasawaGaussian(GLPlus(3), 0.8)
    z = IwasawaChart(GLPlus(3)).to_coords(q.sample((20_000,), generator=generator))[..., 3:]
    assert float(z.mean(0).abs().max()) < 4 * 0.8 / math.sqrt(20_000)
    torch.testing.assert_close(z.std(0), torch.full((6,), 0.8, dtype=z.dtype), rtol=0.03, atol=0)


def test_bad_input():
    with pytest.raises(ValueError, match="scale > 0"):
        PolarGaussian(SL(2), scale=0.0)
    with pytest.raises(ValueError, match="truncate > 0"):
        PolarGaussian(SL(2), truncate=-1.0)
    with pytest.raises(ValueError, match="GLPlus\\(n\\) and SL\\(n\\)"):
        IwasawaGaussian(SO(3))
    with pytest.raises(ValueError, match="shape"):
        PolarGaussian(SL(2)).log_prob(torch.eye(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="PolarGaussian, IwasawaGaussian or RotationScaling"):
        AffineGaussian(HaarSO(2))
    with pytest.raises(ValueError, match="side must be"):
        AffineGaussian(PolarGaussian(SL(2))).log_prob(torch.eye(3, dtype=torch.float64),
                                                     side="top")


# --- per-coordinate scales ---------------------------------------------------------------------

_T = lambda *v: torch.tensor(v, dtype=torch.float64)


@pytest.mark.parametrize("make,chart,nc", [
    (lambda s: PolarGaussian(GLPlus(2), s), PolarExpChart(GLPlus(2)), slice(0, 3)),
    (lambda s: IwasawaGaussian(SL(3), s), IwasawaChart(SL(3)), slice(3, 8)),
], ids=["polar-gl2", "iwasawa-sl3"])
def test_tensor_scale_log_prob_matches_an_independent_formula(make, chart, nc, generator):
    """log q = Σ log N(z_i; 0, σ_i²) + log ρ_SO(w) - log vol SO(n) - log ρ(z), with the Haar
    density ρ computed by the autograd volume route (no closed form) and scipy's normal."""
    m = nc.stop - nc.start
    sig = torch.linspace(0.3, 0.9, m, dtype=torch.float64)
    q = make(sig)
    g = q.sample((4,), generator=generator)
    z = chart.to_coords(g)
    w = torch.cat([z[..., : nc.start], z[..., nc.stop :]], -1)
    gauss = torch.from_numpy(scipy.stats.norm(0, sig.numpy()).logpdf(z[..., nc].numpy())).sum(-1)
    ref = (gauss + log_so_exp_density(w, chart.n) - math.log(so_volume(chart.n))
           - autograd_log_haar_density(chart, z))
    torch.testing.assert_close(q.log_prob(g), ref, rtol=0, atol=1e-9)
    # equal entries reproduce the float scale exactly: samples and densities
    same = make(torch.full((m,), 0.6, dtype=torch.float64))
    iso = make(0.6)
    a = same.sample((3,), generator=torch.Generator().manual_seed(1))
    b = iso.sample((3,), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(same.log_prob(a), iso.log_prob(a), rtol=1e-15, atol=1e-14)


@pytest.mark.parametrize("make", [
    lambda: PolarGaussian(SL(2), _T(0.9, 0.45)),
    lambda: IwasawaGaussian(SL(2), _T(0.6, 1.3)),
    lambda: PolarGaussian(SL(2), _T(1.0, 0.5), truncate=3.0),
], ids=["polar", "iwasawa", "polar-truncated"])
def test_anisotropic_proposals_integrate_exactly(make, generator):
    """∫_{SL(2)} e^{-|g|²} dμ = √2 π² e^{-2} with per-coordinate scales."""
    f = lambda g: torch.exp(-(g**2).sum((-2, -1)))
    est, se = integrate(f, SL(2), 40_000, proposal=make(), generator=generator)
    truth = math.sqrt(2) * math.pi**2 * math.exp(-2)
    assert abs(est - truth) < 4 * se and se < 0.02 * truth, (est, se, truth)


def test_tensor_scale_truncation_and_gradients(generator):
    sig = _T(0.5, 0.1, 0.3).requires_grad_(True)
    q = PolarGaussian(GLPlus(2), sig, truncate=1.5)
    g = q.sample((2000,), generator=generator)
    x = PolarExpChart(GLPlus(2)).to_coords(g.detach())[..., :3]
    assert (x.abs() <= 1.5 * sig.detach() + 1e-9).all()
    assert (x.abs().amax(0) > 1.4 * sig.detach()).all()  # each coordinate reaches its bound
    assert g.requires_grad  # reparametrized: samples are scale * u
    assert torch.isfinite(q.log_prob(torch.diag(_T(math.exp(0.7), 1.0))))  # x_0 = 0.7 < 0.75
    assert q.log_prob(torch.diag(_T(math.exp(0.8), 1.0))) == -math.inf  # x_0 = 0.8 > 0.75
    g0 = g[:5].detach()
    assert torch.autograd.gradcheck(lambda s: PolarGaussian(GLPlus(2), s).log_prob(g0),
                                    (sig.detach().clone().requires_grad_(True),))


def test_tensor_scale_bad_input():
    with pytest.raises(ValueError, match="3 per-coordinate standard deviations"):
        PolarGaussian(GLPlus(2), _T(0.5, 0.5))
    with pytest.raises(ValueError, match="finite and > 0"):
        IwasawaGaussian(SL(2), _T(0.5, -1.0))
    with pytest.raises(ValueError, match="2 per-coordinate"):
        AffineGaussian(PolarGaussian(SL(2)), _T(1.0))
    with pytest.raises(ValueError, match="scale > 0"):
        PolarGaussian(SL(2), math.nan)

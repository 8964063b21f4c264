"""Eigenvector-free exp/log for n = 2, 3: agreement with exact spectra, scipy and LAPACK."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liegeom import _linalg as impl
from liegeom import linalg as la
from liegeom.testing.strategies import rotations, spd_matrices

FEW = settings(max_examples=15, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
PATTERNS = ["distinct", "pair_low", "pair_high", "all", "near_low", "near_high", "near_all"]


@st.composite
def spectra(draw, n, dtype, batch=4):
    """``(Q, ℓ)``: rotations and log-eigenvalues whose spread reaches ``log(cond)`` (1e6 in
    float64, 1e3 in float32) and which may repeat exactly or up to a drawn relative gap."""
    Q = draw(rotations(n, batch_shape=(batch,)))
    cond = 1e6 if dtype == torch.float64 else 1e3
    spread = draw(st.floats(0.0, math.log(cond)))
    centre = draw(st.floats(-3.0, 3.0))
    gap = 10.0 ** draw(st.floats(-12.0, -2.0))
    pattern = draw(st.sampled_from(PATTERNS[:3] if n == 2 else PATTERNS))
    t = torch.linspace(-0.5, 0.5, n, dtype=torch.float64)
    if pattern in ("pair_low", "near_low"):
        t[1] = t[0] + (gap if pattern == "near_low" else 0.0)
    elif pattern in ("pair_high", "near_high"):
        t[-2] = t[-1] - (gap if pattern == "near_high" else 0.0)
    elif pattern == "all":
        t[:] = 0.0
    elif pattern == "near_all":
        t = gap * t
    return Q, centre + spread * t.expand(batch, n)


def from_spectrum(Q, values):
    return (Q * values[..., None, :]) @ Q.mT


def maxabs(x):
    return x.abs().flatten(-2).amax(-1)


@pytest.mark.parametrize("n", [2, 3])
@FEW
@given(data=st.data())
def test_fast_exp_matches_the_exact_exponential(n, dtype, data):
    Q, ell = data.draw(spectra(n, dtype))
    X = from_spectrum(Q, ell)
    expected = from_spectrum(Q, ell.exp())  # float64, from the drawn spectrum
    got = la.spd_exp(X.to(dtype))
    assert got.dtype == dtype and got.shape == X.shape
    # rounding X to dtype moves exp(X) by eps * |X| * |exp X| already (relative condition)
    bound = 100 * torch.finfo(dtype).eps * (1 + maxabs(X)) * expected.flatten(-2).norm(dim=-1)
    assert (maxabs(got.double() - expected) <= bound).all()


@pytest.mark.parametrize("n", [2, 3])
@FEW
@given(data=st.data())
def test_fast_log_matches_the_exact_logarithm(n, dtype, data):
    Q, ell = data.draw(spectra(n, dtype))
    S = from_spectrum(Q, ell.exp())
    expected = from_spectrum(Q, ell)
    got = la.spd_log(S.to(dtype))
    assert got.dtype == dtype and got.shape == S.shape
    # eigenvalues of S are known to eps |S| absolutely, so log to eps * cond relatively
    kappa = (ell.amax(-1) - ell.amin(-1)).exp()
    bound = 100 * torch.finfo(dtype).eps * kappa * (1 + expected.flatten(-2).norm(dim=-1))
    assert (maxabs(got.double() - expected) <= bound).all()


@pytest.mark.parametrize("n", [2, 3])
@FEW
@given(data=st.data())
def test_fast_path_agrees_with_the_lapack_eigen_route(n, dtype, data):
    S = data.draw(st.one_of(spd_matrices(n, batch_shape=(2, 3), dtype=dtype),
                            spd_matrices(n, batch_shape=(2, 3), dtype=dtype,
                                         ill_conditioned=True)))
    eps = torch.finfo(dtype).eps
    s = torch.linalg.eigvalsh(S.double())
    kappa = (s[..., -1] / s[..., 0]).to(dtype)
    L = la.spd_log(S)
    ref = la.spd_log(S, method="lapack")
    assert (maxabs(L - ref) <= 100 * eps * kappa * (1 + ref.flatten(-2).norm(dim=-1))).all()
    E = la.spd_exp(ref)
    ref_e = la.spd_exp(ref, method="lapack")
    bound = 100 * eps * (1 + maxabs(ref)) * ref_e.flatten(-2).norm(dim=-1)
    assert (maxabs(E - ref_e) <= bound).all()


def _mp(fn, A):
    """``fn`` at 30 digits on a real matrix whose image is real. mpmath returns complex entries
    for some inputs with repeated eigenvalues (its Schur route); their imaginary parts must be
    rounding at 30 digits, and the real parts are the reference."""
    with mpmath.workdps(30):
        out = fn(mpmath.matrix(A.tolist())).tolist()
    re = torch.tensor([[float(mpmath.re(v)) for v in row] for row in out], dtype=torch.float64)
    im = max(abs(float(mpmath.im(v))) for row in out for v in row)
    assert im <= 1e-20 * max(1.0, float(re.abs().max())), im
    return re


@pytest.mark.parametrize("n", [2, 3])
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_fast_path_matches_high_precision_expm_and_logm(n, data):
    # mpmath at 30 digits is the reference: scipy's expm (Pade) is itself off by ~1e-12 here
    S = data.draw(spd_matrices(n, batch_shape=(2,), ill_conditioned=True))
    eps = torch.finfo(torch.float64).eps
    L = la.spd_log(S)
    ref = torch.stack([_mp(mpmath.logm, s) for s in S])
    kappa = torch.linalg.cond(S)
    assert (maxabs(L - ref) <= 100 * eps * kappa * (1 + ref.flatten(-2).norm(dim=-1))).all()
    E = torch.stack([_mp(mpmath.expm, x) for x in ref])
    bound = 100 * eps * (1 + maxabs(ref)) * E.flatten(-2).norm(dim=-1)
    assert (maxabs(la.spd_exp(ref) - E) <= bound).all()
    # and scipy's logm (inverse scaling and squaring) agrees to the same bound
    sp = torch.from_numpy(np.stack([scipy.linalg.logm(s).real for s in S.numpy()]))
    assert (maxabs(L - sp) <= 100 * eps * kappa * (1 + ref.flatten(-2).norm(dim=-1))).all()


def test_unresolvable_small_pair_goes_to_lapack_and_stays_accurate(monkeypatch):
    # eigenvalues 1e-6 (1, 1 + 1e-7) and 1: the trigonometric formula alone puts the small
    # pair ~1e-7 apart in error (after scaling by tr/3), which would cross 0 and give NaN
    gen = torch.Generator().manual_seed(3)
    Q = torch.linalg.qr(torch.randn(6, 3, 3, dtype=torch.float64, generator=gen)).Q
    ell = torch.tensor([math.log(1e-6), math.log(1e-6) + 1e-7, 0.0], dtype=torch.float64)
    S = from_spectrum(Q, ell.exp())
    calls = []
    eigh = torch.linalg.eigh
    monkeypatch.setattr(torch.linalg, "eigh", lambda x: calls.append(x.shape) or eigh(x))
    monkeypatch.setattr(impl, "_CHUNK", 4)  # two blocks: the second one is a partial block
    got = la.spd_log(S)
    assert calls == [(4, 3, 3), (2, 3, 3)]
    expected = from_spectrum(Q, ell.expand(6, 3))
    eps = torch.finfo(torch.float64).eps
    assert (maxabs(got - expected) <= 100 * eps * 1e6 * (1 + ell.norm())).all()


@pytest.mark.parametrize("n", [2, 3])
def test_batch_shapes_blocks_and_exact_cases(n, monkeypatch):
    monkeypatch.setattr(impl, "_CHUNK", 3)
    gen = torch.Generator().manual_seed(n)
    X = la.sym(torch.randn(2, 5, n, n, dtype=torch.float64, generator=gen))
    each = torch.stack([la.spd_exp(x, method="lapack") for x in X.reshape(-1, n, n)])
    torch.testing.assert_close(la.spd_exp(X), each.view(2, 5, n, n), rtol=1e-13, atol=1e-13)
    assert la.spd_exp(X[0, 0]).shape == (n, n)
    assert la.spd_log(torch.empty(0, n, n, dtype=torch.float64)).shape == (0, n, n)
    eye = torch.eye(n, dtype=torch.float64)
    # scalar matrices, including tiny and huge scales: exactly representable answers
    for c in (1e-200, 0.5, 2.0, 1e200):
        torch.testing.assert_close(la.spd_log(c * eye), math.log(c) * eye, rtol=4e-16, atol=0)
    torch.testing.assert_close(la.spd_exp(0 * eye), eye, rtol=0, atol=0)
    assert torch.isnan(la.spd_exp(torch.full((n, n), math.nan))).all()


@pytest.mark.parametrize("n", [2, 3])
def test_fast_value_equals_the_differentiable_value(n):
    gen = torch.Generator().manual_seed(10 + n)
    X = la.sym(torch.randn(4, n, n, dtype=torch.float64, generator=gen))
    for f, x in ((la.spd_exp, X), (la.spd_log, la.spd_exp(X, method="lapack"))):
        tracked = f(x.clone().requires_grad_(True))
        torch.testing.assert_close(f(x), tracked.detach(), rtol=1e-12, atol=1e-12)

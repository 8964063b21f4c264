"""Spectral kernels: closed forms agree with LAPACK, matrix functions invert, derivatives exact."""

from __future__ import annotations

import pytest
import scipy.linalg
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liegeom import linalg as la
from liegeom._linalg import _sqrtm_db
from liegeom.groups import SO, GLPlus
from liegeom.testing.strategies import group_elements, rotations, spd_matrices

FEW = settings(max_examples=10, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def symmetric_with_clusters(draw, n, shape=(3,)):
    """Symmetric matrices Q diag(λ) Q^T whose spectrum may repeat exactly or nearly."""
    Q = draw(rotations(n, batch_shape=shape))
    base = draw(st.floats(-3, 3))
    pattern = draw(st.sampled_from(["distinct", "pair", "all", "near"]))
    lam = torch.tensor([base + k for k in range(n)], dtype=torch.float64)
    if pattern == "pair":
        lam[1] = lam[0]
    elif pattern == "all":
        lam[:] = base
    elif pattern == "near":
        lam[1] = lam[0] + 1e-9
    return (Q * lam[..., None, :]) @ Q.mT


def reconstruct(L, U):
    return (U * L[..., None, :]) @ U.mT


@pytest.mark.parametrize("n", [2, 3])
@FEW
@given(data=st.data())
def test_closed_form_eigh_matches_lapack(n, dtype, data):
    S = data.draw(st.one_of(spd_matrices(n, batch_shape=(4,), ill_conditioned=True),
                            symmetric_with_clusters(n, (4,)))).to(dtype)
    eps = torch.finfo(dtype).eps
    Lc, Uc = la.sym_eigh(S, method="closed")
    Ll, Ul = la.sym_eigh(S, method="lapack")
    # Frobenius norm without underflow (hypothesis draws scalar matrices like 1e-243 I)
    big = S.abs().flatten(-2).amax(-1, keepdim=True).clamp_min(torch.finfo(dtype).tiny)
    scale = big * (S / big[..., None]).flatten(-2).norm(dim=-1, keepdim=True)
    assert ((Lc - Ll).abs() <= 50 * eps * scale).all()
    eye = torch.eye(n, dtype=dtype)
    assert ((Uc.mT @ Uc - eye).abs() <= 50 * eps).all()
    assert ((reconstruct(Lc, Uc) - S).abs() <= 50 * eps * scale[..., None]).all()


@FEW
@given(data=st.data())
def test_eigenvector_free_2x2_path_matches_the_eigen_route(dtype, data):
    S = data.draw(st.one_of(spd_matrices(2, batch_shape=(4,), ill_conditioned=True),
                            symmetric_with_clusters(2, (4,)).map(
                                lambda X: la.spd_exp(X, method="lapack")))).to(dtype)
    eps = torch.finfo(dtype).eps
    # both routes get the small eigenvalue to eps * |S| absolutely (normwise stability), so
    # they may differ by eps * condition number relative to |f(S)|
    s = torch.linalg.eigvalsh(S.double())
    kappa = (s[..., -1] / s[..., 0]).to(dtype)[..., None, None]
    for f in (la.spd_log, la.spd_sqrt):
        fast = f(S)  # no derivative tracked: alpha I + beta S
        ref = f(S, method="lapack")
        scale = ref.flatten(-2).norm(dim=-1)[..., None, None]
        assert ((fast - ref).abs() <= 100 * eps * kappa * (1 + scale)).all(), f
    X = la.spd_log(S, method="lapack")
    ref = la.spd_exp(X, method="lapack")
    scale = ref.flatten(-2).norm(dim=-1)[..., None, None]
    assert ((la.spd_exp(X) - ref).abs() <= 100 * eps * (1 + X.abs().amax()) * scale).all()


@pytest.mark.parametrize("n", [2, 3, 4])
@FEW
@given(data=st.data())
def test_spd_functions_invert_each_other(n, dtype, tol, data):
    S = data.draw(spd_matrices(n, batch_shape=(2, 2), dtype=dtype))
    torch.testing.assert_close(la.spd_exp(la.spd_log(S)), S, **tol)
    R = la.spd_sqrt(S)
    torch.testing.assert_close(R @ R, S, **tol)
    torch.testing.assert_close(la.spd_invsqrt(S) @ R, torch.eye(n, dtype=dtype).expand_as(S),
                               **tol)


@pytest.mark.parametrize("n", [2, 3, 5])
@FEW
@given(data=st.data())
def test_logm_matches_scipy_and_det_inv_match_torch(n, data):
    g = data.draw(group_elements(GLPlus(n), batch_shape=(2,), max_norm=1.5))
    ref = torch.stack([torch.from_numpy(scipy.linalg.logm(x.numpy()).real) for x in g])
    torch.testing.assert_close(la.logm(g), ref, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(la.det(g), torch.linalg.det(g))
    torch.testing.assert_close(la.inv(g), torch.linalg.inv(g))


def _gc(f, x):
    return torch.autograd.gradcheck(f, (x.clone().requires_grad_(True),), fast_mode=True)


@pytest.mark.parametrize("method", ["closed", "lapack"])
@pytest.mark.parametrize("n", [2, 3])
def test_matrix_function_derivatives_exact_at_repeated_eigenvalues(n, method):
    gen = torch.Generator().manual_seed(n)
    Q = SO(n).random_point(generator=gen)
    lam = torch.ones(n, dtype=torch.float64)
    lam[-1] = 2.0
    distinct = Q @ torch.diag(torch.arange(1.0, n + 1, dtype=torch.float64)) @ Q.mT
    assert _gc(lambda x: la.sym_eigh(x, method=method), distinct)
    for S in (torch.eye(n, dtype=torch.float64), Q @ torch.diag(lam) @ Q.mT):
        for f in (la.spd_log, la.spd_sqrt, la.spd_exp):
            assert _gc(lambda x, f=f: f(x, method=method), S)
        # eigenvectors of repeated eigenvalues are not differentiable: gradients stay finite
        x = S.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(la.sym_eigh(x, method=method)[1].sum(), x)
        assert torch.isfinite(grad).all()


def test_forward_and_reverse_mode_agree():
    S = torch.tensor([[2.0, 0.3, 0.0], [0.3, 2.0, 0.1], [0.0, 0.1, 1.0]], dtype=torch.float64)
    jf = torch.func.jacfwd(la.spd_log)(S)
    jr = torch.func.jacrev(la.spd_log)(S)
    torch.testing.assert_close(jf, jr)
    # against central finite differences of the scipy logarithm
    h = 1e-6
    E = torch.zeros(3, 3, dtype=torch.float64)
    E[0, 1] = E[1, 0] = 1.0
    fd = (scipy.linalg.logm((S + h * E).numpy()) - scipy.linalg.logm((S - h * E).numpy())) / (2 * h)
    torch.testing.assert_close((jr * E).sum((-2, -1)), torch.from_numpy(fd.real), atol=1e-8,
                               rtol=1e-7)


def test_svd_derivatives_match_torch_where_singular_values_are_distinct():
    g = torch.tensor([[3.0, 1.0, 0.2], [0.0, 2.0, 0.5], [0.1, 0.0, 1.0]], dtype=torch.float64)
    ours = torch.func.jacrev(lambda x: la.svd(x)[1])(g)
    ref = torch.func.jacrev(torch.linalg.svdvals)(g)
    torch.testing.assert_close(ours, ref)
    assert _gc(lambda x: la.svd(x), g)


def test_logm_reports_non_convergence_instead_of_returning_garbage():
    with pytest.raises(ArithmeticError, match="did not converge"):
        _sqrtm_db(torch.diag(torch.tensor([-2.0, 1.0], dtype=torch.float64)), max_iter=8)
    with pytest.raises(ArithmeticError, match="did not converge"):
        _sqrtm_db(torch.diag(torch.tensor([-1.0, 1.0], dtype=torch.float64)))


# --- issue 32, defect 2: divided differences at small eigenvalues --------------------------------

import math  # noqa: E402


@pytest.mark.parametrize("scale", [1e-6, 1e-3, 1.0, 1e4])
@pytest.mark.parametrize("name,f", [("log", torch.log), ("sqrt", torch.sqrt),
                                    ("rsqrt", torch.rsqrt), ("exp", torch.exp),
                                    ("cube", lambda x: x**3)])
def test_jacobian_is_daleckii_krein_with_exact_divided_differences(name, f, scale, dtype):
    """d f(S)[E] = U (K ∘ U^T E U) U^T with K_ij = (f(λ_i) - f(λ_j)) / (λ_i - λ_j) evaluated in
    float64 on the exact spectrum (gaps far above rounding). Regression: the Jacobian of
    SPD(2).log at 1e-6 diag(1, 3) had entry 250000 instead of ln 3 / 4e-6 = 274653."""
    if name == "exp" and scale > 10:
        pytest.skip("exp of 1e4 overflows")
    lam = scale * torch.tensor([1.0, 3.0, 3.5], dtype=torch.float64)
    Q = SO(3).exp(SO(3).hat(torch.tensor([0.4, -0.7, 0.2], dtype=torch.float64)))
    S = (Q * lam) @ Q.mT
    fn = {"log": la.spd_log, "sqrt": la.spd_sqrt, "rsqrt": la.spd_invsqrt,
          "exp": la.spd_exp}.get(name, lambda X: la.sym_funcm(X, f))
    J = torch.autograd.functional.jacobian(fn, S.to(dtype)).double()
    fl = f(lam)
    dd = (fl[:, None] - fl[None, :]) / (lam[:, None] - lam[None, :]).fill_diagonal_(1.0)
    d1 = torch.autograd.functional.jacobian(lambda x: f(x).sum(), lam)
    K = torch.where(torch.eye(3, dtype=torch.bool), torch.diag(d1).expand(3, 3), dd)
    E = torch.eye(9, dtype=torch.float64).reshape(9, 3, 3)
    E = 0.5 * (E + E.mT)  # the functions act on sym(S)
    ref = torch.stack([Q @ (K * (Q.mT @ e @ Q)) @ Q.mT for e in E], -1).reshape(3, 3, 3, 3)
    rel = float((J - ref).abs().max() / ref.abs().max())
    assert rel < (1e-9 if dtype == torch.float64 else 2e-3), rel


def test_spd_log_jacobian_issue_example():
    S = 1e-6 * torch.diag(torch.tensor([1.0, 3.0], dtype=torch.float64))
    J = torch.autograd.functional.jacobian(la.spd_log, S)
    assert float(J[0, 1, 0, 1]) == pytest.approx(math.log(3) / 4e-6, rel=1e-12)


# --- issue 32, defect 3: second derivatives are exact or raise ---------------------------------

from liegeom import set_validation  # noqa: E402
from liegeom.decompositions import iwasawa, polar  # noqa: E402

_Y = torch.tensor([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]], dtype=torch.float64)


@pytest.mark.parametrize("name,f", [
    ("spd_log", la.spd_log), ("spd_exp", la.spd_exp), ("spd_sqrt", la.spd_sqrt),
    ("svd", lambda g: la.svd(g)[0]), ("sym_eigh", lambda S: la.sym_eigh(S)[1]),
    ("polar n=3", lambda g: polar(g)[1]),
])
def test_second_derivatives_of_spectral_maps_raise(name, f):
    """Regression: the Hessian of (spd_log(Y)**2).sum() was 22% off and gradgradcheck failed;
    now every second-order route raises, while first derivatives stay exact."""
    Y = _Y.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(f, (Y,))
    with pytest.raises(NotImplementedError, match="second derivatives"):
        torch.autograd.gradgradcheck(f, (Y,))
    with pytest.raises(NotImplementedError, match="second derivatives"):
        torch.func.hessian(lambda y: f(y).square().sum())(_Y)
    with pytest.raises(NotImplementedError, match="second derivatives"):
        torch.func.jacrev(torch.func.jacrev(lambda y: f(y).square().sum()))(_Y)
    # a second derivative that mixes in other terms must not silently drop this one
    (g,) = torch.autograd.grad((f(Y).square().sum() + Y.pow(3).sum()), Y, create_graph=True)
    with pytest.raises(NotImplementedError, match="second derivatives"):
        torch.autograd.grad(g.sum(), Y)


@pytest.mark.parametrize("name,f", [
    ("logm n=2", lambda g: la.logm(g[:2, :2])), ("logm n=3", la.logm),
    ("polar n=2", lambda g: polar(g[:2, :2])[1]), ("iwasawa", lambda g: iwasawa(g)[0]),
    ("SO(3) log", lambda g: SO(3).log(torch.linalg.matrix_exp(la.skew(g)))),
    ("SO(3) exp", lambda g: SO(3).exp(g)), ("det", la.det), ("inv", la.inv),
])
def test_second_derivatives_that_are_supported_are_exact(name, f):
    with set_validation(False):  # finite differences step off the groups
        assert torch.autograd.gradgradcheck(f, (_Y.clone().requires_grad_(True),))


@settings(max_examples=30)
@given(S=st.one_of(spd_matrices(3, batch_shape=(2,)),
                   spd_matrices(3, batch_shape=(2,)).map(lambda S: 1e-6 * S)),
       v=st.lists(st.floats(-1, 1), min_size=3,
                                                     max_size=3))
def test_spd_log_derivative_along_conjugations(S, v):
    """log(e^{tW} S e^{-tW}) = e^{tW} log(S) e^{-tW}: d log(S)[WS - SW] = W log S - log S W for
    skew W. A law on the off-diagonal divided differences; with spectra scaled by 1e-6 it fails
    when close eigenvalues are lumped by an absolute threshold (issue 32, defect 2)."""
    W = SO(3).hat(torch.tensor(v, dtype=torch.float64))
    L = la.spd_log(S)
    _, d = torch.func.jvp(la.spd_log, (S,), (W @ S - S @ W,))
    ref = W @ L - L @ W
    cond = torch.linalg.cond(S)[..., None, None]
    assert ((d - ref).abs() <= 1e-9 * cond * (1 + L.abs().amax((-2, -1), keepdim=True))).all()

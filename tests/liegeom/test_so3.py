"""SO(3) kernels: agreement with scipy's Rotation, accuracy near 0 and π in float32 and float64."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from liegeom import _so3
from liegeom._so3 import (
    matrix_to_quaternion,
    quaternion_to_matrix,
    so3_exp,
    so3_log,
    so3_membership_defects,
    so3_procrustes,
)
from liegeom.groups import SO
from liegeom.testing.strategies import rotations

G = SO(3)


@settings(max_examples=20)
@given(rotations(3, batch_shape=(8,)))
def test_exp_log_quaternion_match_scipy(R):
    w = G.vee(G.log(R))
    ref = torch.from_numpy(Rotation.from_matrix(R.numpy()).as_rotvec())
    # at angle π both ±axis are logarithms: compare up to that sign
    ang = w.norm(dim=-1)
    same = torch.where((ang > math.pi - 1e-6)[:, None], w.abs() - ref.abs(), w - ref)
    assert float(same.abs().max()) < 1e-9
    torch.testing.assert_close(G.exp(G.hat(ref)), R, rtol=0, atol=1e-12)
    q = matrix_to_quaternion(R)  # (w, x, y, z), w >= 0
    q_ref = torch.from_numpy(Rotation.from_matrix(R.numpy()).as_quat())  # (x, y, z, w)
    q_ref = torch.cat([q_ref[:, 3:], q_ref[:, :3]], -1)
    q_ref = q_ref * torch.where(q_ref[:, :1] < 0, -1.0, 1.0)
    flip = (q[:, :1].abs() < 1e-9) & ((q * q_ref).sum(-1, keepdim=True) < 0)
    torch.testing.assert_close(torch.where(flip, -q, q), q_ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(quaternion_to_matrix(q), R, rtol=0, atol=1e-12)


@pytest.mark.parametrize("angle", [0.0, 1e-12, 1e-6, 0.5, 2.9, math.pi - 1e-3, math.pi - 1e-6,
                                   math.pi])
def test_round_trip_accuracy_in_both_precisions(angle, dtype):
    gen = torch.Generator().manual_seed(0)
    axis = torch.randn(64, 3, generator=gen, dtype=torch.float64)
    w = angle * axis / axis.norm(dim=-1, keepdim=True)
    R = so3_exp(w.to(dtype))
    assert float((R.mT @ R - torch.eye(3, dtype=dtype)).abs().max()) < 8 * torch.finfo(dtype).eps
    back = so3_log(R).double()
    err = (back - w).abs().max() if angle < math.pi else (back.abs() - w.abs()).abs().max()
    # the rounding of R's entries (eps) moves the angle by at most about 2 eps
    assert float(err) < 10 * torch.finfo(dtype).eps * max(1.0, angle)


def test_float32_is_the_rounding_of_float64():
    """float32 exp and log are computed in float64 internally: each entry within one unit in
    the last place of the float64 result (the same formulas evaluated in float32 are off by up
    to four, as RoMa's and pypose's are: benchmarks/results/so3_vs_peers.md)."""
    gen = torch.Generator().manual_seed(2)
    v = torch.randn(4000, 3, generator=gen, dtype=torch.float64)
    v = (v / v.norm(dim=-1, keepdim=True) * math.pi * torch.rand(4000, 1, generator=gen,
                                                                 dtype=torch.float64)).float()
    ulp = torch.finfo(torch.float32).eps
    R64 = so3_exp(v.double())
    assert ((so3_exp(v).double() - R64).abs() <= ulp * R64.abs().clamp_min(0.5)).all()
    R = R64.float()
    w64 = so3_log(R.double())
    assert ((so3_log(R).double() - w64).abs() <= ulp * w64.abs().clamp_min(0.5)).all()


def test_log_jacobian_near_pi_in_float32():
    """Issue 32: the float32 Jacobian of log at π - 1e-6 was off by 1.9e-4. Against the float64
    Jacobian, itself checked by central differences of scipy's log (an independent route)."""
    axis = torch.tensor([0.48, -0.6, 0.64], dtype=torch.float64)
    w = (math.pi - 1e-6) * axis / axis.norm()
    R0 = so3_exp(w)
    ref = torch.autograd.functional.jacobian(so3_log, R0)
    h, fd = 1e-7, np.zeros((3, 3, 3))
    for i in range(3):
        for j in range(3):
            E = np.zeros((3, 3))
            E[i, j] = h
            # scipy projects its input onto SO(3) first: compare on tangent directions only
            fd[:, i, j] = (Rotation.from_matrix(R0.numpy() + E, assume_valid=True).as_rotvec()
                           - Rotation.from_matrix(R0.numpy() - E, assume_valid=True)
                           .as_rotvec()) / (2 * h)
    # contract both with tangent directions R0 hat(e_k): the derivative along SO(3)
    T = torch.stack([R0 @ G.hat(torch.eye(3, dtype=torch.float64)[k]) for k in range(3)])
    along = lambda J: torch.einsum("aij,kij->ak", J, T)
    assert float((along(ref) - along(torch.from_numpy(fd))).abs().max()) < 1e-6
    J32 = torch.autograd.functional.jacobian(so3_log, R0.float()).double()
    assert float((J32 - ref).abs().max()) < 1e-6


def test_haar_sampler_and_bad_input():
    R = G.random_point((4000,), generator=torch.Generator().manual_seed(3), dtype=torch.float32)
    assert R.dtype == torch.float32 and G.belongs(R).all()
    with pytest.raises(ValueError, match="shape"):
        G.hat(torch.zeros(4))
    with pytest.raises(ValueError, match="shape"):
        G.vee(torch.zeros(2, 2))


# --- nearest rotation (Horn's quaternion route) against the SVD route --------------------------


def _svd_nearest(M):
    """Independent route: ``U diag(1, 1, det(U V^T)) V^T`` from numpy's SVD (float64)."""
    U, _, Vt = np.linalg.svd(M.double().numpy())
    d = np.sign(np.linalg.det(U @ Vt))
    U[..., :, -1] *= d[..., None]
    return torch.from_numpy(U @ Vt)


def _with_singular_values(s, gen, n):
    """``R1 diag(s) R2`` for Haar rotations ``R1, R2`` (float64), shape=[n, 3, 3]."""
    R1, R2 = (G.random_point((n,), generator=gen) for _ in range(2))
    return R1 @ torch.diag_embed(s) @ R2


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_procrustes_matches_svd_route(sign, dtype):
    gen = torch.Generator().manual_seed(5)
    # singular values in [0.1, 3], the last one carrying the sign of det M; the gap of Horn's
    # matrix, 2 (s_2 + sign s_3), is at least 2 * 0.1 once s_2 >= 2 s_3 for sign < 0
    s = 0.1 + 2.9 * torch.rand(2000, 3, generator=gen, dtype=torch.float64)
    s = s.sort(-1, descending=True).values
    if sign < 0:
        s[:, 2] = -torch.minimum(s[:, 2], s[:, 1] / 2)
    M = _with_singular_values(s, gen, 2000).to(dtype)
    ref = _svd_nearest(M)
    P = so3_procrustes(M)
    assert P.dtype == dtype
    # float64 reference of the rounded input: the result is as accurate as the input allows
    # (conditioning |M| / gap <= 3 / 0.1 here)
    eps = torch.finfo(dtype).eps
    assert float((P.double() - ref).abs().max()) < 30 * 10 * eps
    assert float((P.mT @ P - torch.eye(3, dtype=dtype)).abs().max()) < 8 * eps
    assert bool((torch.linalg.det(P.double()) > 0).all())


def test_procrustes_is_nearest_on_gaussian_matrices():
    """Gaussian M (any gap): never farther than the SVD route's answer, beyond rounding."""
    M = torch.randn(20000, 3, 3, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    P = so3_procrustes(M)
    d, d_ref = ((M - X).flatten(-2).norm(dim=-1) for X in (P, _svd_nearest(M)))
    assert float((d - d_ref).max()) < 1e-12
    assert G.belongs(P).all()


@pytest.mark.parametrize("angle", [0.0, 1e-7, 1.0, math.pi - 1e-6, math.pi])
def test_procrustes_fixes_rotations(angle, dtype):
    axis = torch.randn(64, 3, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    R = so3_exp(angle * axis / axis.norm(dim=-1, keepdim=True)).to(dtype)
    # the rounded R is itself off SO(3) by its orthogonality defect; beyond that, 2 eps of
    # rounding (the SVD route moves these R by up to 4 eps)
    eps = torch.finfo(dtype).eps
    bound = float((R.mT @ R - torch.eye(3, dtype=dtype)).abs().max()) + 2 * eps
    assert float((so3_procrustes(R) - R).abs().max()) <= bound
    # and so do positive multiples
    assert float((so3_procrustes(7.5 * R) - R).abs().max()) <= bound


def test_procrustes_reflection_cases_and_shapes():
    # det M < 0: the sign goes onto the smallest singular value (the one direction that flips)
    M = torch.diag(torch.tensor([-2.0, 3.0, 0.5], dtype=torch.float64))
    torch.testing.assert_close(so3_procrustes(M), torch.diag(torch.tensor([-1.0, 1.0, -1.0],
                                                                          dtype=torch.float64)))
    gen = torch.Generator().manual_seed(8)
    R1, R2 = G.random_point((2,), generator=gen)
    Ml = R1 @ torch.diag(torch.tensor([3.0, 2.0, -0.25], dtype=torch.float64)) @ R2
    torch.testing.assert_close(so3_procrustes(Ml), R1 @ R2, rtol=0, atol=1e-13)
    assert so3_procrustes(torch.randn(2, 5, 3, 3, generator=gen)).shape == (2, 5, 3, 3)
    assert G.belongs(so3_procrustes(torch.zeros(3, 3))).all()  # M = 0: any rotation
    with pytest.raises(ValueError, match="shape"):
        so3_procrustes(torch.zeros(4, 3))


def test_procrustes_derivative_matches_finite_differences_and_svd_route():
    gen = torch.Generator().manual_seed(9)
    M = _with_singular_values(torch.tensor([[2.0, 1.0, -0.5], [1.5, 1.2, 0.3]],
                                           dtype=torch.float64), gen, 2).requires_grad_()
    assert torch.autograd.gradcheck(so3_procrustes, (M,))
    J = torch.autograd.functional.jacobian(so3_procrustes, M.detach())

    def svd_route(M):  # U diag(1, 1, det U V^T) V^T, an independent route
        U, _, Vh = torch.linalg.svd(M)
        d = torch.linalg.det(U @ Vh)
        D = torch.diag_embed(torch.stack([torch.ones_like(d), torch.ones_like(d), d], -1))
        return U @ D @ Vh

    J_svd = torch.autograd.functional.jacobian(svd_route, M.detach())
    torch.testing.assert_close(J, J_svd, rtol=0, atol=1e-10)
    torch.testing.assert_close(G.projection(M.detach()), svd_route(M.detach()), rtol=0, atol=1e-13)


def _mp_nearest(M):
    """Nearest rotation of one float64 3x3 matrix and its relative gap ``2 (s_2 + s_3') / s_1``
    (``s'``: singular values, the sign of ``det M`` on the smallest), from mpmath's SVD at 40
    digits: an independent route, exact for the rounded input."""
    with mpmath.workdps(40):
        U, S, V = mpmath.svd_r(mpmath.matrix(M.tolist()))
        d = mpmath.sign(mpmath.det(U * V))
        R = U * mpmath.diag([1, 1, d]) * V
        R = torch.tensor([[float(R[i, j]) for j in range(3)] for i in range(3)],
                         dtype=torch.float64)
        gap = 2 * (S[1] + d * S[2]) / S[0] if S[0] else 0.0
        return R, float(gap), float(S[0] + S[1] + d * S[2])


@st.composite
def _hard_matrices(draw):
    """``c R1 diag(s) R2`` with the top eigenvalues of Horn's matrix clustered to a relative gap
    down to 1e-10 (near a multiple of a reflection: two or three of them; near rank one), or
    generic, at scales ``c`` from 1e-150 to 1e150."""
    R1, R2 = draw(rotations(3, batch_shape=(2,), max_angle=math.pi)).unbind(0)
    delta = 10.0 ** draw(st.floats(-10, 0))
    u = draw(st.floats(0, 1))
    s = {"reflection, pair": (1 + u, 1, -(1 - delta)),
         "reflection, triple": (1 + u * delta, 1, -(1 - delta)),
         "rank one": (1, delta, -u * delta),
         "generic": (2 + u, 1 + u, draw(st.floats(-1, 1)))}[draw(st.sampled_from(
             ["reflection, pair", "reflection, triple", "rank one", "generic"]))]
    scale = 10.0 ** draw(st.floats(-150, 150))
    return scale * (R1 @ torch.diag(torch.tensor(s, dtype=torch.float64)) @ R2)


@settings(max_examples=80)
@given(_hard_matrices())
def test_procrustes_on_hard_draws_matches_a_40_digit_svd_route(M):
    """Error at most 64 eps |M| / gap (the float64 eigh of Horn's matrix, the previous kernel,
    reaches 15 eps / gap on such draws, this kernel 25), and never a worse fit than the nearest
    rotation beyond rounding, also where it is not unique (gap 0)."""
    M0 = M.clone()
    R = so3_procrustes(M)
    assert torch.equal(M, M0)  # the kernel scales a copy in place, never the input
    ref, gap, best = _mp_nearest(M)
    eps = torch.finfo(torch.float64).eps
    assert float((R - ref).abs().max()) <= 64 * eps / max(gap, 1e-300) + 4 * eps
    s1 = float(torch.linalg.matrix_norm(M, ord=2))
    assert abs(float((R * M).sum()) - best) <= 16 * eps * s1
    assert G.belongs(R).all()


@pytest.mark.parametrize("M", [torch.zeros(3, 3), torch.diag(torch.tensor([2.0, 1.0, -1.0])),
                               torch.diag(torch.tensor([1.0, 1.0, -1.0])),
                               torch.outer(torch.tensor([1.0, 2.0, 0.0]),
                                           torch.tensor([0.0, 1.0, -1.0]))],
                         ids=["zero", "s2 + s3' = 0", "reflection", "rank one"])
def test_procrustes_where_not_unique_is_a_rotation_with_finite_derivatives(M):
    """The gap is 0: any maximizer is an answer; the output is one (no NaN), and so is the
    derivative (unbounded near there, but not NaN at the point)."""
    M = M.double().requires_grad_()
    R = so3_procrustes(M)
    assert G.belongs(R.detach()).all()
    _, _, best = _mp_nearest(M.detach())
    assert abs(float((R * M).sum()) - best) <= 1e-14
    (grad,) = torch.autograd.grad((R * torch.arange(9.0).reshape(3, 3)).sum(), M)
    assert bool(torch.isfinite(grad).all())


def test_procrustes_second_derivatives_match_svd_route_and_vmap_applies():
    """The Rayleigh step's error is cubic in its start's, so its first and second derivatives at
    the (not differentiated) Jacobi start are those of the exact answer: the Hessian of an
    output entry matches autograd through the SVD route, gradgradcheck passes, and
    ``torch.func`` (vmap of jacrev) gives the batched Jacobian."""
    gen = torch.Generator().manual_seed(11)
    M = _with_singular_values(torch.tensor([[2.0, 1.0, -0.5], [1.5, 1.2, 0.3], [3.0, 0.2, 0.1]],
                                           dtype=torch.float64), gen, 3)

    def svd_route(M):
        U, _, Vh = torch.linalg.svd(M)
        d = torch.linalg.det(U @ Vh)
        D = torch.diag_embed(torch.stack([torch.ones_like(d), torch.ones_like(d), d], -1))
        return U @ D @ Vh

    W = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    for m in M:
        H = torch.autograd.functional.hessian(lambda X: (so3_procrustes(X) * W).sum(), m)
        H_svd = torch.autograd.functional.hessian(lambda X: (svd_route(X) * W).sum(), m)
        torch.testing.assert_close(H, H_svd, rtol=0, atol=1e-9)
    assert torch.autograd.gradgradcheck(so3_procrustes, (M[:1].clone().requires_grad_(),))
    J = torch.func.vmap(torch.func.jacrev(so3_procrustes))(M)
    J_ref = torch.stack([torch.autograd.functional.jacobian(so3_procrustes, m) for m in M])
    torch.testing.assert_close(J, J_ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(torch.func.vmap(so3_procrustes)(M), so3_procrustes(M),
                               rtol=0, atol=0)


def test_procrustes_takes_the_rayleigh_step_where_jacobi_has_not_converged(monkeypatch):
    """The output is Jacobi's eigenvector where its residual is rounding, the Rayleigh step's
    otherwise. Five sweeps leave a residual above rounding on about one draw in 10^5; with
    four (forced here) many draws need the step, and the error stays at rounding."""
    monkeypatch.setattr(_so3, "_JACOBI_SWEEPS", 4)
    M = torch.randn(4000, 3, 3, generator=torch.Generator().manual_seed(13), dtype=torch.float64)
    s = torch.linalg.svdvals(M)
    gap = 2 * (s[:, 1] + torch.sign(torch.linalg.det(M)) * s[:, 2]) / s[:, 0]
    err = (so3_procrustes(M) - _svd_nearest(M)).abs().flatten(-2).amax(-1)
    assert float((err * gap).max()) <= 200 * torch.finfo(torch.float64).eps


@pytest.mark.slow
def test_procrustes_compiles_without_graph_breaks():
    M = torch.randn(16, 3, 3, generator=torch.Generator().manual_seed(12), dtype=torch.float64)
    compiled = torch.compile(so3_procrustes, fullgraph=True)
    torch.testing.assert_close(compiled(M), so3_procrustes(M), rtol=0, atol=1e-15)


# --- membership defects, elementwise ------------------------------------------------------------


def test_membership_defects_match_matmul_and_lu(dtype):
    gen = torch.Generator().manual_seed(10)
    R = G.random_point((500,), generator=gen, dtype=dtype)
    flip = torch.diag(torch.tensor([1.0, 1.0, -1.0], dtype=dtype))
    M = torch.cat([R, R @ flip, R + 1e-3 * torch.randn(500, 3, 3, generator=gen, dtype=dtype),
                   torch.randn(500, 3, 3, generator=gen, dtype=dtype)]).reshape(4, 500, 3, 3)
    err, det = so3_membership_defects(M)
    assert err.shape == det.shape == (4, 500)
    ref_err = (M.mT @ M - torch.eye(3, dtype=dtype)).abs().flatten(-2).amax(-1)
    eps = torch.finfo(dtype).eps
    scale = M.flatten(-2).abs().amax(-1) ** 2
    assert bool(((err - ref_err).abs() <= 8 * eps * scale).all())
    assert bool(((det - torch.linalg.det(M)).abs() <= 16 * eps * scale ** 1.5).all())
    assert bool((err[:2] < 8 * eps).all()) and bool((err[2:] > 1e-4).all())
    assert bool((det[0] > 0).all()) and bool((det[1] < 0).all())
    with pytest.raises(ValueError, match="shape"):
        so3_membership_defects(torch.zeros(2, 2))

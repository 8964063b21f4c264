"""SO(3) kernels: agreement with scipy's Rotation, accuracy near 0 and π in float32 and float64."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from scipy.spatial.transform import Rotation

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

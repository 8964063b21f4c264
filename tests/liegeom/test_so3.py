"""SO(3) kernels: agreement with scipy's Rotation, accuracy near 0 and π in float32 and float64."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from scipy.spatial.transform import Rotation

from liegeom._so3 import matrix_to_quaternion, quaternion_to_matrix, so3_exp, so3_log
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

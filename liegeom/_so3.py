r"""SO(3) kernels: exponential, logarithm, quaternion maps, membership defects, elementwise on the
batch, and the nearest rotation.

Every kernel but the nearest rotation reads the nine entries of its input as ``[N]`` columns and
writes the output with a handful of fused elementwise operations (no batched 3x3 products, no
gathers over matrices), which is what makes them as fast as the dedicated rotation libraries on
the CPU; the nearest rotation needs one batched symmetric 4x4 eigendecomposition. They are
branch-free (``torch.where`` with guarded inputs: the double-where pattern), so their first
derivatives are finite everywhere and ``torch.func.vmap`` and ``torch.compile`` apply.

Logarithm. The rotation is turned into a quaternion by Shepperd's rule: with ``t = tr R`` the
symmetric 4x4 matrix ``M = 4 q q^T`` has the entries

.. math::

    M = \begin{pmatrix} 1 + t & R_{21} - R_{12} & R_{02} - R_{20} & R_{10} - R_{01} \\
        \cdot & 1 + 2R_{00} - t & R_{01} + R_{10} & R_{02} + R_{20} \\
        \cdot & \cdot & 1 + 2R_{11} - t & R_{12} + R_{21} \\
        \cdot & \cdot & \cdot & 1 + 2R_{22} - t \end{pmatrix},

each of whose rows is ``4 q_k q``; the row with the largest diagonal entry is the best
conditioned multiple of ``q`` and needs no square root or normalization, because
:math:`ω = 2\,\mathrm{atan2}(|v|, |w|)\, \mathrm{sign}(w)\, v / |v|` only sees the direction of
``q = (w, v)``. Near angle π this reads the axis off the symmetric part (well conditioned on
SO(3)), near 0 off the skew part, with no switch between formulas of different accuracy.
"""

from __future__ import annotations

import torch

from ._checks import check_shape

__all__ = ["so3_exp", "so3_exp_skew", "so3_log", "so3_log_hat", "so3_procrustes",
           "so3_membership_defects", "quaternion_to_matrix", "matrix_to_quaternion"]


def _entries(R: torch.Tensor) -> list[torch.Tensor]:
    return list(R.reshape(*R.shape[:-2], 9).unbind(-1))


def _assemble(e: list[torch.Tensor]) -> torch.Tensor:
    out = torch.stack(e, -1)
    return out.reshape(*out.shape[:-1], 3, 3)


def _shepperd(e: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
    """The row of ``M = 4 q q^T`` with the largest diagonal entry, from the nine entries of
    rotations: a positive multiple of ``q`` (up to the sign of ``q``), four ``[N]`` columns. The
    diagonal entry ``k`` is the largest exactly where ``(tr R, R_00, R_11, R_22)[k]`` is; the
    choice is made on detached values and applied with ``torch.where``."""
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = e
    t = r00 + r11 + r22
    with torch.no_grad():
        m = torch.maximum(r11, r22)
        k0, k1, k2 = t >= torch.maximum(r00, m), r00 >= m, r11 >= r22
    d0, d1, d2, d3 = 1 + t, 1 + 2 * r00 - t, 1 + 2 * r11 - t, 1 + 2 * r22 - t
    a, b, c = r21 - r12, r02 - r20, r10 - r01
    d, f, g = r01 + r10, r02 + r20, r12 + r21

    def pick(c0, c1, c2, c3):
        return torch.where(k0, c0, torch.where(k1, c1, torch.where(k2, c2, c3)))

    return pick(d0, a, b, c), pick(a, d1, d, f), pick(b, d, d2, g), pick(c, f, g, d3)


def _exp_entries(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> list[torch.Tensor]:
    """The nine entries of ``exp(hat(x, y, z))`` (see :func:`so3_exp`)."""
    t2 = torch.addcmul(torch.addcmul(x * x, y, y), z, z)
    # θ² = |w|² + ε²: invisible in a = sin θ / θ = 1 - θ²/6 + ... and b (errors ε²/6), the
    # derivatives of a and b in w are those of the exact functions of |w|², and 1/θ stays
    # below 1/ε: no branch, and a finite derivative at w = 0
    th = (t2 + torch.finfo(t2.dtype).eps ** 2).sqrt()
    h = 0.5 * th
    r = torch.sin(h) / th
    a = 2 * r * torch.cos(h)
    b = 2 * r * r
    bx, by, bz = b * x, b * y, b * z
    ax, ay, az = a * x, a * y, a * z
    cos = 1 - b * t2
    bxy, bxz, byz = bx * y, bx * z, by * z
    return [torch.addcmul(cos, bx, x), bxy - az, bxz + ay,
            bxy + az, torch.addcmul(cos, by, y), byz - ax,
            bxz - ay, byz + ax, torch.addcmul(cos, bz, z)]


def _hat_entries(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> list[torch.Tensor]:
    o = torch.zeros_like(x)
    return [o, -z, y, z, o, -x, -y, x, o]


def _skew_coords(e: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
    """``vee(skew(X))`` of 3x3 matrices from their nine entries, three columns."""
    return 0.5 * (e[7] - e[5]), 0.5 * (e[2] - e[6]), 0.5 * (e[3] - e[1])


def so3_exp(w: torch.Tensor) -> torch.Tensor:
    r"""Rotation matrices ``exp(hat(w))`` of rotation vectors, shape=[..., 3] -> [..., 3, 3].

    Rodrigues in half-angle form, :math:`R = I + a\,\hat w + b\,\hat w^2` with
    :math:`a = \sin θ / θ` and :math:`b = 2 \sin^2(θ/2) / θ^2` (no cancellation in
    :math:`1 - \cos θ`), evaluated at :math:`θ^2 = |w|^2 + ε^2`: the shift is below rounding
    in ``a`` and ``b``, keeps ``1/θ`` finite, and leaves their derivatives in ``w`` exact, so
    one formula serves every angle, 0 included. Computed in float64 whatever the input
    precision (float32 results are the rounding of the float64 ones: within about one unit in
    the last place, against four for the same formula in float32).
    """
    return _assemble(_exp_entries(*w.double().unbind(-1))).to(w.dtype)


def so3_exp_skew(X: torch.Tensor) -> torch.Tensor:
    """``exp`` of the skew part of 3x3 matrices, shape=[..., 3, 3] -> [..., 3, 3] (the
    ``SO(3).exp`` kernel: reads the three coordinates off the entries, no intermediate vector)."""
    # the three coordinates in the input precision (exact for skew X), then float64
    return _assemble(_exp_entries(*(c.double() for c in _skew_coords(_entries(X))))).to(X.dtype)


def _log_coords(R: torch.Tensor) -> tuple[torch.Tensor, ...]:
    qw, vx, vy, vz = _shepperd(_entries(R))
    aw = qw.abs()
    n2 = torch.addcmul(torch.addcmul(vx * vx, vy, vy), vz, vz)
    # ω = 2 atan2(|v|, |w|) / |v| · sign(w) v; as |v|/|w| -> 0: (2/|w|)(1 - |v|²/(3 w²))
    small = n2 < torch.finfo(R.dtype).eps * aw * aw
    n = torch.where(small, 1.0, n2).sqrt()
    awsafe = torch.where(small, aw, 1.0)
    f = torch.where(small, 2 / awsafe * (1 - n2 / (3 * awsafe * awsafe)),
                    2 * torch.atan2(n, aw) / n)
    f = torch.where(qw < 0, -f, f)
    return f * vx, f * vy, f * vz


def so3_log(R: torch.Tensor) -> torch.Tensor:
    """Rotation vectors (principal logarithm) of rotations, shape=[..., 3, 3] -> [..., 3].

    Angle in ``[0, π]``; at exactly π the sign of the axis is that of the quaternion row
    chosen (either is a logarithm). See the module docstring. Computed in float64 whatever the
    input precision, as :func:`so3_exp`.
    """
    return torch.stack(_log_coords(R.double()), -1).to(R.dtype)


def so3_log_hat(R: torch.Tensor) -> torch.Tensor:
    """``hat(so3_log(R))``, shape=[..., 3, 3] -> [..., 3, 3] (the ``SO(3).log`` kernel)."""
    return _assemble(_hat_entries(*_log_coords(R.double()))).to(R.dtype)


def so3_procrustes(M: torch.Tensor) -> torch.Tensor:
    r"""Nearest rotations in the Frobenius norm, ``argmin_{R in SO(3)} |M - R|_F``, shape=[..., 3,
    3] -> [..., 3, 3] (see the module docstring).

    ``K`` and its top eigenvector (``torch.linalg.eigh``, backward stable) are computed in
    float64 whatever the input precision: the eigenvector's error is about ``ε |M| / gap``, the
    gap between the two largest eigenvalues of ``K`` (``2 (s_2 + s_3')``, with ``s'`` the
    singular values with the sign of ``det M`` on the smallest), so float32 input loses nothing
    beyond its own rounding. The quaternion is normalized again in :func:`quaternion_to_matrix`.
    Where the nearest rotation is not unique (the gap is 0: e.g. ``M = 0``, or
    ``s_2 + s_3' = 0``) one of them is returned, and the derivative is unbounded near there, as
    for the SVD route.

    Examples
    --------
    >>> M = torch.diag(torch.tensor([-2.0, 3.0, 0.5], dtype=torch.float64))
    >>> so3_procrustes(M)  # det M < 0: the sign stays on the smallest singular value
    tensor([[-1.,  0.,  0.],
            [ 0.,  1.,  0.],
            [ 0.,  0., -1.]], dtype=torch.float64)
    """
    check_shape(M, ["...", 3, 3], "matrix to project onto SO(3)")
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = _entries(M.double())
    a, b, c, d = m21 - m12, m02 - m20, m10 - m01, m01 + m10
    e, f = m02 + m20, m12 + m21
    K = torch.stack([m00 + m11 + m22, a, b, c,
                     a, m00 - m11 - m22, d, e,
                     b, d, m11 - m00 - m22, f,
                     c, e, f, m22 - m00 - m11], -1)
    K = K.reshape(*K.shape[:-1], 4, 4)
    q = torch.linalg.eigh(K)[1][..., -1]
    return quaternion_to_matrix(q).to(M.dtype)


def so3_membership_defects(R: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(max |R^T R - I|, det R)`` of 3x3 matrices, shape=[..., 3, 3] -> ([...], [...]).

    The six distinct entries of the symmetric ``R^T R - I`` and the triple product of the rows
    for ``det R``, elementwise on the batch (no batched matmul, no LU):
    the two membership conditions of SO(3) for the cost of a few dozen elementwise operations.
    Computed on the detached input.

    Examples
    --------
    >>> err, det = so3_membership_defects(torch.diag(torch.tensor([1.0, 1.0, -1.0])))
    >>> float(err), float(det)
    (0.0, -1.0)
    """
    check_shape(R, ["...", 3, 3], "matrix to test for SO(3)")
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = _entries(R.detach())
    gram = [torch.addcmul(torch.addcmul(r00 * r00, r10, r10), r20, r20) - 1,
            torch.addcmul(torch.addcmul(r01 * r01, r11, r11), r21, r21) - 1,
            torch.addcmul(torch.addcmul(r02 * r02, r12, r12), r22, r22) - 1,
            torch.addcmul(torch.addcmul(r00 * r01, r10, r11), r20, r21),
            torch.addcmul(torch.addcmul(r00 * r02, r10, r12), r20, r22),
            torch.addcmul(torch.addcmul(r01 * r02, r11, r12), r21, r22)]
    err = gram[0].abs()
    for e in gram[1:]:
        err = torch.maximum(err, e.abs())
    det = ((r01 * r12 - r02 * r11) * r20 + (r02 * r10 - r00 * r12) * r21
           + (r00 * r11 - r01 * r10) * r22)
    return err, det


def quaternion_to_matrix(q: torch.Tensor, *, unit: bool = False) -> torch.Tensor:
    r"""Rotation matrices of quaternions ``q = (w, x, y, z)`` (any non-zero norm: the map is
    :math:`q \mapsto ((w^2 - |v|^2) I + 2 v v^T + 2 w \hat v) / |q|^2`; ``unit=True`` skips the
    division for quaternions known to be unit), shape=[..., 4] -> [..., 3, 3]."""
    return _assemble(_quaternion_entries(*q.unbind(-1), unit=unit))


def _quaternion_entries(w, x, y, z, *, unit: bool = False) -> list[torch.Tensor]:
    s = 2.0 if unit else 2 / torch.addcmul(torch.addcmul(torch.addcmul(w * w, x, x), y, y), z, z)
    xs, ys, zs = x * s, y * s, z * s
    wx, wy, wz = w * xs, w * ys, w * zs
    xx, xy, xz = x * xs, x * ys, x * zs
    yy, yz, zz = y * ys, y * zs, z * zs
    return [1 - (yy + zz), xy - wz, xz + wy,
            xy + wz, 1 - (xx + zz), yz - wx,
            xz - wy, yz + wx, 1 - (xx + yy)]


def matrix_to_quaternion(R: torch.Tensor) -> torch.Tensor:
    """Unit quaternions ``(w, x, y, z)`` with ``w >= 0`` of rotations, shape=[..., 3, 3] ->
    [..., 4] (Shepperd's rule, as in :func:`so3_log`)."""
    q = torch.stack(_shepperd(_entries(R)), -1)
    q = q / q.norm(dim=-1, keepdim=True)
    return q * torch.where(q[..., :1] < 0, -1.0, 1.0).to(R.dtype)

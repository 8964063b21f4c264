r"""SO(3) kernels: exponential, logarithm, quaternion maps, membership defects, elementwise on the
batch, and the nearest rotation.

Every kernel but the nearest rotation reads the nine entries of its input as ``[N]`` columns and
writes the output with a handful of fused elementwise operations (no batched 3x3 products, no
gathers over matrices), which is what makes them faster than the dedicated rotation libraries on
the CPU (``benchmarks/so3_vs_peers.py``); the nearest rotation works on Horn's symmetric 4x4
matrix (cyclic Jacobi). exp and log compute in float64 whatever the input precision. They are
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


# --- nearest rotation: Horn's 4x4 matrix, cyclic Jacobi, one Rayleigh-quotient step -----------

#: Index pairs ``(p, q)`` of one cyclic Jacobi sweep on a 4x4 matrix, with the two other indices.
_SWEEP = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2), (1, 2, 0, 3), (1, 3, 0, 2), (2, 3, 0, 1))
#: Sweeps: on 10^6 draws each of Gaussian, uniform, symmetric, rank-1, rank-2 and integer
#: matrices the largest off-diagonal entry after five is 4e-12 |K| (after four 1e-3, after six
#: 2e-17); the Rayleigh step after them takes the eigenvector to rounding.
_JACOBI_SWEEPS = 5
#: Keeps the rotation angle 0 where the entry to zero and the diagonal difference both are
#: (added to their squares; the matrix is scaled to entries of order 1).
_TINY = 1e-300
#: A multiple of the start vector added to the Rayleigh step's output: keeps it non-zero (a
#: defined rotation, finite derivatives) where the top eigenvalue is repeated; far below the
#: rounding of any non-degenerate output (Horn's matrix is scaled to entries of order 1).
_ETA = 1e-40
#: Squared residual ``|K q - ρ q|^2`` of a Jacobi eigenvector taken as converged (32 ε; after
#: convergence it is below 7e-15 on 10^5 draws of every kind tested, the matrix scaled to
#: entries of order 1).
_CONVERGED = (32 * 2.0 ** -52) ** 2


def _horn(e: list[torch.Tensor]) -> list[list[torch.Tensor]]:
    """Horn's symmetric traceless 4x4 matrix of 3x3 matrices from their nine entries, as rows of
    columns (a symmetric pair of entries is one tensor). Its eigenvalues are
    ``s_1 + s_2 + s_3', s_1 - s_2 - s_3', s_2 - s_1 - s_3', s_3' - s_1 - s_2`` (``s'``: the
    singular values with the sign of ``det M`` on the smallest), and the unit eigenvector
    ``q`` of the largest is the quaternion of the nearest rotation."""
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = e
    a, b, c = m21 - m12, m02 - m20, m10 - m01
    d, f, g = m01 + m10, m02 + m20, m12 + m21
    return [[m00 + m11 + m22, a, b, c], [a, m00 - m11 - m22, d, f],
            [b, d, m11 - m00 - m22, g], [c, f, g, m22 - m00 - m11]]


def _rotate_pair(A, i, p, q, c, s):
    """Entries ``(i, p), (i, q)`` of ``A J`` for the Jacobi rotation ``J`` in the plane ``(p,
    q)``: ``(c x - s y, s x + c y)`` (``None``: an entry known to be zero). In place, with
    binary operations only (they have ``vmap`` batching rules; ``addcmul_`` has none)."""
    x, y = A[i][p], A[i][q]
    if x is None:
        x = (y * s).neg_()
        y.mul_(c)
    elif y is None:
        y = x * s
        x.mul_(c)
    else:
        sx, sy = s * x, s * y
        x.mul_(c).sub_(sy)
        y.mul_(c).add_(sx)
    A[i][p] = A[p][i] = x
    A[i][q] = A[q][i] = y


def _jacobi_top(K: list[list[torch.Tensor]]) -> list[torch.Tensor]:
    """A unit eigenvector of the largest eigenvalue of symmetric 4x4 matrices given as rows of
    columns (overwritten; no autograd), by cyclic Jacobi: four ``[N]`` columns.

    Each rotation zeroes ``A_pq`` with the smaller of the two angles that do (``|t| <= 1``);
    the rotations are kept and applied, last first, to the unit vector of the largest diagonal
    entry: the top column of their product, without forming it."""
    A = [row[:] for row in K]
    rotations = []
    for _ in range(_JACOBI_SWEEPS):
        for p, q, i, j in _SWEEP:
            apq = A[p][q]
            if apq is None:
                apq = torch.zeros_like(A[p][p])
            d = A[q][q] - A[p][p]
            # t = 2 a_pq / (d + sign(d) sqrt(d^2 + 4 a_pq^2)), the tangent of the smaller angle;
            # sqrt(x) as x / sqrt(x) (rsqrt is twice as fast as sqrt here)
            x = (d * d).add_(apq * apq, alpha=4).add_(_TINY)
            t = x.rsqrt().mul_(x).copysign_(d).add_(d)
            t.reciprocal_().mul_(apq).mul_(2)
            c = (t * t).add_(1).rsqrt_()
            ta = apq.mul_(t)  # a_pq is zero from here on
            A[p][p].sub_(ta)
            A[q][q].add_(ta)
            s = t.mul_(c)
            A[p][q] = A[q][p] = None
            _rotate_pair(A, i, p, q, c, s)
            _rotate_pair(A, j, p, q, c, s)
            rotations.append((p, q, c, s))
    d = [A[k][k] for k in range(4)]
    top = torch.maximum(torch.maximum(d[0], d[1]), torch.maximum(d[2], d[3]))
    v, rest = [], torch.ones_like(top)
    for k in range(3):  # one-hot of the first largest diagonal entry, as float masks
        v.append((d[k] == top).to(top.dtype).mul_(rest))
        rest = rest - v[-1]
    v.append(rest)
    for p, q, c, s in reversed(rotations):  # v <- J v
        sp, sq = s * v[p], s * v[q]
        v[p].mul_(c).add_(sq)
        v[q].mul_(c).sub_(sp)
    return v


def _dot(*terms) -> torch.Tensor:
    """``sum(sign * x * y)`` over ``(sign, x, y)`` triples, by out-of-place ``addcmul`` (which,
    unlike ``addcmul_``, has a ``vmap`` batching rule)."""
    (s0, x0, y0), *rest = terms
    out = x0 * y0 if s0 > 0 else -(x0 * y0)
    for sign, x, y in rest:
        out = torch.addcmul(out, x, y, value=sign)
    return out


def _quaternion_product(a, b):
    """Hamilton product ``a b`` of quaternions given as four columns ``(w, x, y, z)``
    (``R(a b) = R(a) R(b)``)."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return [_dot((1, aw, bw), (-1, ax, bx), (-1, ay, by), (-1, az, bz)),
            _dot((1, aw, bx), (1, ax, bw), (1, ay, bz), (-1, az, by)),
            _dot((1, aw, by), (-1, ax, bz), (1, ay, bw), (1, az, bx)),
            _dot((1, aw, bz), (1, ax, by), (-1, ay, bx), (1, az, bw))]


def _rayleigh_step(e: list[torch.Tensor], q: list[torch.Tensor]) -> list[torch.Tensor]:
    """One Rayleigh-quotient iteration ``-adj(K - ρ I) q`` for Horn's matrix ``K`` of the
    matrices with entries ``e``, from an approximate top eigenvector ``q`` (unit, not
    differentiated), as a quaternion (not normalized).

    Computed in the frame of ``R(q)``: there Horn's matrix ``K'`` is that of ``R(q)^T M``,
    ``q`` is ``e_0``, ``ρ`` is ``K'_00``, and the step is the first column of ``adj(K' - ρ I)``
    (four 3x3 cofactors), mapped back by the product with ``q``. In this frame the residual
    ``K'_{i0}`` is small and the cofactors do not carry the rounding of the large entries of
    ``K`` (in the original frame the step loses accuracy where the top eigenvalues cluster)."""
    r = _quaternion_entries(*q, unit=True)
    f = [_dot((1, r[i], e[j]), (1, r[3 + i], e[3 + j]), (1, r[6 + i], e[6 + j]))
         for i in range(3) for j in range(3)]
    (k00, b10, b20, b30), (_, k11, b21, b31), (_, _, k22, b32), (_, _, _, k33) = _horn(f)
    b11, b22, b33 = k11 - k00, k22 - k00, k33 - k00
    c5 = _dot((1, b22, b33), (-1, b32, b32))
    c4 = _dot((1, b21, b33), (-1, b31, b32))
    c3 = _dot((1, b21, b32), (-1, b31, b22))
    c2 = _dot((1, b20, b33), (-1, b30, b32))
    c1 = _dot((1, b20, b32), (-1, b30, b22))
    c0 = _dot((1, b20, b31), (-1, b30, b21))
    v = [_dot((1, b21, c4), (-1, b11, c5), (-1, b31, c3)) + _ETA,
         _dot((1, b10, c5), (-1, b21, c2), (1, b31, c1)),
         _dot((1, b11, c2), (-1, b10, c4), (-1, b31, c0)),
         _dot((1, b10, c3), (-1, b11, c1), (1, b21, c0))]
    with torch.no_grad():
        residual = _dot((1, b10, b10), (1, b20, b20), (1, b30, b30))
    return v, residual


def so3_procrustes(M: torch.Tensor) -> torch.Tensor:
    r"""Nearest rotations in the Frobenius norm, ``argmin_{R in SO(3)} |M - R|_F``, shape=[..., 3,
    3] -> [..., 3, 3].

    The quaternion of the nearest rotation is the top eigenvector of Horn's symmetric traceless
    4x4 matrix ``K`` of ``M``; its eigenvalues are ``s_1 + s_2 + s_3'`` (the largest) and three
    others, the gap to the second being ``2 (s_2 + s_3')`` (``s'``: the singular values with
    the sign of ``det M`` on the smallest). Computed in float64 whatever the input precision,
    elementwise on the batch: no batched LAPACK call and no data-dependent branch, so
    ``torch.func.vmap`` and ``torch.compile`` (without graph breaks) apply.

    Method:

    1. ``M`` is divided by its largest entry (not differentiated: the answer does not depend on
       the scale), so huge, tiny and zero ``M`` are safe;
    2. five cyclic Jacobi sweeps on ``K`` (not differentiated) give a top eigenvector ``q_0``;
    3. one Rayleigh-quotient step ``q_1 = -adj(K - ρ I) q_0``, ``ρ = q_0^T K q_0``, computed in
       the frame of ``R(q_0)`` (Horn's matrix of ``R(q_0)^T M``, where ``q_0`` is ``e_0``: four
       3x3 cofactors). Its error is the cube of ``q_0``'s, so its first and second derivatives
       at the fixed ``q_0`` are those of the exact eigenvector (implicit differentiation with no
       solve); they are the derivatives returned;
    4. the value is ``q_0`` where its residual ``|K q_0 - ρ q_0|`` is rounding (Jacobi is
       backward stable), ``q_1`` otherwise (Jacobi not converged: about one draw in 10^5).

    Accuracy: against a 40-digit SVD route the error is at most about ``25 ε |M| / gap`` on
    Gaussian, near-rotation, near-rank-one and near-reflection (two or three top eigenvalues of
    ``K`` within ``1e-10 |M|``) draws at scales 1e-150 to 1e150, as for a float64 ``eigh`` of
    ``K`` (``15 ε |M| / gap`` on the same draws, up to 3 times larger than this kernel near
    reflections); float32 input loses nothing beyond its own rounding. Where the nearest
    rotation is not unique (``M = 0``, or ``s_2 + s_3' = 0``) one of them is returned, with
    finite derivatives that are unbounded near there, as for the SVD route. Cost: about 2x
    faster than RoMa's batched-SVD ``special_procrustes`` and 3x faster than ``eigh`` of ``K``
    on the CPU (10^5 matrices, one thread).

    Examples
    --------
    >>> M = torch.diag(torch.tensor([-2.0, 3.0, 0.5], dtype=torch.float64))
    >>> so3_procrustes(M).round(decimals=12)  # det M < 0: the sign goes on the smallest
    tensor([[-1.,  0.,  0.],
            [ 0.,  1.,  0.],
            [ 0.,  0., -1.]], dtype=torch.float64)
    """
    check_shape(M, ["...", 3, 3], "matrix to project onto SO(3)")
    # the nine entries as contiguous rows (a copy: divided in place below)
    X = M.double().reshape(*M.shape[:-2], 9).movedim(-1, 0).clone(
        memory_format=torch.contiguous_format)
    with torch.no_grad():
        scale = X.abs().amax(0)
        scale = scale + (scale == 0)
    e = list(X.div_(scale).unbind(0))
    with torch.no_grad():
        q0 = _jacobi_top(_horn([x.detach() for x in e]))
    v, residual = _rayleigh_step(e, q0)
    # unit, on the side of e_0 (the sign is not differentiated)
    n = torch.rsqrt(_dot(*((1, x, x) for x in v))).copysign(v[0].detach())
    q1 = _quaternion_product(q0, [x * n for x in v])
    # value: Jacobi's where its residual is rounding (more accurate than the step where the top
    # eigenvalues cluster), the step's otherwise; derivatives: always the step's
    keep = (residual <= _CONVERGED).to(residual.dtype)
    q = [a + keep * (b - a).detach() for a, b in zip(q1, q0)]
    return _assemble(_quaternion_entries(*q)).to(M.dtype)


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

r"""Polar (Cartan), Iwasawa and KAK decompositions of GL+(n), batched and differentiable.

=========  ==========================  =====================================================
map        factors                     convention and uniqueness
=========  ==========================  =====================================================
polar      ``g = P R``                 ``P = (g g^T)^{1/2}`` SPD, ``R`` in SO(n); unique.
iwasawa    ``g = K A N``               QR with positive diagonal: ``K`` in SO(n), ``A``
                                       positive diagonal, ``N`` unipotent upper triangular;
                                       unique.
kak        ``g = K_1 A K_2``           SVD with determinant signs fixed: ``K_1, K_2`` in
                                       SO(n), ``A`` positive diagonal, entries decreasing;
                                       ``A`` unique, ``(K_1, K_2)`` only up to
                                       ``(K_1 M, M^T K_2)`` with ``M`` in SO(n) commuting
                                       with ``A``.
=========  ==========================  =====================================================

All three require ``det g > 0`` (the factors then lie in the connected groups) and raise
:class:`~liegeom._checks.GroupMembershipError` naming the batch index otherwise (unless
validation is off, :class:`~liegeom.set_validation`). ``A`` is
returned as a full diagonal matrix ``[..., n, n]``.

Derivatives. Polar and Iwasawa are smooth (real-analytic) on all of GL+(n), and their
gradients are exact everywhere, including at the identity and at repeated singular values:
for n = 2 they are closed forms; otherwise the polar derivative is
:math:`dR = U\,\Omega\,V^T`, :math:`\Omega_{ij} = (F_{ij} - F_{ji})/(\sigma_i + \sigma_j)`,
:math:`F = U^T dg\,V` (no singular-value gaps appear), and Iwasawa is Gram--Schmidt (n <= 3)
or ``torch.linalg.qr``. KAK is singular on the measure-zero set of repeated singular values,
where ``K_1`` and ``K_2`` are not unique and not differentiable (``A`` is only directionally
differentiable). There the singular-gap terms are set to zero: gradients stay finite, never
NaN, and the reconstruction ``K_1 A K_2 = g`` still holds to rounding. Near (not at)
repeated singular values the gradients are exact, of size ``1 / gap``.
"""

from __future__ import annotations

import torch

from . import _linalg as la
from ._checks import check_shape
from .groups import GLPlus

__all__ = [
    "polar",
    "polar_inverse",
    "iwasawa",
    "iwasawa_inverse",
    "kak",
    "kak_inverse",
]


def _check(g: torch.Tensor, what: str) -> int:
    n = check_shape(g, ["...", "n", "n"], f"matrix to decompose ({what})")["n"]
    GLPlus(n)._valid(g)
    return n


def _rot2(c: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)


def polar(g: torch.Tensor, *, method: str = "auto") -> tuple[torch.Tensor, torch.Tensor]:
    r"""Left polar (Cartan) decomposition ``g = P R``.

    Parameters
    ----------
    g : torch.Tensor, shape=[..., n, n]
        Matrices with ``det g > 0``.
    method : {"auto", "closed", "svd"}
        ``"auto"``: closed form for n = 2 (``R`` is the rotation by
        ``atan2(g_10 - g_01, g_00 + g_11)``), SVD otherwise.

    Returns
    -------
    P : torch.Tensor, shape=[..., n, n]
        Symmetric positive definite, ``P = (g g^T)^{1/2}``.
    R : torch.Tensor, shape=[..., n, n]
        Rotation, the nearest one to ``g``.

    Examples
    --------
    >>> g = torch.tensor([[2.0, 1.0], [0.0, 1.0]], dtype=torch.float64)
    >>> P, R = polar(g)
    >>> torch.allclose(P @ R, g)
    True
    """
    n = _check(g, "polar")
    if method == "auto":
        method = "closed" if n == 2 else "svd"
    if method == "closed" and n == 2:
        p = g[..., 0, 0] + g[..., 1, 1]
        q = g[..., 1, 0] - g[..., 0, 1]
        r = torch.hypot(p, q)  # > 0 whenever det g > 0
        R = _rot2(p / r, q / r)
    elif method == "svd":
        g0 = g.detach()
        U0, s0, Vh0 = torch.linalg.svd(g0)
        R = U0 @ Vh0
        if la._tracks_derivative(g):
            V0 = Vh0.mT
            F = U0.mT @ la.first_order_only(g - g0) @ V0
            Omega = (F - F.mT) / (s0[..., :, None] + s0[..., None, :])
            R = R + U0 @ Omega @ Vh0
    else:
        raise ValueError(f"expected method 'auto', 'svd' or 'closed' (n = 2), got {method!r} "
                         f"with n = {n}")
    P = la.sym(g @ R.mT)
    return P, R


def polar_inverse(P: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`polar`: ``P R``, shape=[..., n, n]."""
    return P @ R


def _gram_schmidt(g: torch.Tensor) -> torch.Tensor:
    """Orthonormalise the columns of ``g`` (classical Gram--Schmidt applied twice)."""
    n = g.shape[-1]
    qs: list[torch.Tensor] = []
    for j in range(n):
        v = g[..., :, j]
        for _ in range(2):
            for q in qs:
                v = v - (q * v).sum(-1, keepdim=True) * q
        qs.append(v / v.norm(dim=-1, keepdim=True))
    return torch.stack(qs, -1)


def iwasawa(g: torch.Tensor, *, method: str = "auto"):
    r"""Iwasawa decomposition ``g = K A N`` (QR with positive diagonal).

    Parameters
    ----------
    g : torch.Tensor, shape=[..., n, n]
        Matrices with ``det g > 0``.
    method : {"auto", "gram-schmidt", "qr"}
        ``"auto"``: Gram--Schmidt (twice, elementwise arithmetic) for n <= 3, Householder
        ``torch.linalg.qr`` otherwise.

    Returns
    -------
    K : torch.Tensor, shape=[..., n, n]
        In SO(n).
    A : torch.Tensor, shape=[..., n, n]
        Positive diagonal.
    N : torch.Tensor, shape=[..., n, n]
        Unipotent upper triangular.

    Examples
    --------
    >>> g = torch.tensor([[1.0, 2.0], [-1.0, 1.0]], dtype=torch.float64)
    >>> K, A, N = iwasawa(g)
    >>> torch.allclose(K @ A @ N, g)
    True
    """
    n = _check(g, "iwasawa")
    if method == "auto":
        method = "gram-schmidt" if n <= 3 else "qr"
    if method == "gram-schmidt":
        K = _gram_schmidt(g)
        Rt = torch.triu(K.mT @ g)
    elif method == "qr":
        Q, Rt = torch.linalg.qr(g)
        d = torch.diagonal(Rt, dim1=-2, dim2=-1).detach()
        sign = torch.where(d < 0, -1.0, 1.0).to(g.dtype)
        K = Q * sign[..., None, :]
        Rt = Rt * sign[..., :, None]
    else:
        raise ValueError(f"expected method 'auto', 'gram-schmidt' or 'qr', got {method!r}")
    a = torch.diagonal(Rt, dim1=-2, dim2=-1)
    Nn = Rt / a[..., :, None]
    # the diagonal of N is 1 by construction; set it exactly
    eye = torch.eye(n, dtype=g.dtype, device=g.device)
    Nn = torch.triu(Nn, 1) + eye
    return K, torch.diag_embed(a), Nn


def iwasawa_inverse(K: torch.Tensor, A: torch.Tensor, N: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`iwasawa`: ``K A N``, shape=[..., n, n]."""
    return K @ A @ N


def kak(g: torch.Tensor):
    r"""Cartan KAK decomposition ``g = K_1 A K_2`` (SVD with determinant signs fixed).

    Parameters
    ----------
    g : torch.Tensor, shape=[..., n, n]
        Matrices with ``det g > 0``.

    Returns
    -------
    K1 : torch.Tensor, shape=[..., n, n]
        In SO(n).
    A : torch.Tensor, shape=[..., n, n]
        Diagonal, the singular values of ``g`` in decreasing order.
    K2 : torch.Tensor, shape=[..., n, n]
        In SO(n).

    Notes
    -----
    LAPACK's ``g = U diag(s) V^T`` has ``det U = det V`` (as ``det g > 0``); where both are
    -1 the last columns of ``U`` and ``V`` are negated. See the module docstring for the
    non-uniqueness of ``(K_1, K_2)`` and the gradients at repeated singular values.

    Examples
    --------
    >>> g = torch.tensor([[1.0, 2.0], [-1.0, 1.0]], dtype=torch.float64)
    >>> K1, A, K2 = kak(g)
    >>> torch.allclose(K1 @ A @ K2, g)
    True
    """
    _check(g, "kak")
    U, s, V = la.svd(g)
    flip = torch.where(la.det(U.detach()) < 0, -1.0, 1.0).to(g.dtype)
    U = torch.cat([U[..., :-1], U[..., -1:] * flip[..., None, None]], -1)
    V = torch.cat([V[..., :-1], V[..., -1:] * flip[..., None, None]], -1)
    return U, torch.diag_embed(s), V.mT


def kak_inverse(K1: torch.Tensor, A: torch.Tensor, K2: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`kak`: ``K1 A K2``, shape=[..., n, n]."""
    return K1 @ A @ K2

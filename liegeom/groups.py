r"""Matrix Lie groups as frozen, hashable objects acting on batched torch tensors.

Every group is a subgroup (or, for :class:`SPD`, a space) of invertible ``size x size``
matrices, given by a basis of its Lie algebra. Elements are tensors of shape
``[..., size, size]``; algebra coordinates are ``[..., dim]``; any number of batch dimensions,
never squeezed. Outputs follow the dtype and device of the inputs.

=========================  ===========================  ==========================================
group                      elements                     algebra basis (order of ``hat``/``vee``)
=========================  ===========================  ==========================================
``GLPlus(n)``              det g > 0                    ``E_ij`` row-major
``SL(n)``                  det g = 1                    ``E_ij`` (i != j) row-major, then
                                                        ``E_kk - E_{k+1,k+1}``
``SO(n)``                  g^T g = I, det g = 1         pairs i < j in decreasing lexicographic
                                                        order, ``(-1)^{i+j+1}(E_ji - E_ij)``; for
                                                        n = 3 ``hat(v) u = v × u``
``RotationScaling(n)``     ``s R``, s > 0, R in SO(n)   ``I``, then SO(n)'s basis
``SPD(n)``                 S = S^T > 0                  ``E_ii`` then ``(E_ij + E_ji)/√2``, i < j
``PositiveDiagonal(n)``    positive diagonal            ``E_ii``
``UpperUnitriangular(n)``  unipotent upper triang.      ``E_ij``, i < j, row-major
``Affine(H)``              ``[[A, x], [0, 1]]``         translations ``e_i`` then H's basis
=========================  ===========================  ==========================================

:class:`SPD` carries the log-Euclidean group law ``S ∘ T = exp(log S + log T)`` (Arsigny et
al. 2007), so that ``exp``/``log`` are group isomorphisms with (Sym(n), +); its natural action
is the congruence ``g · S = g S g^T`` of GL+(n) (:meth:`SPD.act`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import torch
import torch.nn.functional as F

from . import _linalg as la
from ._checks import GroupMembershipError, check_finite, check_shape, first_index, should_validate
from ._so3 import (
    _assemble,
    _entries,
    _hat_entries,
    _skew_coords,
    so3_exp,
    so3_exp_skew,
    so3_log,
    so3_log_hat,
    so3_membership_defects,
    so3_procrustes,
)
from .sampling import _shape, haar_so

__all__ = ["MatrixGroup", "GLPlus", "SL", "SO", "RotationScaling", "SPD", "PositiveDiagonal",
           "UpperUnitriangular", "Affine", "act_image"]


def _default_atol(dtype: torch.dtype) -> float:
    return 10 * torch.finfo(dtype).eps ** (2 / 3)


def _eye(n: int, like: torch.Tensor) -> torch.Tensor:
    return torch.eye(n, dtype=like.dtype, device=like.device)


def _floor(scale: torch.Tensor) -> torch.Tensor:
    """``sqrt(eps) * scale``, with scale 1 where it is 0: the margin projections keep inside
    open sets (det > 0, positive spectrum), so that the zero matrix projects too."""
    scale = scale.detach()
    return math.sqrt(torch.finfo(scale.dtype).eps) * torch.where(scale > 0, scale,
                                                                 torch.ones_like(scale))


def _signed_svd(M: torch.Tensor):
    """SVD with the sign of ``det M`` moved onto the last singular value:
    ``M = U' diag(s') V^T`` with ``det(U' V^T) = +1`` (the shared first step of the GL+, SL and
    SO projections)."""
    U, s, V = la.svd(M)
    d = torch.sign(la.det(U.detach()) * la.det(V.detach()))
    U = torch.cat([U[..., :-1], U[..., -1:] * d[..., None, None]], -1)
    return U, torch.cat([s[..., :-1], s[..., -1:] * d[..., None]], -1), V


def _fmt(x: torch.Tensor) -> str:
    return f"{float(x):.6g}"


@cache
def _basis(group: MatrixGroup) -> torch.Tensor:
    return group._make_basis()


@cache
def _dual(group: MatrixGroup) -> torch.Tensor:
    B = _basis(group).reshape(group.dim, -1)
    return torch.linalg.pinv(B)  # [size*size, dim]; B has orthogonal-ish rows, exact on the span


class MatrixGroup:
    """Shared machinery; concrete groups override the pieces that have closed forms."""

    #: LaTeX-free display name, e.g. ``"GL+(2)"``.
    name: str

    @property
    def size(self) -> int:
        """Matrix size of the elements (``n``, or ``n + 1`` for affine groups)."""
        return self.n

    @property
    def dim(self) -> int:
        """Dimension of the group (length of algebra coordinate vectors)."""
        return self.basis.shape[0]

    @property
    def basis(self) -> torch.Tensor:
        """Lie-algebra basis, float64, shape=[dim, size, size] (do not modify in place)."""
        return _basis(self)

    @property
    def _dual(self) -> torch.Tensor:
        return _dual(self)

    def __post_init__(self):
        n = self.n
        if isinstance(n, bool) or not isinstance(n, int) or n < self._min_n:
            raise ValueError(f"expected an integer n >= {self._min_n} for {type(self).__name__}"
                             f", got {n!r}")

    _min_n = 1

    # --- algebra ---------------------------------------------------------------------------

    def hat(self, v: torch.Tensor) -> torch.Tensor:
        """Algebra coordinates to matrices, shape=[..., dim] -> [..., size, size]."""
        check_shape(v, ["...", self.dim], f"algebra coordinates of {self.name}")
        return torch.einsum("...d,dij->...ij", v, self.basis.to(v.dtype).to(v.device))

    def vee(self, X: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`hat` on the algebra, shape=[..., size, size] -> [..., dim].

        Matrices off the algebra are mapped to the coordinates of their least-squares
        (Frobenius) projection onto it.
        """
        s = self.size
        check_shape(X, ["...", s, s], f"algebra element of {self.name}")
        return X.flatten(-2) @ self._dual.to(X.dtype).to(X.device)

    # --- group law --------------------------------------------------------------------------

    def identity(self, batch_shape=(), *, dtype=torch.float64, device=None) -> torch.Tensor:
        """Identity element, shape=[*batch_shape, size, size]."""
        eye = torch.eye(self.size, dtype=dtype, device=device)
        return eye.expand(*_shape(batch_shape), self.size, self.size).clone()

    def compose(self, g: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """Group product ``g h`` (batch dimensions broadcast), shape=[..., size, size]."""
        return g @ h

    def inverse(self, g: torch.Tensor) -> torch.Tensor:
        """Group inverse, shape=[..., size, size] (membership validated, see
        :class:`~liegeom.set_validation`)."""
        return self._inverse(self._valid(g))

    def _inverse(self, g: torch.Tensor) -> torch.Tensor:
        return la.inv(g)

    def exp(self, X: torch.Tensor) -> torch.Tensor:
        """Exponential of algebra elements (matrices), shape=[..., size, size]."""
        return torch.linalg.matrix_exp(X)

    def log(self, g: torch.Tensor) -> torch.Tensor:
        """Principal logarithm (an algebra matrix), shape=[..., size, size].

        Raises
        ------
        GroupMembershipError
            Where ``g`` is not in the group, or has an eigenvalue on the closed negative real
            axis (no real principal logarithm; e.g. SL(2) elements with trace <= -2), unless
            validation is off (:class:`~liegeom.set_validation`).
        """
        return self._log(self._valid(g))

    def exp_coords(self, v: torch.Tensor) -> torch.Tensor:
        """Group elements from algebra coordinates, ``exp(hat(v))``, shape=[..., dim] ->
        [..., size, size] (SO(3): rotation vectors to rotation matrices in one pass)."""
        return self.exp(self.hat(v))

    def log_coords(self, g: torch.Tensor) -> torch.Tensor:
        """Algebra coordinates of the principal logarithm, ``vee(log(g))``, shape=[..., size,
        size] -> [..., dim] (SO(3): rotation vectors in one pass). Validated as :meth:`log`."""
        return self.vee(self.log(g))

    def _log(self, g: torch.Tensor) -> torch.Tensor:
        if should_validate(g):
            _check_principal_log(g, self.name)
        return la.logm(g)

    def _valid(self, g: torch.Tensor) -> torch.Tensor:
        """``g`` after the shape check and, if validation is on, the membership check."""
        s = self.size
        check_shape(g, ["...", s, s], f"element of {self.name}")
        if should_validate(g):
            self.check(g.detach())
        return g

    # --- membership -------------------------------------------------------------------------

    def _conditions(self, g: torch.Tensor, atol: float):
        """Yield ``(expected, measured, ok)`` with tensors of the batch shape."""
        return iter(())

    def _check_basic(self, g: torch.Tensor) -> None:
        s = self.size
        check_shape(g, ["...", s, s], f"element of {self.name}")
        check_finite(g, f"element of {self.name}")

    def belongs(self, g: torch.Tensor, atol: float | None = None) -> torch.Tensor:
        """Boolean membership test, shape=[...] (``False`` everywhere for a wrong shape)."""
        s = self.size
        if not isinstance(g, torch.Tensor) or g.dim() < 2 or g.shape[-2:] != (s, s):
            lead = g.shape[:-2] if isinstance(g, torch.Tensor) and g.dim() >= 2 else ()
            return torch.zeros(lead, dtype=torch.bool)
        atol = _default_atol(g.dtype) if atol is None else atol
        ok = torch.isfinite(g).flatten(-2).all(-1)
        g = torch.where(ok[..., None, None], g, _eye(s, g))
        for _, _, cond in self._conditions(g, atol):
            ok = ok & cond
        return ok

    def check(self, g: torch.Tensor, atol: float | None = None) -> torch.Tensor:
        """Return ``g`` if every element belongs to the group, else raise.

        Raises
        ------
        GroupMembershipError
            Naming the group, what was expected, what came, and the first bad batch index.
        """
        self._check_basic(g)
        atol = _default_atol(g.dtype) if atol is None else atol
        for expected, measured, ok in self._conditions(g, atol):
            idx = first_index(~ok)
            if idx is not None:
                raise GroupMembershipError(
                    f"expected {expected} for {self.name}, got "
                    f"{measured(idx) if callable(measured) else _fmt(measured[idx])} "
                    f"at batch index {idx}"
                )
        return g

    def projection(self, M: torch.Tensor) -> torch.Tensor:
        """Nearest element in the Frobenius norm (see each group), shape=[..., size, size]."""
        raise TypeError(f"{self.name} defines no projection")  # overridden by every group

    # --- actions and sampling ---------------------------------------------------------------

    def act(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Action on points of R^n, ``g x``, shape=[..., n] (batch dims broadcast)."""
        return (g @ x[..., None])[..., 0]

    def random_point(self, batch_shape=(), *, distribution: str | None = None,
                     scale: float = 0.5, generator=None, dtype=torch.float64, device=None):
        """Random elements, shape=[*batch_shape, size, size].

        ``distribution="exp-normal"`` (default for non-compact groups): ``exp(hat(v))`` with
        ``v ~ N(0, scale^2 I)`` in this group's algebra basis. See subclasses for others.
        """
        distribution = distribution or "exp-normal"
        if distribution != "exp-normal":
            raise ValueError(f"unknown distribution {distribution!r} for {self.name}; "
                             f"expected one of {self.distributions}")
        v = scale * torch.randn(*_shape(batch_shape), self.dim, generator=generator,
                                dtype=dtype, device=device)
        return self.exp(self.hat(v))

    distributions: tuple[str, ...] = ("exp-normal",)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.n})"


def _check_principal_log(g: torch.Tensor, name: str) -> None:
    """Raise where ``g`` has an eigenvalue on (-inf, 0] (no real principal logarithm)."""
    n = g.shape[-1]
    if n == 2:
        # eigenvalues m ± sqrt(Δ), Δ formed without cancellation (as in liegeom.linalg.logm):
        # real ones (Δ >= 0) must both be positive; a complex pair is never on the axis
        tr = g[..., 0, 0] + g[..., 1, 1]
        dt = la.det(g)
        u, v = 0.5 * (g[..., 0, 0] - g[..., 1, 1]), 0.5 * (g[..., 0, 1] + g[..., 1, 0])
        q = 0.5 * (g[..., 1, 0] - g[..., 0, 1])
        disc = u * u + v * v - q * q
        bad = (disc >= 0) & ((tr <= 0) | (dt <= 0))
        idx = first_index(bad.detach())
        if idx is not None:
            raise GroupMembershipError(
                f"{name}.log: no real principal logarithm; expected no eigenvalue on the closed "
                f"negative real axis (for SL(2): trace > -2), got trace = "
                f"{_fmt(tr[idx])}, det = {_fmt(dt[idx])} at batch index {idx}"
            )
        return
    lam = torch.linalg.eigvals(g.detach())
    # eigenvalues are resolved to about n eps times the largest of them (not times 1): a
    # threshold relative to the matrix's own scale, so 1e-5 (rot(π - 1e-8) ⊕ 1) has a log; and
    # no wider than that, so float32 rotations by π - 1e-5 (the strategies' default) have one
    tiny = 10 * n * torch.finfo(g.dtype).eps * lam.abs().amax(-1, keepdim=True)
    bad = ((lam.real <= 0) & (lam.imag.abs() <= tiny)).any(-1)
    idx = first_index(bad)
    if idx is not None:
        raise GroupMembershipError(
            f"{name}.log: no real principal logarithm; expected no eigenvalue on the closed "
            f"negative real axis, got eigenvalues {lam[idx].tolist()} at batch index {idx}"
        )


def _positive_det(g: torch.Tensor) -> torch.Tensor:
    """``det g > 0``, from the LU sign, which does not underflow for tiny invertible ``g``."""
    sign, logabs = torch.linalg.slogdet(g.detach())
    return (sign > 0) & torch.isfinite(logabs)


def _det_condition(g, name_expected="det > 0"):
    return (name_expected, lambda idx: f"det = {_fmt(la.det(g[idx]))}", _positive_det(g))


# --- GL+(n), SL(n) ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class GLPlus(MatrixGroup):
    r"""Real ``n x n`` matrices with positive determinant.

    Examples
    --------
    >>> G = GLPlus(2)
    >>> g = G.random_point((4,), generator=torch.Generator().manual_seed(0))
    >>> torch.allclose(G.compose(g, G.inverse(g)), G.identity((4,)))
    True
    """

    n: int
    distributions = ("exp-normal", "polar")

    @property
    def name(self) -> str:
        return f"GL+({self.n})"

    def _make_basis(self):
        return torch.eye(self.n * self.n, dtype=torch.float64).reshape(-1, self.n, self.n)

    def _conditions(self, g, atol):
        yield _det_condition(g)

    def projection(self, M):
        """``M`` where ``det M > 0``; otherwise the smallest signed singular value of ``M`` (and
        any singular value below it) is replaced by ``sqrt(eps)`` times the largest (the open
        set has no nearest point there)."""
        s_ = self.size
        check_shape(M, ["...", s_, s_], f"matrix to project onto {self.name}")
        U, s, V = _signed_svd(M)
        last = s[..., -1]
        floor = _floor(s[..., 0].abs())
        s = torch.cat([s[..., :-1], torch.where(last > 0, last, floor)[..., None]], -1)
        s = torch.maximum(s, floor[..., None])
        fixed = (U * s[..., None, :]) @ V.mT
        return torch.where(_positive_det(M)[..., None, None], M, fixed)

    def random_point(self, batch_shape=(), *, distribution=None, scale=0.5, generator=None,
                     dtype=torch.float64, device=None):
        """Random elements, shape=[*batch_shape, n, n].

        ``"exp-normal"`` (default): ``exp(hat(v))``, ``v ~ N(0, scale^2 I)``.
        ``"polar"``: ``P R`` with ``P = exp(X)``, ``X`` isotropic Gaussian with standard deviation
        ``scale`` in an orthonormal basis of Sym(n) (traceless part for SL), ``R`` Haar on SO(n).
        """
        if distribution != "polar":
            return super().random_point(batch_shape, distribution=distribution, scale=scale,
                                        generator=generator, dtype=dtype, device=device)
        shape = _shape(batch_shape)
        X = scale * SPD(self.n).hat(torch.randn(*shape, self.n * (self.n + 1) // 2,
                                                generator=generator, dtype=dtype, device=device))
        if isinstance(self, SL):
            X = X - torch.diagonal(X, dim1=-2, dim2=-1).mean(-1)[..., None, None] * _eye(
                self.n, X)
        R = haar_so(self.n, shape, generator=generator, dtype=dtype, device=device)
        return la.spd_exp(X) @ R


# nearest point of SL(n): 64 log-spaced cells bracket the roots below s'_n/2; the first 4
# bracketing cells (at most 2 seen on 6e4 random spectra, n = 2..6) are bisected 64 times in
# log y (a cell spans log(det M / 2) / 63, so 64 halvings reach float64 rounding)
_SL_GRID = 64
_SL_BISECT = 64
_SL_CELLS = 4


def _sl_head(head, sn, y):
    """``σ_i``, ``i < n``, given ``σ_n = y``: the larger root of ``σ² - s'_i σ = y (y - s'_n)``.
    head [..., n-1], sn [...], y [..., m] -> [..., m, n-1]."""
    disc = head[..., None, :] ** 2 + 4 * (y * (y - sn[..., None]))[..., None]
    return 0.5 * (head[..., None, :] + disc.clamp_min(0).sqrt())


def _sl_residual(head, sn, logy):
    """``log det diag(σ(y)) = log y + Σ_{i<n} log σ_i(y)``, shape of ``logy``."""
    tiny = torch.finfo(head.dtype).tiny
    return logy + _sl_head(head, sn, logy.exp()).clamp_min(tiny).log().sum(-1)


def _sl_bisect(head, sn, lo, hi):
    """Roots of :func:`_sl_residual` in ``[lo, hi]`` (log y), one per entry, given a sign change."""
    flo = _sl_residual(head, sn, lo)
    for _ in range(_SL_BISECT):
        mid = 0.5 * (lo + hi)
        fmid = _sl_residual(head, sn, mid)
        same = torch.sign(fmid) == torch.sign(flo)
        lo, flo, hi = torch.where(same, mid, lo), torch.where(same, fmid, flo), torch.where(
            same, hi, mid)
    return 0.5 * (lo + hi)


def _sl_nearest_sigma(sp: torch.Tensor) -> torch.Tensor:
    r"""``σ > 0`` with ``Π σ_i = 1`` nearest to the signed singular values ``sp`` (shape
    ``[..., n]``, float64, ``sp[..., :-1]`` decreasing and >= 0); differentiable in ``sp``."""
    tiny = torch.finfo(sp.dtype).tiny
    with torch.no_grad():
        head, sn = sp[..., :-1].detach(), sp[..., -1].detach()
        # y >= s'_n / 2: residual increasing, positive at y_max (there μ >= y²/2, σ_i >= sqrt μ)
        # and <= 0 at exp(log_lo) (σ_i <= s'_i + sqrt(μ_max) below y_max)
        y_max = torch.clamp_min(2 * sn, math.sqrt(2))
        mu_max = y_max * (y_max + sn.abs())
        log_lo = torch.maximum(-(head + mu_max.sqrt()[..., None]).log().sum(-1),
                               (sn / 2).clamp_min(tiny).log())
        plus_ok = _sl_residual(head, sn, log_lo[..., None])[..., 0] <= 0
        y_plus = _sl_bisect(head, sn, log_lo[..., None], y_max.log()[..., None])
        # y < s'_n / 2 (only if s'_n > 0): σ_i <= s'_i there, so roots lie above Π_{i<n} 1/s'_i
        lo_m = -head.clamp_min(tiny).log().sum(-1)
        hi_m = (sn / 2).clamp_min(tiny).log()
        has_m = (sn > 0) & (lo_m < hi_m)
        t = torch.linspace(0, 1, _SL_GRID, dtype=sp.dtype, device=sp.device)
        grid = lo_m[..., None] + t * torch.where(has_m, hi_m - lo_m, 0)[..., None]
        fg = _sl_residual(head, sn, grid)
        sgn = torch.sign(fg)
        cell = (sgn[..., :-1] * sgn[..., 1:] <= 0) & has_m[..., None]
        # bisect only the first _SL_CELLS bracketing cells (at most 2 seen in practice)
        idx = torch.arange(_SL_GRID - 1, device=sp.device)
        pick = torch.where(cell, _SL_GRID - idx, -1).topk(_SL_CELLS, -1).indices
        cell = cell.gather(-1, pick)
        y_minus = _sl_bisect(head, sn, grid.gather(-1, pick), grid.gather(-1, pick + 1))
        logy = torch.cat([y_minus, y_plus], -1)
        valid = torch.cat([cell, (plus_ok | ~cell.any(-1))[..., None]], -1)
        y = logy.exp()
        dist = (((_sl_head(head, sn, y) - head[..., None, :]) ** 2).sum(-1)
                + (y - sn[..., None]) ** 2)
        dist = torch.where(valid, dist, torch.inf)
        y0 = y.gather(-1, dist.argmin(-1, keepdim=True))[..., 0]
    # one Newton step with autograd on: exact first derivatives at a simple root
    head, sn = sp[..., :-1], sp[..., -1]
    with torch.no_grad():
        disc = head ** 2 + 4 * (y0 * (y0 - sn))[..., None]
        r = disc.clamp_min(0).sqrt()
        sig = 0.5 * (head + r)
        dres = 1 / y0 + ((2 * y0 - sn)[..., None] / (sig * r).clamp_min(tiny)).sum(-1)
        ok = (disc > 1e-12 * head ** 2).all(-1) & torch.isfinite(dres) & (dres * y0 > 1e-8)
    res = _sl_residual(head, sn, y0.log()[..., None])[..., 0]
    y = y0 - torch.where(ok, res / torch.where(ok, dres, 1), 0)
    disc = head ** 2 + 4 * (y * (y - sn))[..., None]
    okd = ok[..., None] & (disc > 0)
    r = torch.where(okd, torch.where(okd, disc, 1).sqrt(), disc.detach().clamp_min(0).sqrt())
    sigma = torch.cat([0.5 * (head + r), y[..., None]], -1)
    return torch.where(ok[..., None], sigma, sigma.detach())


@dataclass(frozen=True, repr=False)
class SL(GLPlus):
    r"""Real ``n x n`` matrices with determinant 1.

    ``log`` raises where no real principal logarithm exists: for SL(2), trace < -2 (those
    elements are not exponentials at all) and trace = -2 (including ``-I = exp(π J)``, whose
    real logarithms are not unique).
    """

    n: int
    _min_n = 2

    @property
    def name(self) -> str:
        return f"SL({self.n})"

    def _make_basis(self):
        n = self.n
        mats = []
        for i in range(n):
            for j in range(n):
                if i != j:
                    E = torch.zeros(n, n, dtype=torch.float64)
                    E[i, j] = 1
                    mats.append(E)
        for k in range(n - 1):
            E = torch.zeros(n, n, dtype=torch.float64)
            E[k, k], E[k + 1, k + 1] = 1, -1
            mats.append(E)
        return torch.stack(mats)

    def _conditions(self, g, atol):
        d = la.det(g)
        # a computed determinant carries a rounding error of order eps * |g|_F^n (Hadamard's
        # bound on the terms that cancel), so the allowance grows with it
        with torch.no_grad():
            hadamard = g.flatten(-2).norm(dim=-1) ** self.n
        allow = self.n * (atol + 10 * torch.finfo(g.dtype).eps * hadamard)
        yield ("det = 1", lambda idx: f"det = {_fmt(d[idx])}", (d - 1).abs() <= allow)

    def _log(self, g):
        X = super()._log(g)
        return X - torch.diagonal(X, dim1=-2, dim2=-1).mean(-1)[..., None, None] * _eye(self.n, X)

    def projection(self, M):
        r"""Frobenius-nearest element of SL(n): ``argmin_{det X = 1} ||M - X||_F``.

        Parameters
        ----------
        M : torch.Tensor, shape=[..., n, n]
            Any real matrices (singular ones and ``det M < 0`` included).

        Returns
        -------
        X : torch.Tensor, shape=[..., n, n]
            ``X = U' diag(σ) V^T`` where ``M = U' diag(s') V^T`` is the SVD with the sign of
            ``det M`` moved onto the last singular value (``det U' V^T = 1``) and ``σ > 0``,
            ``Π σ_i = 1`` is the nearest such vector to ``s'`` (signed von Neumann trace
            inequality). The Lagrange condition ``σ_i^2 - s'_i σ_i = μ`` (one ``μ`` for all
            ``i``) holds, i.e. ``X^T (M - X) = -μ I``. ``M`` (up to rounding) where it lies in
            SL(n).

        Notes
        -----
        With ``y = σ_n``, ``μ = y (y - s'_n)`` and ``σ_i = (s'_i + sqrt(s'^2_i + 4μ)) / 2``
        for ``i < n`` (a minimiser never takes the other root there); ``y`` solves
        ``log y + Σ_{i<n} log σ_i(y) = 0``. That equation has one root with ``y >= s'_n / 2``
        but, when ``det M > 2``, possibly more below it (for ``M = 2 I_3`` both the identity,
        at squared distance 3, and ``diag(φ, φ, 1/φ^2)``, at 2.91, are critical points). The
        roots are bracketed on a log-spaced grid of 64 points over ``[Π_{i<n} 1/s'_i, s'_n/2]``
        (no root lies outside), the first 4 brackets (at most 2 occurred in tests) and the
        upper root are bisected (float64, detached), and the nearest candidate is returned.
        Two roots inside one grid cell can be missed.
        A final Newton step with autograd on gives the first derivatives (implicit function
        theorem); they are undefined, and zeroed, where the root is degenerate.

        The nearest point is not unique where two minima tie in distance (the projection jumps
        there), and where ``s_{n-1} = s_n`` while the nearest ``σ`` has ``σ_{n-1} != σ_n``: for
        ``M = c I`` with ``c > 2`` (n = 2), ``c > 1.902`` (n = 3), ``c > 1.781`` (n = 4), every
        ``R diag(σ) R^T``, ``R`` in SO(n), is nearest, and for ``M = 0`` every rotation; one of
        them is returned, depending on the SVD. Cost: one SVD plus ``O(64 · 6 · n)`` scalar
        operations per matrix.

        Examples
        --------
        >>> X = SL(3).projection(2 * torch.eye(3, dtype=torch.float64))
        >>> round(float(torch.linalg.det(X)), 12), round(float((2 * torch.eye(3) - X).norm()), 4)
        (1.0, 1.7058)
        """
        s_ = self.size
        check_shape(M, ["...", s_, s_], f"matrix to project onto {self.name}")
        U, sp, V = _signed_svd(M)
        sigma = _sl_nearest_sigma(sp.double()).to(M.dtype)
        return (U * sigma[..., None, :]) @ V.mT


# --- SO(n) -----------------------------------------------------------------------------------


def _skew3_coords(X: torch.Tensor) -> torch.Tensor:
    """``vee(skew(X))`` for 3x3 ``X`` (``hat(v) u = v × u``), shape=[..., 3, 3] -> [..., 3]."""
    return torch.stack(_skew_coords(_entries(X)), -1)


def _hat3(w: torch.Tensor) -> torch.Tensor:
    """``hat`` of SO(3) by direct assembly, shape=[..., 3] -> [..., 3, 3]."""
    return _assemble(_hat_entries(*w.unbind(-1)))


@dataclass(frozen=True, repr=False)
class SO(MatrixGroup):
    r"""Rotations ``R^T R = I``, ``det R = 1``.

    ``exp``/``log`` use closed forms for n = 2 (angle) and n = 3 (half-angle Rodrigues; the
    logarithm through Shepperd's quaternion, accurate near 0 and π alike, with the axis sign
    arbitrary at exactly π; see :mod:`liegeom._so3`). For n >= 4 the generic matrix
    exponential/logarithm is used (``log`` raises at angle π there, where no principal
    logarithm exists).
    """

    n: int
    _min_n = 2
    distributions = ("haar", "exp-normal")

    def hat(self, v):
        if self.n != 3:
            return super().hat(v)
        check_shape(v, ["...", 3], f"algebra coordinates of {self.name}")
        return _hat3(v)

    def vee(self, X):
        if self.n != 3:
            return super().vee(X)
        check_shape(X, ["...", 3, 3], f"algebra element of {self.name}")
        return _skew3_coords(X)

    @property
    def name(self) -> str:
        return f"SO({self.n})"

    def _make_basis(self):
        n = self.n
        pairs = sorted(((i, j) for i in range(n) for j in range(i + 1, n)), reverse=True)
        mats = []
        for i, j in pairs:
            E = torch.zeros(n, n, dtype=torch.float64)
            sgn = (-1) ** (i + j + 1)
            E[j, i], E[i, j] = sgn, -sgn
            mats.append(E)
        return torch.stack(mats)

    def _conditions(self, g, atol):
        if self.n == 3:
            # elementwise (no batched matmul, no LU); the determinant only decides once R^T R
            # = I holds, where the triple product cannot underflow
            err, det = so3_membership_defects(g)
            yield ("R^T R = I", lambda idx: f"max |R^T R - I| = {_fmt(err[idx])}", err <= atol)
            yield ("det = +1", lambda idx: f"det = {_fmt(det[idx])}", det > 0)
            return
        err = (g.mT @ g - _eye(self.n, g)).abs().flatten(-2).amax(-1)
        yield ("R^T R = I", lambda idx: f"max |R^T R - I| = {_fmt(err[idx])}", err <= atol)
        yield _det_condition(g, "det = +1")

    def _inverse(self, g):
        return g.mT

    def exp(self, X):
        n = self.n
        if n == 2:
            t = 0.5 * (X[..., 1, 0] - X[..., 0, 1])
            c, s = torch.cos(t), torch.sin(t)
            return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
        if n == 3:
            return so3_exp_skew(X)
        return torch.linalg.matrix_exp(la.skew(X))

    def exp_coords(self, v):
        if self.n != 3:
            return super().exp_coords(v)
        check_shape(v, ["...", 3], f"algebra coordinates of {self.name}")
        return so3_exp(v)

    def log_coords(self, g):
        if self.n != 3:
            return super().log_coords(g)
        return so3_log(self._valid(g))

    def _log(self, g):
        n = self.n
        if n == 2:
            t = torch.atan2(g[..., 1, 0] - g[..., 0, 1], g[..., 0, 0] + g[..., 1, 1])
            z = torch.zeros_like(t)
            return torch.stack([torch.stack([z, -t], -1), torch.stack([t, z], -1)], -2)
        if n == 3:
            return so3_log_hat(g)
        if should_validate(g):
            _check_principal_log(g, self.name)
        return la.skew(la.logm(g))

    def projection(self, M):
        """Nearest rotation (special orthogonal Procrustes): ``U diag(1, .., 1, d) V^T`` from
        the SVD, ``d = det(U V^T)``; for n = 2 the closed form ``rot(atan2(c - b, a + d))``; for
        n = 3 the top eigenvector of Horn's symmetric 4x4 matrix, in float64 by elementwise
        Jacobi sweeps (:func:`liegeom._so3.so3_procrustes`)."""
        check_shape(M, ["...", self.n, self.n], f"matrix to project onto {self.name}")
        if self.n == 2:
            p = M[..., 0, 0] + M[..., 1, 1]
            q = M[..., 1, 0] - M[..., 0, 1]
            r = torch.hypot(p, q)
            ok = r > 0  # r = 0: every rotation is equally near; return the identity
            r = torch.where(ok, r, torch.ones_like(r))
            c = torch.where(ok, p / r, torch.ones_like(p))
            s = q / r
            return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
        if self.n == 3:
            return so3_procrustes(M)
        U, _, V = _signed_svd(M)
        return U @ V.mT

    def random_point(self, batch_shape=(), *, distribution=None, scale=0.5, generator=None,
                     dtype=torch.float64, device=None):
        """``"haar"`` (default; :func:`liegeom.sampling.haar_so`) or ``"exp-normal"``."""
        if distribution in (None, "haar"):
            return haar_so(self.n, batch_shape, generator=generator, dtype=dtype, device=device)
        return super().random_point(batch_shape, distribution=distribution, scale=scale,
                                    generator=generator, dtype=dtype, device=device)


# --- R>0 x SO(n) ------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RotationScaling(MatrixGroup):
    r"""Rotation-scalings ``s R`` with ``s > 0`` and ``R`` in SO(n): the group R>0 × SO(n).

    For n = 2 it is the abelian group C* of non-zero complex numbers ``s e^{iθ}`` acting on the
    plane, with Haar measure ∝ ``ds dθ / s = d(log s) dθ``. Algebra basis: ``I`` (scaling),
    then the basis of SO(n), so that ``vee(log(s R)) = (log s, SO(n) coordinates of log R)``
    (for n = 2: ``(log s, θ)``). The group is unimodular; ``Affine(RotationScaling(n))`` (the
    similarity group) is not: ``det A = s^n``.

    Examples
    --------
    >>> G = RotationScaling(2)
    >>> g = G.exp(G.hat(torch.tensor([math.log(2.0), math.pi / 2], dtype=torch.float64)))
    >>> torch.allclose(g, torch.tensor([[0.0, -2.0], [2.0, 0.0]], dtype=torch.float64))
    True
    >>> G.vee(G.log(g))
    tensor([0.6931, 1.5708], dtype=torch.float64)
    """

    n: int
    _min_n = 2
    distributions = ("exp-normal", "polar")

    @property
    def name(self) -> str:
        return f"RotationScaling({self.n})"

    def _make_basis(self):
        eye = torch.eye(self.n, dtype=torch.float64)[None]
        return torch.cat([eye, SO(self.n).basis], 0)

    @staticmethod
    def scale(g: torch.Tensor) -> torch.Tensor:
        """``s = |g|_F / sqrt(n)`` (exact for members), shape=[...]."""
        return g.flatten(-2).norm(dim=-1) / math.sqrt(g.shape[-1])

    def _conditions(self, g, atol):
        s2 = (g * g).flatten(-2).sum(-1) / self.n
        s2 = torch.where(s2 > 0, s2, torch.ones_like(s2))
        err = (g.mT @ g / s2[..., None, None] - _eye(self.n, g)).abs().flatten(-2).amax(-1)
        yield ("g^T g = s^2 I", lambda idx: f"max |g^T g / s^2 - I| = {_fmt(err[idx])}",
               err <= atol)
        yield _det_condition(g)

    def _inverse(self, g):
        s2 = (g * g).flatten(-2).sum(-1) / self.n
        return g.mT / s2[..., None, None]

    def exp(self, X):
        t = torch.diagonal(X, dim1=-2, dim2=-1).mean(-1)
        return t.exp()[..., None, None] * SO(self.n).exp(la.skew(X))

    def _log(self, g):
        s = self.scale(g)
        W = SO(self.n)._log(g / s[..., None, None])
        return W + s.log()[..., None, None] * _eye(self.n, g)

    def projection(self, M):
        """Nearest ``s R``: ``R`` the nearest rotation (:meth:`SO.projection`), ``s = tr(R^T M)
        / n`` where positive, else ``sqrt(eps)`` times ``|M|_F / sqrt(n)`` (the open set has no
        nearest point there)."""
        check_shape(M, ["...", self.n, self.n], f"matrix to project onto {self.name}")
        R = SO(self.n).projection(M)
        c = (R * M).flatten(-2).sum(-1) / self.n
        s = torch.where(c > 0, c, _floor(self.scale(M)))
        return s[..., None, None] * R

    def random_point(self, batch_shape=(), *, distribution=None, scale=0.5, generator=None,
                     dtype=torch.float64, device=None):
        """``"exp-normal"`` (default): ``exp(hat(v))``, ``v ~ N(0, scale^2 I)``; ``"polar"``:
        ``e^t R`` with ``t ~ N(0, scale^2)`` and ``R`` Haar on SO(n)."""
        if distribution != "polar":
            return super().random_point(batch_shape, distribution=distribution, scale=scale,
                                        generator=generator, dtype=dtype, device=device)
        shape = _shape(batch_shape)
        t = scale * torch.randn(shape, generator=generator, dtype=dtype, device=device)
        R = haar_so(self.n, shape, generator=generator, dtype=dtype, device=device)
        return t.exp()[..., None, None] * R

# --- SPD(n) ----------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SPD(MatrixGroup):
    r"""Symmetric positive-definite matrices with the log-Euclidean group law.

    Tangent space at ``I``: Sym(n) with the Frobenius-orthonormal basis ``E_ii``,
    ``(E_ij + E_ji)/√2``. ``exp``/``log`` are the symmetric matrix exponential and principal
    logarithm (:func:`liegeom._linalg.spd_exp`, exact first derivatives everywhere).
    """

    n: int

    @property
    def name(self) -> str:
        return f"SPD({self.n})"

    def _make_basis(self):
        n = self.n
        mats = []
        for i in range(n):
            E = torch.zeros(n, n, dtype=torch.float64)
            E[i, i] = 1
            mats.append(E)
        for i in range(n):
            for j in range(i + 1, n):
                E = torch.zeros(n, n, dtype=torch.float64)
                E[i, j] = E[j, i] = 2 ** -0.5
                mats.append(E)
        return torch.stack(mats)

    def _conditions(self, g, atol):
        scale = g.abs().flatten(-2).amax(-1).clamp_min(1.0)
        asym = (g - g.mT).abs().flatten(-2).amax(-1)
        yield ("S = S^T", lambda idx: f"max |S - S^T| = {_fmt(asym[idx])}", asym <= atol * scale)
        lmin = torch.linalg.eigvalsh(la.sym(g))[..., 0]
        yield ("eigenvalues > 0", lambda idx: f"smallest eigenvalue {_fmt(lmin[idx])}", lmin > 0)

    def compose(self, g, h):
        """Log-Euclidean product ``exp(log g + log h)``."""
        return la.spd_exp(la.spd_log(g) + la.spd_log(h))

    def _inverse(self, g):
        return la.sym(la.inv(g))

    def exp(self, X):
        return la.spd_exp(X)

    def _log(self, g):
        return la.spd_log(g)

    def projection(self, M):
        """Nearest SPD matrix: eigenvalues of ``sym(M)`` floored at ``sqrt(eps)`` times the
        largest absolute eigenvalue (the cone is open, so the Frobenius-nearest point of the
        closed cone is moved just inside)."""
        check_shape(M, ["...", self.n, self.n], f"matrix to project onto {self.name}")
        L, _ = la.sym_eigh(M.detach())
        floor = _floor(L.abs().amax(-1))
        shift = floor[..., None, None] * _eye(self.n, M)
        relu_d = lambda x: (x > 0).to(x.dtype)
        return la.sym_funcm(la.sym(M) - shift, torch.relu, relu_d) + shift

    def act(self, g, S):
        """Congruence action of GL+(n): ``g S g^T``, shape=[..., n, n]."""
        return g @ S @ g.mT


# --- PositiveDiagonal(n), UpperUnitriangular(n) ------------------------------------------


@dataclass(frozen=True, repr=False)
class PositiveDiagonal(MatrixGroup):
    """Diagonal matrices with positive entries (the A of Iwasawa/KAK; formerly ``A``)."""

    n: int

    @property
    def name(self) -> str:
        return f"PositiveDiagonal({self.n})"

    def _make_basis(self):
        n = self.n
        B = torch.zeros(n, n, n, dtype=torch.float64)
        B[torch.arange(n), torch.arange(n), torch.arange(n)] = 1
        return B

    def _conditions(self, g, atol):
        d = torch.diagonal(g, dim1=-2, dim2=-1)
        off = (g - torch.diag_embed(d)).abs().flatten(-2).amax(-1)
        yield ("a diagonal matrix", lambda idx: f"max off-diagonal |g_ij| = {_fmt(off[idx])}",
               off <= atol)
        dmin = d.amin(-1)
        yield ("positive diagonal", lambda idx: f"smallest diagonal entry {_fmt(dmin[idx])}",
               dmin > 0)

    def _inverse(self, g):
        return torch.diag_embed(1 / torch.diagonal(g, dim1=-2, dim2=-1))

    def exp(self, X):
        return torch.diag_embed(torch.diagonal(X, dim1=-2, dim2=-1).exp())

    def _log(self, g):
        return torch.diag_embed(torch.diagonal(g, dim1=-2, dim2=-1).log())

    def projection(self, M):
        """Diagonal part, entries floored at ``sqrt(eps)`` times the largest |entry|."""
        d = torch.diagonal(M, dim1=-2, dim2=-1)
        floor = _floor(d.abs().amax(-1, keepdim=True))
        return torch.diag_embed(torch.maximum(d, floor))


@dataclass(frozen=True, repr=False)
class UpperUnitriangular(MatrixGroup):
    """Unipotent upper-triangular matrices (the N of Iwasawa; formerly ``N``); exp/log are
    finite series."""

    n: int
    _min_n = 2

    @property
    def name(self) -> str:
        return f"UpperUnitriangular({self.n})"

    def _make_basis(self):
        n = self.n
        mats = []
        for i in range(n):
            for j in range(i + 1, n):
                E = torch.zeros(n, n, dtype=torch.float64)
                E[i, j] = 1
                mats.append(E)
        return torch.stack(mats)

    def _conditions(self, g, atol):
        low = (torch.tril(g) - _eye(self.n, g)).abs().flatten(-2).amax(-1)
        yield ("unipotent upper triangular",
               lambda idx: f"max |tril(g) - I| = {_fmt(low[idx])}", low <= atol)

    def exp(self, X):
        X = torch.triu(X, 1)
        out, term = _eye(self.n, X).expand_as(X), _eye(self.n, X).expand_as(X)
        for k in range(1, self.n):
            term = term @ X / k
            out = out + term
        return out

    def _log(self, g):
        E = torch.triu(g, 1)
        out, term = torch.zeros_like(E), _eye(self.n, E).expand_as(E)
        for k in range(1, self.n):
            term = term @ E
            out = out + (-1) ** (k + 1) * term / k
        return out

    def _inverse(self, g):
        return torch.linalg.solve_triangular(g, _eye(self.n, g).expand_as(g), upper=True,
                                             unitriangular=True)

    def projection(self, M):
        """Strict upper triangle of ``M`` plus the identity (Frobenius-nearest)."""
        return torch.triu(M, 1) + _eye(self.n, M)


# --- Affine(H) -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Affine(MatrixGroup):
    r"""Semidirect product R^n ⋊ H as homogeneous matrices ``[[A, x], [0, 1]]``.

    Law ``(x, A)(y, B) = (x + A y, A B)``; ``act(g, p) = A p + x``. Algebra coordinates are
    ``(translation (n), H coordinates (H.dim))``. ``log`` uses ``H.log`` for the linear part
    and solves ``φ₁(L) u = x`` with ``φ₁(L) = Σ L^k/(k+1)!`` for the translation part.
    """

    H: MatrixGroup

    def __post_init__(self):
        if not isinstance(self.H, MatrixGroup) or isinstance(self.H, (Affine, SPD)):
            raise TypeError(f"expected H to be a linear matrix group such as GLPlus(2), "
                            f"got {self.H!r}")

    @property
    def n(self) -> int:
        return self.H.n

    @property
    def size(self) -> int:
        return self.n + 1

    @property
    def name(self) -> str:
        return f"R^{self.n} ⋊ {self.H.name}"

    def __repr__(self) -> str:
        return f"Affine({self.H!r})"

    def _make_basis(self):
        n, s = self.n, self.n + 1
        B = torch.zeros(n + self.H.dim, s, s, dtype=torch.float64)
        for i in range(n):
            B[i, i, n] = 1
        B[n:, :n, :n] = self.H.basis
        return B

    @staticmethod
    def split(g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, A)`` from homogeneous matrices: shapes [..., n] and [..., n, n]."""
        return g[..., :-1, -1], g[..., :-1, :-1]

    def join(self, x: torch.Tensor, A_: torch.Tensor) -> torch.Tensor:
        """Homogeneous matrix from a translation [..., n] and a linear part [..., n, n]."""
        batch = torch.broadcast_shapes(x.shape[:-1], A_.shape[:-2])
        top = torch.cat([A_.expand(*batch, self.n, self.n), x.expand(*batch, self.n)[..., None]],
                        -1)
        bottom = torch.zeros(*batch, 1, self.size, dtype=top.dtype, device=top.device)
        bottom[..., 0, -1] = 1
        return torch.cat([top, bottom], -2)

    def _conditions(self, g, atol):
        last = g[..., -1, :] - _eye(self.size, g)[-1]
        err = last.abs().amax(-1)
        yield ("last row [0, ..., 0, 1]", lambda idx: f"last row {g[idx][-1].tolist()}",
               err <= atol)
        for expected, measured, ok in self.H._conditions(g[..., :-1, :-1], atol):
            yield (f"{expected} for the linear part", measured, ok)

    def _inverse(self, g):
        x, A_ = self.split(g)
        Ai = self.H._inverse(A_)
        return self.join(-(Ai @ x[..., None])[..., 0], Ai)

    def exp(self, X):
        return torch.linalg.matrix_exp(X)

    def _log(self, g):
        x, A_ = self.split(g)
        L = self.H._log(A_)
        n = self.n
        # Z = [[L, I], [0, 0]], assembled without writing into a new tensor (vmap-safe)
        top = torch.cat([L, _eye(n, L).expand_as(L)], -1)
        Z = torch.cat([top, torch.zeros_like(top)], -2)
        phi1 = torch.linalg.matrix_exp(Z)[..., :n, n:]
        u = torch.linalg.solve(phi1, x[..., None])[..., 0]
        out = self.join(u, L)
        return torch.cat([out[..., :-1, :], torch.zeros_like(out[..., -1:, :])], -2)

    def projection(self, M):
        """``H.projection`` of the linear block, translation kept, last row ``[0, .., 0, 1]``."""
        x, A_ = self.split(M)
        return self.join(x, self.H.projection(A_))

    def act(self, g, p):
        """``A p + x`` for ``g = (x, A)`` (membership validated, last row included)."""
        x, A_ = self.split(self._valid(g))
        return (A_ @ p[..., None])[..., 0] + x

    @property
    def distributions(self):
        return self.H.distributions

    def random_point(self, batch_shape=(), *, distribution=None, scale=0.5, generator=None,
                     dtype=torch.float64, device=None):
        """Translation ``N(0, scale^2 I)`` and ``H.random_point(distribution=...)``."""
        shape = _shape(batch_shape)
        x = scale * torch.randn(*shape, self.n, generator=generator, dtype=dtype, device=device)
        A_ = self.H.random_point(shape, distribution=distribution, scale=scale,
                                 generator=generator, dtype=dtype, device=device)
        return self.join(x, A_)


# --- images ----------------------------------------------------------------------------------


def act_image(g: torch.Tensor, images: torch.Tensor, *, mode: str = "bilinear",
              padding_mode: str = "zeros") -> torch.Tensor:
    r"""Act on 2D images: ``(g · f)(p) = f(g^{-1} p)``, resampled with ``grid_sample``.

    Parameters
    ----------
    g : torch.Tensor, shape=[..., 2, 2] or [..., 3, 3]
        Linear (2x2) or homogeneous affine (3x3) elements.
    images : torch.Tensor, shape=[..., C, H, W]
        Batch dimensions broadcast with those of ``g``.
    mode, padding_mode : str
        Passed to :func:`torch.nn.functional.grid_sample` (``align_corners=False``).

    Notes
    -----
    Coordinates ``p = (x, y)`` are normalised to ``[-1, 1]`` with ``x`` along the width (left to
    right) and ``y`` along the height (top to bottom), as in ``affine_grid``. With ``y`` pointing
    down, ``SO(2)`` angles turn clockwise on screen.

    Returns
    -------
    torch.Tensor, shape=[..., C, H, W]
    """
    size = g.shape[-1]
    if g.shape[-2:] not in ((2, 2), (3, 3)):
        raise GroupMembershipError(f"expected g of shape [..., 2, 2] or [..., 3, 3], got "
                                   f"shape {tuple(g.shape)}")
    check_shape(images, ["...", "C", "H", "W"], "images")
    gi = la.inv(g)
    if size == 2:
        theta = torch.cat([gi, torch.zeros_like(gi[..., :1])], -1)
    else:
        theta = gi[..., :2, :]
    batch = torch.broadcast_shapes(theta.shape[:-2], images.shape[:-3])
    C, Hh, W = images.shape[-3:]
    theta = theta.to(images.dtype).expand(*batch, 2, 3).reshape(-1, 2, 3)
    imgs = images.expand(*batch, C, Hh, W).reshape(-1, C, Hh, W)
    grid = F.affine_grid(theta, list(imgs.shape), align_corners=False)
    out = F.grid_sample(imgs, grid, mode=mode, padding_mode=padding_mode, align_corners=False)
    return out.reshape(*batch, C, Hh, W)


_DEPRECATED = {"A": "PositiveDiagonal", "N": "UpperUnitriangular"}


def __getattr__(name: str):
    """Deprecated one-letter aliases ``A`` and ``N`` (they shadowed ``sympy.N`` under star
    imports); not in ``__all__``."""
    if name in _DEPRECATED:
        import warnings

        new = _DEPRECATED[name]
        warnings.warn(f"liegeom.groups.{name} is deprecated; use {new}", DeprecationWarning,
                      stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

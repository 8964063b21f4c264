r"""Global charts of GL+(n), SL(n) and affine groups, with closed-form Haar densities.

Every chart maps coordinates ``z`` (shape ``[..., dim]``) to group elements and back, and gives
``log_haar_density(z)``: the log density of Haar measure with respect to Lebesgue measure in
``z``. One normalization throughout: Haar measure is the Riemannian volume of the left-invariant
metric :math:`\langle X, Y\rangle = \operatorname{tr}(X^T Y)` on the Lie algebra (for the right
measure of affine groups, the right-invariant one). :func:`autograd_log_haar_density` computes
that volume numerically from any chart (an independent route used by the tests), and
:mod:`liegeom.symbolic` derives the same densities from Maurer–Cartan forms.

Coordinates are orthonormal for that metric wherever a linear space is parametrized:

* ``Sym(n)``: ``X_ii`` then ``sqrt(2) X_ij`` (i < j, row-major); ``Sym0(n)``: the diagonal in the
  orthonormal Helmert basis of traceless diagonals, then ``sqrt(2) X_ij``;
* rotations: exponential coordinates ``R = exp(W)``, ``W`` skew with ``omega = sqrt(2) W_ij``
  (i < j, row-major), principal branch (rotation angles below pi). Their Haar density is
  :math:`\prod_{a<b} \operatorname{sinc}((\mu_a + \mu_b)/2)` with :math:`i\mu_a` the eigenvalues
  of ``W`` (the roots of so(n) in the torus; ``sinc(x) = sin(x)/x``), equal to 1 at ``W = 0``.

Charts and densities (``SO`` is the exp-coordinate density of each rotation factor):

* ``PolarExpChart``: ``g = e^X R``, ``z = (X in Sym / Sym0, R)``;
  :math:`\prod_{i<j}\sinh(\delta_{ij})/\delta_{ij}` (δ eigenvalue gaps of X) × SO.
* ``PolarChart`` (GL+(n) only): ``g = S^{1/2} R``, ``z = (S entries, R)``;
  :math:`c_n \det S^{-(n+1)/2}` × SO with :math:`c_n = 2^{-n - n(n-1)/4}`.
* ``IwasawaChart``: ``g = K diag(e^h) N``, ``z = (K, h, N_ij)``;
  :math:`2^{-n(n-1)/4} a^{2\rho}` × SO.
* ``KAKChart``: ``g = K1 diag(e^h) K2``, ``z = (K1, h, K2)``;
  :math:`\prod_{i<j}|\sinh(h_i-h_j)|` × SO × SO.
* ``RotationScalingChart`` (R>0 × SO(n)): ``g = e^t R``, ``z = (t, exp coords of R in SO(n)'s
  hat basis)``; :math:`\sqrt{n}\,2^{k/2}` × SO (the constant 2 for n = 2).
* ``AffineChart``: ``(x, A)``, ``z = (x, chart of A)``; left :math:`|\det A|^{-1}\rho_H`,
  right :math:`\rho_H`.

For SL(n), ``h`` lives in the traceless Helmert coordinates. KAK coordinates take ``h``
decreasing and fix the sign ambiguity ``(K1 M, M K2)`` (``M`` diagonal ±1 in SO(n)) by
maximizing ``trace(K1)`` (a convention that switches where a diagonal entry of ``K1``
vanishes); the chart is a finite covering on the complement of the walls ``h_i = h_j``, where
the density vanishes.

Examples
--------
>>> import torch
>>> from liegeom.groups import SL
>>> chart = KAKChart(SL(2))
>>> z = torch.tensor([[0.3, 0.8, -0.2]], dtype=torch.float64)
>>> torch.allclose(chart.to_coords(chart.from_coords(z)), z)
True
"""

from __future__ import annotations

import math

import torch

from . import _linalg as la
from ._checks import check_shape
from .decompositions import iwasawa, kak, polar
from .groups import SL, SO, Affine, GLPlus, MatrixGroup, RotationScaling

__all__ = [
    "Chart",
    "PolarExpChart",
    "PolarChart",
    "IwasawaChart",
    "KAKChart",
    "RotationScalingChart",
    "AffineChart",
    "so_volume",
    "log_so_exp_density",
    "autograd_log_haar_density",
    "law_residual",
]


# ----------------------------------------------------------------------------- helpers
def _linear_group(group, chart: str) -> tuple[int, bool]:
    """``(n, traceless)`` for GL+(n) / SL(n); ValueError for anything else."""
    if isinstance(group, (SL, GLPlus)) and group.n < 2:
        raise ValueError(f"{chart} needs n >= 2 (it has a rotation factor), got {group!r}")
    if isinstance(group, SL):
        return group.n, True
    if type(group) is GLPlus:
        return group.n, False
    raise ValueError(f"{chart} is defined for GLPlus(n) and SL(n), got {group!r}")


def _helmert(n: int, like: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis of traceless diagonals, shape=[n, n-1]."""
    U = torch.zeros(n, n - 1, dtype=like.dtype, device=like.device)
    for k in range(1, n):
        U[:k, k - 1] = 1.0
        U[k, k - 1] = -float(k)
        U[:, k - 1] /= math.sqrt(k * (k + 1))
    return U


def _upper(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.triu_indices(n, n, 1)


def _diag_coords(d: torch.Tensor, traceless: bool) -> torch.Tensor:
    return d @ _helmert(d.shape[-1], d) if traceless else d


def _diag_from_coords(h: torch.Tensor, n: int, traceless: bool) -> torch.Tensor:
    return h @ _helmert(n, h).mT if traceless else h


def _sym_coords(X: torch.Tensor, traceless: bool) -> torch.Tensor:
    n = X.shape[-1]
    i, j = _upper(n)
    diag = _diag_coords(torch.diagonal(X, dim1=-2, dim2=-1), traceless)
    return torch.cat([diag, math.sqrt(2) * X[..., i, j]], -1)


def _sym_from_coords(x: torch.Tensor, n: int, traceless: bool) -> torch.Tensor:
    p = n - 1 if traceless else n
    diag = _diag_from_coords(x[..., :p], n, traceless)
    i, j = _upper(n)
    X = torch.diag_embed(diag)
    off = torch.zeros_like(X)
    off[..., i, j] = x[..., p:] / math.sqrt(2)
    return X + off + off.mT


def _skew_coords(W: torch.Tensor) -> torch.Tensor:
    i, j = _upper(W.shape[-1])
    return math.sqrt(2) * W[..., i, j]


def _skew_from_coords(w: torch.Tensor, n: int) -> torch.Tensor:
    i, j = _upper(n)
    W = torch.zeros(*w.shape[:-1], n, n, dtype=w.dtype, device=w.device)
    W[..., i, j] = w / math.sqrt(2)
    return W - W.mT


def _rot_from_coords(w: torch.Tensor, n: int) -> torch.Tensor:
    return torch.linalg.matrix_exp(_skew_from_coords(w, n))


def _rot_coords(R: torch.Tensor) -> torch.Tensor:
    return _skew_coords(SO(R.shape[-1]).log(R))


def _log_sinhc(d: torch.Tensor) -> torch.Tensor:
    """``log(sinh(d)/d)``, even, with a Taylor branch near 0 (double where)."""
    a = d.abs()
    small = a < 1e-3
    a_safe = torch.where(small, torch.ones_like(a), a)
    big = a_safe + torch.log1p(-torch.exp(-2 * a_safe)) - math.log(2) - torch.log(a_safe)
    return torch.where(small, d**2 / 6 - d**4 / 180, big)


def _log_sinc(x: torch.Tensor) -> torch.Tensor:
    """``log(sin(x)/x)`` for ``|x| < pi``, with a Taylor branch near 0 (double where)."""
    small = x.abs() < 1e-3
    x_safe = torch.where(small, torch.ones_like(x), x)
    big = torch.log(torch.sin(x_safe) / x_safe)
    return torch.where(small, -(x**2) / 6 - x**4 / 180, big)


def _log_abs_sinh(d: torch.Tensor) -> torch.Tensor:
    """``log|sinh d|``; ``-inf`` with zero gradient (not NaN) exactly on the wall ``d = 0``."""
    a = d.abs()
    wall = a == 0
    a_safe = torch.where(wall, torch.ones_like(a), a)
    out = a_safe + torch.log(-torch.expm1(-2 * a_safe)) - math.log(2)
    return torch.where(wall, torch.full_like(a, -math.inf), out)


def _pairs(v: torch.Tensor, op) -> torch.Tensor:
    i, j = _upper(v.shape[-1])
    return op(v[..., i], v[..., j])


def log_so_exp_density(w: torch.Tensor, n: int) -> torch.Tensor:
    r"""Log Haar density of SO(n) in the exponential coordinates ``w`` (see module docstring).

    Parameters
    ----------
    w : torch.Tensor, shape=[..., n(n-1)/2]
    n : int

    Returns
    -------
    torch.Tensor, shape=[...]
    """
    if n == 2:
        return torch.zeros_like(w[..., 0])
    W = _skew_from_coords(w, n)
    mu = torch.linalg.eigvalsh(-1j * W.to(torch.complex128 if w.dtype == torch.float64
                                           else torch.complex64))
    return _log_sinc(_pairs(mu, lambda a, b: (a + b) / 2)).sum(-1).to(w.dtype)


def so_volume(n: int) -> float:
    r"""Volume of SO(n) for the metric :math:`\operatorname{tr}(X^T Y)`.

    :math:`2^{d/2}\prod_{k=2}^{n} 2\pi^{k/2}/\Gamma(k/2)`, ``d = n(n-1)/2`` (the product is the
    volume for the metric in which ``E_ij - E_ji`` has unit length; our metric doubles squared
    lengths). The tests check it by integrating :func:`log_so_exp_density` over the ball of
    rotation angles below pi.
    """
    d = n * (n - 1) // 2
    vol = 2.0 ** (d / 2)
    for k in range(2, n + 1):
        vol *= 2 * math.pi ** (k / 2) / math.gamma(k / 2)
    return vol


# ----------------------------------------------------------------------------- charts
class Chart:
    """Base class: coordinate shape checks shared by all charts."""

    group: MatrixGroup
    dim: int

    def _z(self, z: torch.Tensor) -> torch.Tensor:
        check_shape(z, ["...", self.dim], f"{type(self).__name__} coordinates of {self.group.name}")
        return z

    def _g(self, g: torch.Tensor) -> torch.Tensor:
        """``g`` after the shape and (unless turned off) membership checks."""
        return self.group._valid(g)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.group!r})"


class _LinearChart(Chart):
    def __init__(self, group):
        self.group = group
        self.n, self.traceless = _linear_group(group, type(self).__name__)
        n = self.n
        self.k = n * (n - 1) // 2  # rotation coordinates
        self.p = n - 1 if self.traceless else n  # diagonal coordinates
        self.dim = group.dim

    def _log_det(self, z: torch.Tensor) -> torch.Tensor:
        """``log det g(z)`` (0 for SL(n)); used by :class:`AffineChart`."""
        return torch.logdet(self.from_coords(z))


class PolarExpChart(_LinearChart):
    r"""``g = e^X R``: ``z = (coords of X in Sym(n) or Sym0(n), exp coords of R)``.

    Haar density :math:`\prod_{i<j} \sinh(x_i - x_j)/(x_i - x_j)` (``x`` eigenvalues of
    ``X``) times the SO(n) density of ``R``; the SPD factor ``P = e^X`` carries the invariant
    measure of ``SPD(n) = G/K`` (REFERENCES: ``sinh(δ/2)/(δ/2)`` for ``S = P^2 = e^{2X}``).
    """

    def from_coords(self, z):
        z = self._z(z)
        m = self.dim - self.k
        X = _sym_from_coords(z[..., :m], self.n, self.traceless)
        return la.spd_exp(X) @ _rot_from_coords(z[..., m:], self.n)

    def to_coords(self, g):
        P, R = polar(self._g(g))
        return torch.cat([_sym_coords(la.spd_log(P), self.traceless), _rot_coords(R)], -1)

    def log_haar_density_noncompact(self, z):
        """The density without the SO(n) factor, shape=[...]."""
        z = self._z(z)
        X = _sym_from_coords(z[..., : self.dim - self.k], self.n, self.traceless)
        x = torch.linalg.eigvalsh(X)
        return _log_sinhc(_pairs(x, torch.sub)).sum(-1)

    def log_haar_density(self, z):
        """Log Haar density, shape=[...]."""
        return self.log_haar_density_noncompact(z) + log_so_exp_density(
            z[..., self.dim - self.k :], self.n
        )


class PolarChart(_LinearChart):
    r"""``g = S^{1/2} R`` for GL+(n): ``z = (S_ii, S_ij (i<j, row-major), exp coords of R)``.

    Haar density :math:`2^{-n-n(n-1)/4} \det S^{-(n+1)/2}` times the SO(n) density (for n = 2
    and ``R = rot(θ)``, ``dω = √2 dθ``: :math:`\tfrac14 \det S^{-3/2} dS\,dθ`, REFERENCES).

    Accuracy limit. The coordinates are the entries of ``S = g g^T``, whose condition number is
    :math:`κ(g)^2`: rounding the entries to ``eps`` already moves the smallest eigenvalue of
    ``S`` by ``eps κ(g)^2`` relative, and with it ``from_coords``, ``to_coords`` and the density.
    Measured residual of the invariance law (log density, left and right translations by
    elements of norm ~0.3, float64, worst of 5 elements; ``tests/liegeom/test_charts.py``):

    ==========  ==============  ==============  ======================================
    κ(g)        PolarChart n=2  PolarChart n=3  PolarExpChart / IwasawaChart (n = 2, 3)
    ==========  ==============  ==============  ======================================
    1e2         2e-12           2e-11           <= 1e-13
    1e4         1e-8            8e-8            <= 5e-12
    1e6         1e-4            2e-2            <= 3e-10
    2e6         5e-4            6e-2            <= 2e-9
    ==========  ==============  ==============  ======================================

    That is about ``eps κ(g)^2`` for n = 2 and up to ``100 eps κ(g)^2`` for n = 3. Use
    :class:`PolarExpChart` (coordinates ``log P``, error ~ ``eps κ(g)``) for ill-conditioned
    elements; this chart exists for the literature's form of the density (``dS`` coordinates).
    """

    def __init__(self, group):
        super().__init__(group)
        if self.traceless:
            raise ValueError(
                f"PolarChart parametrizes S = g g^T by all its entries and needs GLPlus(n); "
                f"got {group!r} (use PolarExpChart for SL(n))"
            )

    def _S(self, z):
        n = self.n
        i, j = _upper(n)
        S = torch.diag_embed(z[..., :n])
        off = torch.zeros_like(S)
        off[..., i, j] = z[..., n : self.dim - self.k]
        return S + off + off.mT

    def from_coords(self, z):
        z = self._z(z)
        return la.spd_sqrt(self._S(z)) @ _rot_from_coords(z[..., self.dim - self.k :], self.n)

    def to_coords(self, g):
        P, R = polar(self._g(g))
        S = P @ P.mT
        i, j = _upper(self.n)
        return torch.cat([torch.diagonal(S, dim1=-2, dim2=-1), S[..., i, j], _rot_coords(R)], -1)

    def log_haar_density_noncompact(self, z):
        n = self.n
        const = -(n + n * (n - 1) / 4) * math.log(2)
        return const - 0.5 * (n + 1) * torch.logdet(self._S(self._z(z)))

    def log_haar_density(self, z):
        return self.log_haar_density_noncompact(z) + log_so_exp_density(
            z[..., self.dim - self.k :], self.n
        )


class IwasawaChart(_LinearChart):
    r"""``g = K diag(e^h) N``: ``z = (exp coords of K, h, N_ij (i<j, row-major))``.

    Haar density :math:`2^{-n(n-1)/4} a^{2\rho}` times the SO(n) density of ``K``, with
    :math:`a^{2\rho} = \prod_{i<j} e^{h_i - h_j}` (REFERENCES: ``dg = a^{2ρ} dk da dn``; the
    constant comes from the non-orthogonal splitting so ⊕ n at the identity).
    """

    def from_coords(self, z):
        z = self._z(z)
        n, k, p = self.n, self.k, self.p
        K = _rot_from_coords(z[..., :k], n)
        a = torch.exp(_diag_from_coords(z[..., k : k + p], n, self.traceless))
        i, j = _upper(n)
        N = torch.eye(n, dtype=z.dtype, device=z.device).expand(*z.shape[:-1], n, n).clone()
        N[..., i, j] = z[..., k + p :]
        return K @ (a[..., :, None] * N)

    def to_coords(self, g):
        K, A_, N = iwasawa(self._g(g))
        h = _diag_coords(torch.log(torch.diagonal(A_, dim1=-2, dim2=-1)), self.traceless)
        i, j = _upper(self.n)
        return torch.cat([_rot_coords(K), h, N[..., i, j]], -1)

    def log_haar_density_noncompact(self, z):
        z = self._z(z)
        n, k, p = self.n, self.k, self.p
        h = _diag_from_coords(z[..., k : k + p], n, self.traceless)
        return _pairs(h, torch.sub).sum(-1) - n * (n - 1) / 4 * math.log(2)

    def log_haar_density(self, z):
        return self.log_haar_density_noncompact(z) + log_so_exp_density(z[..., : self.k], self.n)


class KAKChart(_LinearChart):
    r"""``g = K1 diag(e^h) K2``: ``z = (exp coords of K1, h decreasing, exp coords of K2)``.

    Haar density :math:`\prod_{i<j} |\sinh(h_i - h_j)|` times the SO(n) densities of ``K1`` and
    ``K2`` (REFERENCES: ∝ ``Π |sinh(h_i - h_j)|``; ``sinh 2t`` for SL(2), ``h = (t, -t)``).
    """

    def from_coords(self, z):
        z = self._z(z)
        n, k, p = self.n, self.k, self.p
        a = torch.exp(_diag_from_coords(z[..., k : k + p], n, self.traceless))
        K1 = _rot_from_coords(z[..., :k], n)
        K2 = _rot_from_coords(z[..., k + p :], n)
        return (K1 * a[..., None, :]) @ K2

    def to_coords(self, g):
        K1, A_, K2 = kak(self._g(g))
        # The ambiguity (K1 M, M K2), M = diag(±1) with det 1: flip the columns of K1 with a
        # negative diagonal entry; with an odd count, keep the one of smallest |entry|.
        d = torch.diagonal(K1, dim1=-2, dim2=-1).detach()
        flip = d < 0
        odd = flip.sum(-1) % 2 == 1
        keep = torch.where(flip, d.abs(), torch.full_like(d, math.inf)).argmin(-1)
        unflip = torch.nn.functional.one_hot(keep, self.n).bool() & odd[..., None]
        m = torch.where(flip & ~unflip, -1.0, 1.0).to(g.dtype)
        K1 = K1 * m[..., None, :]
        K2 = K2 * m[..., :, None]
        h = _diag_coords(torch.log(torch.diagonal(A_, dim1=-2, dim2=-1)), self.traceless)
        return torch.cat([_rot_coords(K1), h, _rot_coords(K2)], -1)

    def log_haar_density_noncompact(self, z):
        z = self._z(z)
        n, k, p = self.n, self.k, self.p
        h = _diag_from_coords(z[..., k : k + p], n, self.traceless)
        return _log_abs_sinh(_pairs(h, torch.sub)).sum(-1)

    def log_haar_density(self, z):
        k, p = self.k, self.p
        return (
            self.log_haar_density_noncompact(z)
            + log_so_exp_density(z[..., :k], self.n)
            + log_so_exp_density(z[..., k + p :], self.n)
        )


class RotationScalingChart(Chart):
    r"""``g = e^t R`` of :class:`~liegeom.groups.RotationScaling`: ``z = (t, w) = vee(log g)``.

    ``t = log s`` and ``w`` are the exponential coordinates of ``R`` in the basis of
    ``SO(n).hat`` (for n = 2 the angle θ, for n = 3 the rotation vector), principal branch
    (rotation angles below π). Haar density :math:`\sqrt{n}\, 2^{k/2}\, \rho_{SO}(w)`,
    ``k = n(n-1)/2``: ``I`` has norm :math:`\sqrt n` and each SO(n) basis matrix norm
    :math:`\sqrt2` for :math:`\operatorname{tr}(X^T Y)`, and :math:`\rho_{SO}` is the
    exponential-coordinate density of :func:`log_so_exp_density`. For n = 2 the density is the
    constant 2: Haar ∝ ``d(log s) dθ`` (C*, REFERENCES).

    Examples
    --------
    >>> from liegeom.groups import RotationScaling
    >>> chart = RotationScalingChart(RotationScaling(2))
    >>> z = torch.tensor([[0.5, 1.0]], dtype=torch.float64)
    >>> torch.allclose(chart.to_coords(chart.from_coords(z)), z)
    True
    >>> chart.log_haar_density(z).exp()
    tensor([2.], dtype=torch.float64)
    """

    traceless = False

    def __init__(self, group):
        if not isinstance(group, RotationScaling):
            raise ValueError(f"RotationScalingChart is defined for RotationScaling(n), got "
                             f"{group!r}")
        self.group = group
        self.n = group.n
        self.k = self.n * (self.n - 1) // 2
        self.p = 1
        self.dim = group.dim
        self._so = SO(self.n)

    def from_coords(self, z):
        z = self._z(z)
        return z[..., 0].exp()[..., None, None] * self._so.exp(self._so.hat(z[..., 1:]))

    def to_coords(self, g):
        g = self._g(g)
        s = self.group.scale(g)
        w = self._so.vee(self._so.log(g / s[..., None, None]))
        return torch.cat([s.log()[..., None], w], -1)

    def log_haar_density_noncompact(self, z):
        """``log sqrt(n)``: the scaling factor's share of the density, shape=[...]."""
        z = self._z(z)
        return torch.full_like(z[..., 0], 0.5 * math.log(self.n))

    def log_haar_density(self, z):
        """Log Haar density, shape=[...]."""
        z = self._z(z)
        omega = _skew_coords(self._so.hat(z[..., 1:]))
        return (self.log_haar_density_noncompact(z) + 0.5 * self.k * math.log(2)
                + log_so_exp_density(omega, self.n))

    def _log_det(self, z):
        return self.n * z[..., 0]


class AffineChart(Chart):
    r"""``(x, A)`` of ``Affine(H)``: ``z = (x, coordinates of A in a chart of H)``.

    Left Haar density :math:`|\det A|^{-1} \rho_H(z_H)`, right Haar density :math:`\rho_H(z_H)`
    (from :math:`g^{-1}dg = (A^{-1}dA, A^{-1}dx)` and :math:`dg\,g^{-1} = (dA\,A^{-1},
    dx - dA\,A^{-1}x)`); their ratio is the modular function :math:`|\det A|^{-1}`.

    Parameters
    ----------
    linear_chart : Chart
        A chart of ``H`` (GL+(n), SL(n) or RotationScaling(n)), e.g.
        ``PolarExpChart(GLPlus(2))`` or ``RotationScalingChart(RotationScaling(2))``.
    """

    def __init__(self, linear_chart: _LinearChart | RotationScalingChart):
        if not isinstance(linear_chart, (_LinearChart, RotationScalingChart)):
            raise ValueError(f"expected a chart of GLPlus(n), SL(n) or RotationScaling(n), got "
                             f"{linear_chart!r}")
        self.linear = linear_chart
        self.group = Affine(linear_chart.group)
        self.n = linear_chart.n
        self.dim = self.n + linear_chart.dim

    def __repr__(self) -> str:
        return f"AffineChart({self.linear!r})"

    def from_coords(self, z):
        z = self._z(z)
        return self.group.join(z[..., : self.n], self.linear.from_coords(z[..., self.n :]))

    def to_coords(self, g):
        x, A_ = Affine.split(self._g(g))
        return torch.cat([x, self.linear.to_coords(A_)], -1)

    def log_haar_density(self, z, *, side: str = "left"):
        """Log left (default) or right Haar density, shape=[...]."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        z = self._z(z)
        zh = z[..., self.n :]
        out = self.linear.log_haar_density(zh)
        if side == "left" and not self.linear.traceless:
            out = out - self.linear._log_det(zh)
        return out


# ----------------------------------------------------------------------------- autograd route
def autograd_log_haar_density(chart: Chart, z: torch.Tensor, *, side: str = "left"):
    r"""Haar log density computed numerically: :math:`\tfrac12 \log\det(\Omega^T\Omega)`.

    ``Omega`` holds the flattened Maurer–Cartan components :math:`g^{-1}\partial_i g` (``side=
    "left"``) or :math:`\partial_i g\, g^{-1}` (``"right"``), obtained with
    :func:`torch.autograd.functional.jacobian`. Independent of every closed form; slow.

    Parameters
    ----------
    chart : Chart
    z : torch.Tensor, shape=[..., dim]

    Returns
    -------
    torch.Tensor, shape=[...]
    """
    z = chart._z(z)
    flat = z.reshape(-1, chart.dim)
    out = []
    for zi in flat:
        g = chart.from_coords(zi)
        J = torch.autograd.functional.jacobian(chart.from_coords, zi)  # [s, s, dim]
        gi = torch.linalg.inv(g)
        Om = torch.einsum("ab,bcd->acd", gi, J) if side == "left" else torch.einsum(
            "abd,bc->acd", J, gi)
        Om = Om.reshape(-1, chart.dim)
        out.append(0.5 * torch.logdet(Om.mT @ Om))
    return torch.stack(out).reshape(z.shape[:-1])


def law_residual(chart: Chart, z: torch.Tensor, h: torch.Tensor, *, right: bool = False,
                 side: str | None = None) -> float:
    r"""Residual of the invariance law at one point ``z`` (shape ``[dim]``), translation by ``h``.

    With :math:`z'` the coordinates of :math:`h\,g(z)` (or :math:`g(z)\,h` if ``right``),
    returns :math:`|\log\rho(z') + \log|\det \partial z'/\partial z| - \log\rho(z)
    - \log\Delta|`, where :math:`\Delta = \Delta(h)` for the left density of an affine chart
    under right translation and 1 otherwise. The Jacobian is
    :func:`torch.autograd.functional.jacobian`.
    """
    check_shape(z, [chart.dim], f"a single {type(chart).__name__} coordinate vector")

    def moved(zz):
        g = chart.from_coords(zz)
        return chart.to_coords(g @ h if right else h @ g)

    kw = {} if side is None else {"side": side}
    J = torch.autograd.functional.jacobian(moved, z)
    out = chart.log_haar_density(moved(z), **kw) + torch.linalg.slogdet(J)[1]
    out = out - chart.log_haar_density(z, **kw)
    if isinstance(chart, AffineChart) and right and side != "right":
        out = out + torch.logdet(Affine.split(h)[1])  # log Δ(h) = -log det A_h
    return float(out.abs())

r"""Candidate symmetry types: matrix groups given by their generators, with a sampler.

A :class:`SymmetryGroup` is what the soft-equivariance code needs of a group: the matrices of a
basis of its Lie algebra (for the linear constraints that define the equivariant maps), its
discrete generators (reflections: elements outside the identity component), and a way to draw
elements (Haar samples for compact groups, exponentials of Gaussian Lie-algebra elements for
the non-compact directions). Everything is built from liegeom's public groups: ``SO(n).basis``
and ``SO(n).random_point`` for rotations, ``PositiveDiagonal(n)`` for scalings,
``Affine(SO(n))`` for rigid motions.

liegeom has SO(n) but no O(n): the orthogonal groups here add the reflection
``diag(1, .., 1, -1)`` (det -1) as a discrete generator and sample ``R r`` with ``R`` Haar on
SO(n) and ``r`` the identity or the reflection with probability 1/2 each, which is the Haar
measure of O(n). Axis groups (``O(2)`` or ``SO(2)`` about the z axis of R³) embed liegeom's
SO(2) in the plane orthogonal to the axis.

:func:`lie_group` wraps any matrix group of liegeom (``GLPlus``, ``SL``, ``SO``,
``RotationScaling``, ``PositiveDiagonal``, ``UpperUnitriangular``, ``Affine(...)``): its algebra
basis, and its own ``random_point`` as the sampler (Haar for ``SO(n)``, exponentials of Gaussian
algebra elements for the non-compact groups).

Groups with ``affine=True`` act on points of R^n through homogeneous ``(n+1) x (n+1)``
matrices ``[[R, t], [0, 1]]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from liegeom import SO, SPD, Affine, PositiveDiagonal
from liegeom.groups import MatrixGroup

__all__ = [
    "SymmetryGroup",
    "orthogonal",
    "special_orthogonal",
    "axis_orthogonal",
    "axis_rotations",
    "scaling",
    "product",
    "euclidean",
    "rotations_about_origin",
    "translations",
    "lie_group",
]

Sampler = Callable[[tuple, "torch.Generator | None", torch.dtype, "torch.device | None"],
                   torch.Tensor]


class SymmetryGroup:
    r"""A matrix group by its generators, with a sampler of its elements.

    Parameters
    ----------
    name : str
        Display name, e.g. ``"O(2)_z"``.
    algebra : torch.Tensor, shape=[k, s, s]
        A basis of the Lie algebra (``k = 0`` for a finite group).
    discrete : torch.Tensor, shape=[m, s, s]
        Discrete generators: together with ``exp`` of the algebra they generate the group.
    sampler : callable
        ``sampler(batch_shape, generator, dtype, device)`` returning elements of shape
        ``[*batch_shape, s, s]``.
    compact : bool
        Whether ``sampler`` draws from the Haar probability measure of a compact group (then the
        Haar average of an orthogonal representation is the projector onto its fixed points).
    affine : bool
        Whether elements are homogeneous matrices acting on points of R^(s-1).

    Examples
    --------
    >>> G = axis_orthogonal(2)
    >>> G.name, G.size, G.algebra.shape[0], G.discrete.shape[0]
    ('O(2)_z', 3, 1, 1)
    >>> g = G.sample((4,), generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(g[:, 2, 2], torch.ones(4, dtype=g.dtype)))
    True
    """

    def __init__(self, name: str, algebra: torch.Tensor, discrete: torch.Tensor,
                 sampler: Sampler, *, compact: bool, affine: bool = False):
        if not isinstance(name, str) or not name:
            raise TypeError(f"expected a non-empty name, got {name!r}")
        for label, t in (("algebra", algebra), ("discrete", discrete)):
            if not isinstance(t, torch.Tensor) or t.dim() != 3 or t.shape[-1] != t.shape[-2]:
                got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
                raise ValueError(f"expected {label} generators of shape [k, s, s], got {got}")
        if algebra.shape[-1] != discrete.shape[-1]:
            raise ValueError(f"algebra and discrete generators must have one size, got "
                             f"{algebra.shape[-1]} and {discrete.shape[-1]}")
        if algebra.shape[0] + discrete.shape[0] == 0:
            raise ValueError(f"{name}: expected at least one generator, got none")
        self.name = name
        self.algebra = algebra.to(torch.float64)
        self.discrete = discrete.to(torch.float64)
        self._sampler = sampler
        self.compact = bool(compact)
        self.affine = bool(affine)

    @property
    def size(self) -> int:
        """Matrix size ``s`` of the elements (``n``, or ``n + 1`` for affine groups)."""
        return self.algebra.shape[-1]

    @property
    def n(self) -> int:
        """Dimension of the space the group acts on (``size - 1`` for affine groups)."""
        return self.size - 1 if self.affine else self.size

    def sample(self, batch_shape=(), *, generator: torch.Generator | None = None,
               dtype: torch.dtype = torch.float64, device=None) -> torch.Tensor:
        """Draw elements, shape=[*batch_shape, size, size]."""
        shape = (batch_shape,) if isinstance(batch_shape, int) else tuple(batch_shape)
        g = self._sampler(shape, generator, dtype, device)
        if g.shape != (*shape, self.size, self.size):
            raise RuntimeError(f"{self.name}: sampler returned shape {tuple(g.shape)}, expected "
                               f"{(*shape, self.size, self.size)}")
        return g

    def __repr__(self) -> str:
        return f"SymmetryGroup({self.name!r}, size={self.size})"


def _sign_flip(n: int, k: int = 1) -> torch.Tensor:
    d = torch.ones(n, dtype=torch.float64)
    d[n - k:] = -1
    return torch.diag(d)


def _check_n(n, least: int = 2) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < least:
        raise ValueError(f"expected an integer dimension n >= {least}, got {n!r}")
    return n


def _random_signs(shape, generator, dtype, device):
    u = torch.rand(shape, generator=generator, device=device)
    return torch.where(u < 0.5, -1.0, 1.0).to(dtype)


def orthogonal(n: int = 3) -> SymmetryGroup:
    """O(n): rotations and reflections; Haar samples ``R diag(1, .., 1, ±1)``."""
    _check_n(n)
    refl = _sign_flip(n)

    def sampler(shape, generator, dtype, device):
        R = SO(n).random_point(shape, generator=generator, dtype=dtype, device=device)
        s = _random_signs(shape, generator, dtype, device)
        return torch.cat([R[..., :-1], R[..., -1:] * s[..., None, None]], -1)

    return SymmetryGroup(f"O({n})", SO(n).basis, refl[None], sampler, compact=True)


def special_orthogonal(n: int = 3) -> SymmetryGroup:
    """SO(n) with Haar samples from ``liegeom.SO(n).random_point``."""
    _check_n(n)

    def sampler(shape, generator, dtype, device):
        return SO(n).random_point(shape, generator=generator, dtype=dtype, device=device)

    return SymmetryGroup(f"SO({n})", SO(n).basis, torch.zeros(0, n, n), sampler, compact=True)


_AXES = "xyz"


def _plane(axis: int, n: int) -> list[int]:
    if isinstance(axis, bool) or not isinstance(axis, int) or not 0 <= axis < n:
        raise ValueError(f"expected an axis index in [0, {n}), got {axis!r}")
    return [i for i in range(n) if i != axis]


def _embed(M2: torch.Tensor, plane: list[int], n: int) -> torch.Tensor:
    """Embed 2x2 blocks into n x n identities at rows/columns ``plane``."""
    out = torch.eye(n, dtype=M2.dtype, device=M2.device).expand(*M2.shape[:-2], n, n).clone()
    for a, i in enumerate(plane):
        for b, j in enumerate(plane):
            out[..., i, j] = M2[..., a, b]
    return out


def _axis_group(axis: int, n: int, reflections: bool) -> SymmetryGroup:
    _check_n(n, 3)
    plane = _plane(axis, n)
    gen = torch.zeros(1, n, n, dtype=torch.float64)
    L = SO(2).basis[0]
    for a, i in enumerate(plane):
        for b, j in enumerate(plane):
            gen[0, i, j] = L[a, b]
    refl = torch.eye(n, dtype=torch.float64)
    refl[plane[1], plane[1]] = -1  # flips one in-plane coordinate, fixes the axis: det -1

    def sampler(shape, generator, dtype, device):
        R2 = SO(2).random_point(shape, generator=generator, dtype=dtype, device=device)
        if reflections:
            s = _random_signs(shape, generator, dtype, device)
            R2 = torch.cat([R2[..., :1], R2[..., 1:] * s[..., None, None]], -1)
        return _embed(R2, plane, n)

    label = _AXES[axis] if n == 3 else str(axis)
    name = f"{'O' if reflections else 'SO'}(2)_{label}"
    disc = refl[None] if reflections else torch.zeros(0, n, n)
    return SymmetryGroup(name, gen, disc, sampler, compact=True)


def axis_orthogonal(axis: int = 2, n: int = 3) -> SymmetryGroup:
    """O(2) about a coordinate axis of R^n: rotations in the orthogonal plane and the reflections
    through planes that contain the axis (``O(2)_z`` fixes ``e_z``; the paper's ``O(2)_xy``)."""
    return _axis_group(axis, n, True)


def axis_rotations(axis: int = 2, n: int = 3) -> SymmetryGroup:
    """SO(2) about a coordinate axis of R^n (rotations only)."""
    return _axis_group(axis, n, False)


def scaling(n: int = 3, *, scale: float = 0.5) -> SymmetryGroup:
    """Positive scalings ``e^t I`` (non-compact); samples ``t ~ N(0, scale^2)``, exponentiated
    with liegeom's ``PositiveDiagonal(n)`` (the scalings are the diagonal of its algebra)."""
    _check_n(n, 1)
    if not scale > 0:
        raise ValueError(f"expected scale > 0, got {scale!r}")
    An = PositiveDiagonal(n)

    def sampler(shape, generator, dtype, device):
        t = scale * torch.randn(*shape, 1, generator=generator, dtype=dtype, device=device)
        return An.exp(An.hat(t.expand(*shape, n)))

    return SymmetryGroup(f"Scaling({n})", torch.eye(n, dtype=torch.float64)[None],
                         torch.zeros(0, n, n), sampler, compact=False)


def product(*groups: SymmetryGroup, name: str | None = None) -> SymmetryGroup:
    """Group generated by commuting (or semidirect) factors acting on one space; samples are
    products ``g_1 g_2 ...`` of independent samples (the Haar measure when all are compact and
    the product is direct)."""
    if not groups:
        raise ValueError("expected at least one group for product(), got none")
    for g in groups:
        if not isinstance(g, SymmetryGroup):
            raise TypeError(f"expected SymmetryGroup factors, got {type(g).__name__}")
    sizes = {g.size for g in groups}
    if len(sizes) != 1 or len({g.affine for g in groups}) != 1:
        raise ValueError("expected factors acting on one space, got sizes "
                         f"{[g.size for g in groups]} (affine {[g.affine for g in groups]})")

    def sampler(shape, generator, dtype, device):
        out = None
        for g in groups:
            s = g.sample(shape, generator=generator, dtype=dtype, device=device)
            out = s if out is None else out @ s
        return out

    return SymmetryGroup(name or "×".join(g.name for g in groups),
                         torch.cat([g.algebra for g in groups]),
                         torch.cat([g.discrete for g in groups]), sampler,
                         compact=all(g.compact for g in groups), affine=groups[0].affine)


def euclidean(n: int = 3, *, translation_scale: float = 1.0) -> SymmetryGroup:
    """SE(n) = R^n ⋊ SO(n) on points, as liegeom's ``Affine(SO(n))``: Haar rotations and
    Gaussian translations ``N(0, translation_scale^2 I)`` (there is no Haar probability on R^n,
    so the translation scale is part of what an equivariance error means)."""
    _check_n(n)
    G = Affine(SO(n))

    def sampler(shape, generator, dtype, device):
        return G.random_point(shape, distribution="haar", scale=translation_scale,
                              generator=generator, dtype=dtype, device=device)

    return SymmetryGroup(f"SE({n})", G.basis, torch.zeros(0, n + 1, n + 1), sampler,
                         compact=False, affine=True)


def rotations_about_origin(n: int = 3) -> SymmetryGroup:
    """SO(n) acting on points (homogeneous matrices ``[[R, 0], [0, 1]]``)."""
    _check_n(n)
    G = Affine(SO(n))

    def sampler(shape, generator, dtype, device):
        R = SO(n).random_point(shape, generator=generator, dtype=dtype, device=device)
        return G.join(torch.zeros(*shape, n, dtype=dtype, device=device), R)

    return SymmetryGroup(f"SO({n})", G.basis[n:], torch.zeros(0, n + 1, n + 1), sampler,
                         compact=True, affine=True)


def translations(n: int = 3, *, scale: float = 1.0) -> SymmetryGroup:
    """Translations R^n acting on points; samples ``t ~ N(0, scale^2 I)``."""
    _check_n(n, 1)
    G = Affine(SO(n)) if n >= 2 else None

    def sampler(shape, generator, dtype, device):
        t = scale * torch.randn(*shape, n, generator=generator, dtype=dtype, device=device)
        out = torch.eye(n + 1, dtype=dtype, device=device).expand(*shape, n + 1, n + 1).clone()
        out[..., :n, n] = t
        return out

    basis = G.basis[:n] if G is not None else torch.tensor([[[0.0, 1.0], [0.0, 0.0]]])
    return SymmetryGroup(f"T({n})", basis, torch.zeros(0, n + 1, n + 1), sampler,
                         compact=False, affine=True)


def lie_group(group: MatrixGroup, *, name: str | None = None, scale: float = 0.5,
              distribution: str | None = None) -> SymmetryGroup:
    """A candidate type from any liegeom matrix group acting by matrix multiplication.

    Parameters
    ----------
    group : liegeom.groups.MatrixGroup
        Not ``SPD`` (its log-Euclidean product is not the matrix product).
    name : str, optional
        Defaults to ``group.name``.
    scale, distribution
        Passed to ``group.random_point`` (its default distribution: Haar for ``SO(n)``,
        ``exp(hat(v))`` with ``v ~ N(0, scale^2 I)`` for non-compact groups).

    Examples
    --------
    >>> from liegeom import SL
    >>> G = lie_group(SL(3))
    >>> G.name, G.size, G.algebra.shape[0], G.compact
    ('SL(3)', 3, 8, False)
    >>> g = G.sample((5,), generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(torch.linalg.det(g), torch.ones(5, dtype=g.dtype)))
    True
    """
    if not isinstance(group, MatrixGroup):
        raise TypeError(f"expected a liegeom matrix group (liegeom.groups.MatrixGroup), got "
                        f"{type(group).__name__}")
    if isinstance(group, SPD):
        raise ValueError(f"expected a group whose product is the matrix product, got "
                         f"{group.name} (log-Euclidean product)")
    if not (isinstance(scale, (int, float)) and not isinstance(scale, bool) and scale > 0):
        raise ValueError(f"expected scale > 0, got {scale!r}")
    group.random_point((1,), distribution=distribution, scale=scale)  # names a bad distribution

    def sampler(shape, generator, dtype, device):
        return group.random_point(shape, distribution=distribution, scale=scale,
                                  generator=generator, dtype=dtype, device=device)

    size = group.size
    return SymmetryGroup(name or group.name, group.basis, torch.zeros(0, size, size), sampler,
                         compact=isinstance(group, SO) and distribution in (None, "haar"),
                         affine=isinstance(group, Affine))


def _as_groups(groups: Sequence[SymmetryGroup] | SymmetryGroup) -> list[SymmetryGroup]:
    if isinstance(groups, SymmetryGroup):
        return [groups]
    return list(groups)

r"""Hypothesis strategies for liegeom groups: elements, algebra elements, rotations, SPD matrices.

Every number is drawn by hypothesis (never by torch's random generator), so failing examples
shrink: radii shrink towards 0, i.e. towards the identity, and condition numbers towards their
lower bound. Elements are built in float64 and then cast to ``dtype``, so float32 draws are
group elements to float32 rounding.

Examples
--------
>>> from hypothesis import given
>>> from liegeom.groups import SO
>>> @given(group_elements(SO(3), batch_shape=(4,)))
... def test_inverse(g):
...     assert torch.allclose(g @ g.mT, torch.eye(3, dtype=g.dtype).expand(4, 3, 3))
>>> test_inverse()
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays

from .. import _linalg as la
from ..groups import SL, SO, SPD, Affine, GLPlus, MatrixGroup, PositiveDiagonal

__all__ = ["group_elements", "algebra_elements", "rotations", "spd_matrices", "from_group"]

_DTYPES = (torch.float32, torch.float64)


def _check_group(group, fname: str) -> None:
    if isinstance(group, type) and issubclass(group, MatrixGroup):
        raise InvalidArgument(
            f"{fname}(group=...) expects a group instance such as {group.__name__}(3), got the "
            f"class {group.__name__}; call it with the matrix size"
        )
    if not isinstance(group, MatrixGroup):
        raise InvalidArgument(
            f"{fname}(group=...) expects a liegeom.groups group such as SO(3) or "
            f"Affine(GLPlus(2)), got {group!r} of type {type(group).__name__}"
        )


def _check_batch_shape(batch_shape, fname: str) -> tuple[int, ...]:
    if isinstance(batch_shape, int) and not isinstance(batch_shape, bool):
        batch_shape = (batch_shape,)
    if not isinstance(batch_shape, (tuple, list)) or not all(
        isinstance(b, int) and not isinstance(b, bool) and b >= 0 for b in batch_shape
    ):
        raise InvalidArgument(
            f"{fname}(batch_shape=...) expects a tuple of non-negative ints such as (4,) or (), "
            f"got {batch_shape!r}"
        )
    return tuple(batch_shape)


def _check_dtype(dtype, fname: str) -> None:
    if dtype not in _DTYPES:
        raise InvalidArgument(
            f"{fname}(dtype=...) expects torch.float32 or torch.float64, got {dtype!r}"
        )


def _check_positive(value, name: str, fname: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        math.isfinite(value) and value > 0
    ):
        raise InvalidArgument(f"{fname}({name}=...) expects a finite number > 0, got {value!r}")
    return float(value)


def _floats(lo: float, hi: float) -> st.SearchStrategy:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


def _vectors(shape: tuple[int, ...], lo: float, hi: float) -> st.SearchStrategy:
    return arrays(np.float64, shape, elements=_floats(lo, hi)).map(torch.from_numpy)


@st.composite
def _ball(draw, shape: tuple[int, ...], dim: int, radius: float):
    """Vectors of Euclidean norm <= radius: a drawn direction times a drawn radius."""
    if dim == 0:
        return torch.zeros(*shape, 0, dtype=torch.float64)
    u = draw(_vectors((*shape, dim), -1.0, 1.0))
    r = draw(_vectors(shape, 0.0, radius))
    norm = u.norm(dim=-1, keepdim=True)
    e1 = torch.zeros(dim, dtype=torch.float64)
    e1[0] = 1
    u = torch.where(norm > 1e-3, u / norm.clamp_min(1e-3), e1)
    return r[..., None] * u


def _has_spectrum(group: MatrixGroup) -> bool:
    H = group.H if isinstance(group, Affine) else group
    return isinstance(H, (GLPlus, SPD, PositiveDiagonal))


@st.composite
def _spectrum(draw, shape, n: int, dtype: torch.dtype, centred: bool):
    """Log-eigenvalues spanning exactly ``log(cond)``, cond drawn in a dtype-dependent range."""
    lo, hi = (1e2, 1e6) if dtype == torch.float64 else (1e1, 1e3)
    c = draw(_floats(math.log(lo), math.log(hi)))
    t = draw(_vectors((*shape, n), -0.5, 0.5))
    t[..., 0], t[..., -1] = 0.5, -0.5
    if centred:
        t = t - t.mean(-1, keepdim=True)
    return c * t


@st.composite
def _element(draw, group, shape, radius, ill, dtype):
    if isinstance(group, Affine):
        x = draw(_ball(shape, group.n, radius))
        Ah = draw(_element(group.H, shape, radius, ill, dtype))
        return group.join(x, Ah)
    v = draw(_ball(shape, group.dim, radius))
    X = group.hat(v)
    if not ill:
        if isinstance(group, GLPlus):  # polar form exp(sym X) exp(skew X) covers all of GL+
            return la.spd_exp(la.sym(X)) @ torch.linalg.matrix_exp(la.skew(X))
        return group.exp(X)
    n = group.n
    Q = SO(n).exp(SO(n).hat(draw(_ball(shape, SO(n).dim, math.pi))))
    lam = draw(_spectrum(shape, n, dtype, centred=isinstance(group, SL)))
    if isinstance(group, PositiveDiagonal):
        return torch.diag_embed(lam.exp())
    P = (Q * lam.exp()[..., None, :]) @ Q.mT
    if isinstance(group, SPD):
        return la.sym(P)
    return P @ torch.linalg.matrix_exp(la.skew(X))


def group_elements(
    group: MatrixGroup,
    *,
    batch_shape: tuple[int, ...] = (),
    near_identity: bool = False,
    ill_conditioned: bool = False,
    max_norm: float = 2.0,
    dtype: torch.dtype = torch.float64,
) -> st.SearchStrategy[torch.Tensor]:
    r"""Generates batches of elements of ``group``.

    Elements are ``exp`` of algebra elements whose coordinates have Euclidean norm at most
    ``max_norm`` (for GL+(n) and SL(n), the polar form ``exp(sym X) exp(skew X)``, which reaches
    every element as ``max_norm`` grows). The radius shrinks towards 0, the identity.

    Parameters
    ----------
    group : MatrixGroup
        An instance, e.g. ``SO(3)`` or ``Affine(GLPlus(2))``.
    batch_shape : tuple of int
        Leading shape of the generated tensor; ``()`` for a single element.
    near_identity : bool
        Radius at most ``1e-3`` (including exactly the identity), to probe Taylor branches.
    ill_conditioned : bool
        Condition number between ``1e2`` and ``1e6`` (float64) or ``1e1`` and ``1e3``
        (float32), attained exactly. Only for groups with a spectrum to spread: GL+(n), SL(n),
        SPD(n), PositiveDiagonal(n) and affine groups over them.
    max_norm : float
        Bound on the norm of the algebra coordinates (ignored with ``near_identity``).
    dtype : torch.dtype
        ``torch.float64`` or ``torch.float32``.

    Returns
    -------
    SearchStrategy[torch.Tensor]
        Tensors of shape ``[*batch_shape, group.size, group.size]``.

    Examples
    --------
    >>> from liegeom.groups import GLPlus
    >>> strategy = group_elements(GLPlus(2), batch_shape=(3,), ill_conditioned=True)
    """
    fname = "group_elements"
    _check_group(group, fname)
    shape = _check_batch_shape(batch_shape, fname)
    _check_dtype(dtype, fname)
    radius = _check_positive(max_norm, "max_norm", fname)
    if near_identity and ill_conditioned:
        raise InvalidArgument(
            "group_elements(near_identity=True, ill_conditioned=True) asks for elements both "
            "near the identity and far from it; pass at most one of them"
        )
    if ill_conditioned and not _has_spectrum(group):
        raise InvalidArgument(
            f"group_elements(ill_conditioned=True) has nothing to spread for {group.name} "
            f"(its elements have condition number bounded by max_norm); drop ill_conditioned "
            f"or use GLPlus, SL, SPD, A or an affine group over them"
        )
    if near_identity:
        radius = 1e-3
    return _element(group, shape, radius, ill_conditioned, dtype).map(lambda g: g.to(dtype))


def algebra_elements(
    group: MatrixGroup,
    *,
    batch_shape: tuple[int, ...] = (),
    max_norm: float = 2.0,
    dtype: torch.dtype = torch.float64,
) -> st.SearchStrategy[torch.Tensor]:
    r"""Generates Lie-algebra elements of ``group`` as matrices, ``group.hat(v)``.

    Parameters
    ----------
    group : MatrixGroup
        An instance, e.g. ``SL(2)``.
    batch_shape : tuple of int
        Leading shape; ``()`` for one element.
    max_norm : float
        Bound on the Euclidean norm of the coordinates ``v`` (shrinks towards 0).
    dtype : torch.dtype
        ``torch.float64`` or ``torch.float32``.

    Returns
    -------
    SearchStrategy[torch.Tensor]
        Tensors of shape ``[*batch_shape, group.size, group.size]``.

    Examples
    --------
    >>> from liegeom.groups import SL
    >>> strategy = algebra_elements(SL(2), max_norm=1.0)
    """
    fname = "algebra_elements"
    _check_group(group, fname)
    shape = _check_batch_shape(batch_shape, fname)
    _check_dtype(dtype, fname)
    radius = _check_positive(max_norm, "max_norm", fname)
    return _ball(shape, group.dim, radius).map(lambda v: group.hat(v).to(dtype))


def rotations(
    n: int,
    *,
    batch_shape: tuple[int, ...] = (),
    max_angle: float = math.pi,
    dtype: torch.dtype = torch.float64,
) -> st.SearchStrategy[torch.Tensor]:
    r"""Generates rotations in SO(n), ``exp(hat(v))`` with ``|v| <= max_angle``.

    For n = 3, ``|v|`` is the rotation angle: the default reaches every rotation, including
    angle exactly π (a boundary hypothesis tries early). Shrinks towards the identity.

    Parameters
    ----------
    n : int
        Matrix size, at least 2.
    batch_shape : tuple of int
        Leading shape; ``()`` for one rotation.
    max_angle : float
        Bound on the norm of the rotation vector.
    dtype : torch.dtype
        ``torch.float64`` or ``torch.float32``.

    Returns
    -------
    SearchStrategy[torch.Tensor]
        Tensors of shape ``[*batch_shape, n, n]``.

    Examples
    --------
    >>> strategy = rotations(3, batch_shape=(2, 5))
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise InvalidArgument(f"rotations(n=...) expects an integer n >= 2, got {n!r}")
    return group_elements(SO(n), batch_shape=batch_shape, max_norm=max_angle, dtype=dtype)


def spd_matrices(
    n: int,
    *,
    batch_shape: tuple[int, ...] = (),
    ill_conditioned: bool = False,
    max_norm: float = 2.0,
    dtype: torch.dtype = torch.float64,
) -> st.SearchStrategy[torch.Tensor]:
    r"""Generates symmetric positive-definite matrices ``exp(X)``, ``X`` symmetric.

    Parameters
    ----------
    n : int
        Matrix size, at least 1.
    batch_shape : tuple of int
        Leading shape; ``()`` for one matrix.
    ill_conditioned : bool
        Condition number in ``[1e2, 1e6]`` (float64) or ``[1e1, 1e3]`` (float32).
    max_norm : float
        Bound on the Frobenius norm of ``X = log S`` (when not ill-conditioned).
    dtype : torch.dtype
        ``torch.float64`` or ``torch.float32``.

    Returns
    -------
    SearchStrategy[torch.Tensor]
        Tensors of shape ``[*batch_shape, n, n]``.

    Examples
    --------
    >>> strategy = spd_matrices(3, ill_conditioned=True)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgument(f"spd_matrices(n=...) expects an integer n >= 1, got {n!r}")
    return group_elements(SPD(n), batch_shape=batch_shape, ill_conditioned=ill_conditioned,
                          max_norm=max_norm, dtype=dtype)


def from_group(group: MatrixGroup) -> st.SearchStrategy[torch.Tensor]:
    r"""Generates single elements of ``group`` with the default options.

    The analogue of ``hypothesis.extra.numpy.from_dtype``: shorthand for
    ``group_elements(group)``.

    Parameters
    ----------
    group : MatrixGroup
        An instance, e.g. ``UpperUnitriangular(3)``.

    Returns
    -------
    SearchStrategy[torch.Tensor]
        Tensors of shape ``[group.size, group.size]``.

    Examples
    --------
    >>> from liegeom.groups import UpperUnitriangular
    >>> strategy = from_group(UpperUnitriangular(3))
    """
    _check_group(group, "from_group")
    return group_elements(group)

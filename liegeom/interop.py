r"""geomstats and numpy interop: matching spaces and conversions.

geomstats is the manifold/statistics partner (SPD metrics, Fréchet means, geodesics). The
matching spaces are:

================  ==============================================================
liegeom           geomstats (2.8)
================  ==============================================================
``GLPlus(n)``     ``GeneralLinear(n, positive_det=True)``
``SPD(n)``        ``SPDMatrices(n)`` (affine-invariant, log-Euclidean, ... metrics)
``SO(n)``         ``SpecialOrthogonal(n, point_type="matrix")``
================  ==============================================================

geomstats is imported lazily, with ``GEOMSTATS_BACKEND=numpy`` unless the caller chose a
backend before. Do not sample rotations with geomstats' ``SpecialOrthogonal.random_uniform``:
it is not Haar (QR without the sign correction); use :func:`liegeom.sampling.haar_so`.

Examples
--------
>>> import torch
>>> from liegeom.groups import SPD
>>> S = SPD(2).random_point((3,), generator=torch.Generator().manual_seed(0))
>>> space = to_geomstats(SPD(2))
>>> bool(space.belongs(to_numpy(S)).all())
True
"""

from __future__ import annotations

import os

import numpy as np
import torch

from .groups import SO, SPD, GLPlus, MatrixGroup

__all__ = ["to_geomstats", "to_numpy", "from_numpy"]


def _import_geomstats():
    os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")
    import geomstats.geometry.general_linear as gl
    import geomstats.geometry.spd_matrices as spd
    import geomstats.geometry.special_orthogonal as so

    return gl, spd, so


def to_geomstats(group: MatrixGroup):
    """The geomstats space matching ``group`` (see the table in the module docstring).

    Raises
    ------
    TypeError
        For groups without a geomstats counterpart (SL(n), PositiveDiagonal(n),
        UpperUnitriangular(n), affine groups).
    """
    gl, spd, so = _import_geomstats()
    if type(group) is GLPlus:
        return gl.GeneralLinear(group.n, positive_det=True)
    if type(group) is SPD:
        return spd.SPDMatrices(group.n)
    if type(group) is SO:
        return so.SpecialOrthogonal(group.n, point_type="matrix")
    raise TypeError(
        f"expected GLPlus(n), SPD(n) or SO(n) (the groups geomstats 2.8 has), got {group!r}"
    )


def to_numpy(x: torch.Tensor) -> np.ndarray:
    """A float64 numpy copy of a tensor (detached, on the CPU), same shape."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(x).__name__}")
    return x.detach().to("cpu", torch.float64).numpy().copy()


def from_numpy(a, *, dtype: torch.dtype = torch.float64, device=None) -> torch.Tensor:
    """A tensor from a numpy array (or anything ``np.asarray`` takes), same shape."""
    arr = np.asarray(a)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"expected a floating-point array, got dtype {arr.dtype}")
    return torch.as_tensor(np.ascontiguousarray(arr), dtype=dtype, device=device)

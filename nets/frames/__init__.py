"""Frame averaging (Puny et al., ICLR 2022): exact invariance and equivariance for any backbone.

Frames take liegeom's groups as their argument, so that one name means one group:
:class:`OrthogonalFrame` (``liegeom.SO(d)``; ``reflections=True`` for O(d),
``translations=True`` or ``liegeom.Affine(liegeom.SO(d))`` for SE(d) / E(d)) with exact
handling of tied spectra, and :class:`AffineFrame` (``liegeom.GLPlus(d)``,
``liegeom.Affine(liegeom.GLPlus(d))``). Graphs: :class:`PermutationFrame`. Wrap a backbone
with :class:`FrameAveraging`.
"""

from ._core import (
    FrameAveraging,
    FrameDegeneracyError,
    FrameDegeneracyWarning,
    FrameSet,
    frame_mean,
)
from ._permutation import PermutationFrame, node_keys
from ._point import AffineFrame, OrthogonalFrame

__all__ = [
    "FrameAveraging",
    "FrameSet",
    "frame_mean",
    "FrameDegeneracyWarning",
    "FrameDegeneracyError",
    "OrthogonalFrame",
    "AffineFrame",
    "PermutationFrame",
    "node_keys",
]

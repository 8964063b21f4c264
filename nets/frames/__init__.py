"""Frame averaging (Puny et al., ICLR 2022): exact invariance and equivariance for any backbone.

Point clouds: :class:`OrthogonalFrame` (``O(d)``, ``SO(d)``, ``E(d)``, ``SE(d)``) with exact
handling of tied spectra, and :class:`AffineFrame` (``GLPlus(d)``, ``AffineGLPlus(d)``).
Graphs: :class:`PermutationFrame`. Wrap a backbone with :class:`FrameAveraging`.
"""

from ._core import (
    FrameAveraging,
    FrameDegeneracyError,
    FrameDegeneracyWarning,
    FrameSet,
    frame_mean,
)
from ._permutation import PermutationFrame, node_keys
from ._point import SE, SO, AffineFrame, AffineGLPlus, E, GLPlus, O, OrthogonalFrame

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
    "O",
    "SO",
    "E",
    "SE",
    "GLPlus",
    "AffineGLPlus",
]

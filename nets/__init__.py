"""nets: torch modules on liegeom — equilibrium propagation and frame averaging."""

from . import ep
from .frames import (
    AffineFrame,
    FrameAveraging,
    FrameDegeneracyWarning,
    OrthogonalFrame,
    PermutationFrame,
)
from .gnn import EGNN, fa_gnn

__version__ = "0.1.0"

__all__: list[str] = []
__all__ += ["FrameAveraging", "FrameDegeneracyWarning", "OrthogonalFrame", "AffineFrame",
            "PermutationFrame", "EGNN", "fa_gnn"]
__all__ += ["ep"]

"""nets: torch modules on liegeom — equilibrium propagation and frame averaging."""

from symkit import __version__ as __version__  # defined once, in symkit

from . import ep, soft
from .frames import (
    AffineFrame,
    FrameAveraging,
    FrameDegeneracyWarning,
    OrthogonalFrame,
    PermutationFrame,
)
from .gnn import EGNN, fa_gnn

__all__: list[str] = []
__all__ += ["FrameAveraging", "FrameDegeneracyWarning", "OrthogonalFrame", "AffineFrame",
            "PermutationFrame", "EGNN", "fa_gnn"]
__all__ += ["ep", "soft"]

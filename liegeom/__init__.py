"""liegeom: Lie groups GL+(n), SL(n), SO(n), SPD(n) and affine groups as batched torch objects."""

from . import testing

__version__ = "0.1.0"

__all__ = ["testing"]

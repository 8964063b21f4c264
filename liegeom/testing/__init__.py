"""Testing helpers that ship with liegeom: equivariance checks and hypothesis strategies.

``liegeom.testing.strategies`` imports hypothesis; import it explicitly where you need it.
"""

from .equivariance import EquivarianceError, assert_equivariant, equivariance_error

__all__ = ["equivariance_error", "assert_equivariant", "EquivarianceError"]

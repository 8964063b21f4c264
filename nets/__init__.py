"""nets: torch modules on liegeom — equilibrium propagation and frame averaging."""

__version__ = "0.1.0"

__all__: list[str] = []

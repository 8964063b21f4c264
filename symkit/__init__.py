"""symkit: the distribution that holds liegeom, fieldsym and nets.

This package defines what the three share and what must not pull in torch (fieldsym runs
without it): the version, defined here once, and the command-line helper :mod:`symkit.cli`.

>>> import symkit
>>> symkit.__version__.count(".")
2
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

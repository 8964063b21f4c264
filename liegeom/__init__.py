"""liegeom: Lie groups GL+(n), SL(n), SO(n), SPD(n) and affine groups as batched torch objects."""

from symkit import __version__ as __version__  # defined once, in symkit

from . import linalg, testing
from ._checks import GroupMembershipError, check_shape, set_validation, validation_enabled
from .chart_distributions import (
    ChartDistribution,
    Normal,
    RotationChart,
    TruncatedNormal,
    Uniform,
)
from .charts import (
    AffineChart,
    IwasawaChart,
    KAKChart,
    PolarChart,
    PolarExpChart,
    RotationScalingChart,
    so_volume,
)
from .decompositions import (
    iwasawa,
    iwasawa_inverse,
    kak,
    kak_inverse,
    polar,
    polar_inverse,
)
from .distributions import (
    AffineGaussian,
    HaarSO,
    IwasawaGaussian,
    PolarGaussian,
    RotationScalingGaussian,
)
from .groups import (
    SL,
    SO,
    SPD,
    Affine,
    GLPlus,
    MatrixGroup,
    PositiveDiagonal,
    RotationScaling,
    UpperUnitriangular,
    act_image,
)
from .measures import default_proposal, integrate, modular_function

__all__ = ["linalg", "testing"]
__all__ += ["GroupMembershipError", "check_shape", "set_validation", "validation_enabled"]
__all__ += ["MatrixGroup", "GLPlus", "SL", "SO", "SPD"]
__all__ += ["RotationScaling", "PositiveDiagonal", "UpperUnitriangular", "Affine", "act_image"]
__all__ += ["polar", "polar_inverse", "iwasawa", "iwasawa_inverse", "kak", "kak_inverse"]
__all__ += ["PolarExpChart", "PolarChart", "IwasawaChart", "KAKChart", "RotationScalingChart"]
__all__ += ["AffineChart", "so_volume"]
__all__ += ["PolarGaussian", "IwasawaGaussian", "RotationScalingGaussian", "HaarSO"]
__all__ += ["AffineGaussian"]
__all__ += ["integrate", "modular_function", "default_proposal"]
__all__ += ["ChartDistribution", "Normal", "TruncatedNormal", "Uniform", "RotationChart"]

_DEPRECATED = {"A": ("PositiveDiagonal", "liegeom.PositiveDiagonal"),
               "N": ("UpperUnitriangular", "liegeom.UpperUnitriangular"),
               "haar_so": ("haar_so", "SO(n).random_point(batch_shape, generator=...)")}


def __getattr__(name: str):
    """Deprecated names, kept working with a ``DeprecationWarning``: ``A`` and ``N`` (one
    letter, they shadowed ``sympy.N`` under star imports) and ``haar_so`` (the one way to draw
    Haar rotations is ``SO(n).random_point``; :class:`HaarSO` is the distribution object for
    proposals). None of them is in ``__all__``."""
    if name in _DEPRECATED:
        import warnings

        from . import groups, sampling

        attr, new = _DEPRECATED[name]
        warnings.warn(f"liegeom.{name} is deprecated; use {new}", DeprecationWarning,
                      stacklevel=2)
        return getattr(sampling if name == "haar_so" else groups, attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

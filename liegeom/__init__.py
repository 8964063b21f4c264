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
from .groups import SL, SO, SPD, A, Affine, GLPlus, MatrixGroup, N, RotationScaling, act_image
from .measures import default_proposal, integrate, modular_function
from .sampling import haar_so

__all__ = ["linalg", "testing"]
__all__ += ["GroupMembershipError", "check_shape", "set_validation", "validation_enabled"]
__all__ += ["MatrixGroup", "GLPlus", "SL", "SO", "SPD"]
__all__ += ["RotationScaling", "A", "N", "Affine", "act_image", "haar_so"]
__all__ += ["polar", "polar_inverse", "iwasawa", "iwasawa_inverse", "kak", "kak_inverse"]
__all__ += ["PolarExpChart", "PolarChart", "IwasawaChart", "KAKChart", "RotationScalingChart"]
__all__ += ["AffineChart", "so_volume"]
__all__ += ["PolarGaussian", "IwasawaGaussian", "RotationScalingGaussian", "HaarSO"]
__all__ += ["AffineGaussian"]
__all__ += ["integrate", "modular_function", "default_proposal"]
__all__ += ["ChartDistribution", "Normal", "TruncatedNormal", "Uniform", "RotationChart"]

"""Soft equivariance under mixed symmetries (Kim, Lee, Yang & Lee, ICML 2023).

Candidate symmetry types (:class:`SymmetryGroup`, built on liegeom), representations
(:class:`Rep`), projectors onto equivariant linear maps (nullspace of the generators'
constraints), one :class:`EquivarianceRegularizer` per type (sampling estimate for any model,
exact projection form for :class:`RepLinear` layers), :class:`MixedSymmetryRegularizer` with
strength schedules (:class:`ReferenceRule` of the paper, our :class:`EmpiricalBayesRule`), and
the models the baselines use (:class:`GatedTensorNet` free, exact or residual-pathway,
:class:`MLP`, :func:`augment`).
"""

from ._baselines import FeatureMLP, ResidualPathway, augment, invariant_mlp, prior_penalty
from ._groups import (
    SymmetryGroup,
    axis_orthogonal,
    axis_rotations,
    euclidean,
    lie_group,
    orthogonal,
    product,
    rotations_about_origin,
    scaling,
    special_orthogonal,
    translations,
)
from ._layers import MLP, GatedTensorNet, RepLinear
from ._mixed import MixedSymmetryRegularizer
from ._projectors import (
    equivariant_basis,
    equivariant_projector,
    kind_projector,
    nonequivariant_dim,
    project_bias,
    project_linear,
)
from ._regularizers import (
    EquivarianceRegularizer,
    check_finite,
    invariant_action,
    points_action,
    relative_equivariance_error,
)
from ._reps import Rep
from ._schedules import ConstantStrengths, EmpiricalBayesRule, ReferenceRule, StrengthSchedule

__all__ = [
    "SymmetryGroup", "orthogonal", "special_orthogonal", "axis_orthogonal", "axis_rotations",
    "scaling", "product", "euclidean", "rotations_about_origin", "translations", "lie_group", "Rep",
    "equivariant_basis", "equivariant_projector", "kind_projector", "project_linear",
    "project_bias", "nonequivariant_dim",
    "RepLinear", "GatedTensorNet", "MLP", "prior_penalty",
    "EquivarianceRegularizer", "relative_equivariance_error", "points_action",
    "invariant_action", "check_finite",
    "MixedSymmetryRegularizer", "StrengthSchedule", "ConstantStrengths", "ReferenceRule",
    "EmpiricalBayesRule",
    "ResidualPathway", "FeatureMLP", "augment", "invariant_mlp",
]

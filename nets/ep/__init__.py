"""Equilibrium propagation without weight symmetry: networks as vector fields, a damped
fixed-point solver, classic/generalized/holomorphic EP and recurrent-backprop gradients,
Jacobian homeostasis and alignment diagnostics, and a training loop."""

from .estimators import (
    ClassicEP,
    ExactEP,
    GeneralizedEP,
    GradientEstimate,
    HolomorphicEP,
    RecurrentBackprop,
    adjoint,
    exact_error_vector,
    free_state,
    nudge_points,
    nudged_error_vector,
    param_grads,
)
from .homeostasis import (
    alignment,
    asymmetry,
    feedback_angles,
    homeostasis_loss,
    homeostasis_samples,
    jacobian,
    symmetric_share,
)
from .networks import (
    ACTIVATIONS,
    ConvCoupling,
    ConvEPNetwork,
    DenseCoupling,
    EPNetwork,
    MLPEPNetwork,
)
from .solver import ConvergenceError, FixedPoint, SolverConfig, solve_fixed_point

__all__ = [
    "ACTIVATIONS",
    "ClassicEP",
    "ConvCoupling",
    "ConvEPNetwork",
    "ConvergenceError",
    "DenseCoupling",
    "EPNetwork",
    "ExactEP",
    "FixedPoint",
    "GeneralizedEP",
    "GradientEstimate",
    "HolomorphicEP",
    "MLPEPNetwork",
    "RecurrentBackprop",
    "SolverConfig",
    "adjoint",
    "alignment",
    "asymmetry",
    "exact_error_vector",
    "feedback_angles",
    "free_state",
    "homeostasis_loss",
    "homeostasis_samples",
    "jacobian",
    "nudge_points",
    "nudged_error_vector",
    "param_grads",
    "solve_fixed_point",
    "symmetric_share",
]

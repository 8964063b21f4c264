"""fieldsym: jets, variational symmetries, Noether currents and asymptotic charges in sympy."""

from symkit import __version__ as __version__  # defined once, in symkit

__all__: list[str] = []

# fieldsym I: jets, Euler operator, symmetries, Noether currents, safe parsing
from .determining import LinearPDESolution, UnsolvedSystemError, solve_linear_pde_system
from .jets import JetSpace, PDESystem
from .noether import (
    Current,
    NotConservedError,
    conservation_law_flux,
    conserved_currents,
    conserved_densities,
    family_current,
    is_conserved,
    noether_current,
)
from .parsing import ParseError, parse_equation, parse_expression
from .symmetries import (
    SymmetryAlgebra,
    is_point_symmetry,
    lie_point_symmetries,
    same_span,
    span_contains,
    variational_defect,
    variational_symmetries,
)
from .variational import (
    divergence_potential,
    euler_lagrange,
    euler_operator,
    higher_euler_operator,
    is_total_divergence,
)
from .vector_fields import VectorField

__all__ += [
    "JetSpace", "PDESystem", "VectorField", "euler_operator", "euler_lagrange",
    "higher_euler_operator", "is_total_divergence", "divergence_potential",
    "solve_linear_pde_system", "LinearPDESolution", "UnsolvedSystemError", "SymmetryAlgebra",
    "lie_point_symmetries", "variational_symmetries", "is_point_symmetry", "variational_defect",
    "span_contains", "same_span", "Current", "NotConservedError", "noether_current",
    "conserved_currents", "family_current", "is_conserved", "conservation_law_flux",
    "conserved_densities",
    "ParseError", "parse_expression", "parse_equation",
]

# conservation laws by multipliers, generalized symmetries (issue 36)
from .conservation import (  # noqa: E402
    ConservationLaw,
    ConservationLaws,
    MultiplierSearch,
    conservation_laws,
    current_from_multiplier,
    find_multipliers,
    is_multiplier,
    is_trivial_density,
    is_trivial_multiplier,
)
from .generalized import (  # noqa: E402
    GeneralizedSymmetries,
    evolutionary_field,
    generalized_symmetries,
    is_generalized_symmetry,
    variational_characteristics,
)

__all__ += [
    "ConservationLaw", "ConservationLaws", "MultiplierSearch", "conservation_laws",
    "find_multipliers", "current_from_multiplier", "is_multiplier", "is_trivial_multiplier",
    "is_trivial_density", "GeneralizedSymmetries", "generalized_symmetries",
    "is_generalized_symmetry", "evolutionary_field", "variational_characteristics",
]

# fieldsym II: curvature, asymptotics, surface charges (BMS3 chain in fieldsym.bms3)
from .asymptotics import (  # noqa: E402
    Condition,
    Falloffs,
    asymptotic_killing_vectors,
    conformal_completion,
    inverse_power_expansion,
    laurent_coefficients,
    solution_space,
    solve_order_by_order,
    transformation_laws,
)
from .charges import (  # noqa: E402
    barnich_brandt,
    integrability_obstruction,
    integrate_charge,
    mode_integral,
    surface_charge,
    virasoro_cocycle,
)
from .tensors import Metric, lie_bracket, lie_derivative, trig_cancel  # noqa: E402

__all__ += [
    "Metric", "trig_cancel", "lie_derivative", "lie_bracket", "Falloffs", "Condition",
    "laurent_coefficients", "inverse_power_expansion", "solve_order_by_order",
    "conformal_completion", "solution_space", "asymptotic_killing_vectors",
    "transformation_laws", "barnich_brandt", "surface_charge", "integrability_obstruction",
    "integrate_charge", "mode_integral", "virasoro_cocycle",
]

# fieldsym II: the general asymptotic pipeline (data in, typed results out; BMS3 in
# fieldsym.bms3 and 3D gravity with a cosmological constant in fieldsym.ads3 are instances)
from .asymptotic_pipeline import (  # noqa: E402
    AsymptoticAnalysis,
    AsymptoticProblem,
    MetricFalloffs,
    ModeBasis,
    analyze,
    asymptotic_analysis,
)
from .asymptotics import SolvedSystem, reduce_on_shell, solve_system  # noqa: E402

__all__ += [
    "AsymptoticProblem", "MetricFalloffs", "ModeBasis", "AsymptoticAnalysis", "analyze",
    "asymptotic_analysis", "solve_system", "SolvedSystem", "reduce_on_shell",
]

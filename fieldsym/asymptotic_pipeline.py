r"""Asymptotic symmetries from data: a metric ansatz, a cosmological constant, boundary
conditions (falloffs) and gauge in; solution space, asymptotic Killing vectors,
transformation laws, Barnich–Brandt charges, their algebra and central extensions in a mode
basis of the user's choice out. Every result is a frozen dataclass of sympy expressions.

The steps (each usable alone, see :mod:`fieldsym._pipeline_steps` and
:mod:`fieldsym._pipeline_algebra`):

1. :func:`derive_solution_space`: :math:`R_{ab} = \frac{2\Lambda}{n-2}g_{ab}` and the
   boundary conditions, solved order by order in :math:`r`; coupled equations are combined
   into evolution equations (:func:`fieldsym.asymptotics.solve_system`).
2. :func:`derive_symmetries`: :math:`\mathcal L_\xi g` within the falloffs that keep it tangent
   to the solution space (:func:`preserved_falloffs`, or given).
3. :func:`derive_transformation_laws`: :math:`\delta_\xi F` from
   :math:`\mathcal L_\xi g = \delta g`.
4. :func:`derive_charges`: Barnich–Brandt density, integrability, integrated charge.
5. :func:`derive_charge_algebra`: modified bracket of parameters and central extension
   :math:`K = \delta_2 Q_1 - Q_{[1,2]}`.
6. :func:`derive_mode_algebra`: the algebra in a :class:`ModeBasis`.

The 3D asymptotically flat case (BMS3, :mod:`fieldsym.bms3`) and 3D gravity with
:math:`\Lambda = -1/\ell^2` in Bondi gauge (:mod:`fieldsym.ads3`) are instances.

Examples
--------
Bondi gauge in three dimensions with :math:`\Lambda = -1/\ell^2` (Barnich, Gomberoff &
González 2012), from the ansatz as data (about 5 s of CPU, see
benchmarks/fieldsym_asymptotics.py):

>>> import sympy as sp
>>> u, r, phi = sp.symbols("u r phi", real=True)
>>> ell = sp.Symbol("ell", positive=True)
>>> V, W, beta = (sp.Function(f)(u, r, phi) for f in ("V", "W", "beta"))
>>> g = sp.Matrix([[V, -sp.exp(2 * beta), W], [-sp.exp(2 * beta), 0, 0], [W, 0, r**2]])
>>> m = sp.Symbol("m", integer=True)
>>> e = sp.exp(sp.I * m * phi)
>>> res = asymptotic_analysis(
...     g, (u, r, phi), (V, W, beta), cosmological_constant=-1 / ell**2,
...     boundary_conditions={(0, 0): 2, (0, 1): (-1, -1), (0, 2): 0},
...     names={"V0": "M", "W0": "N", "xi^u": "T", "xi^phi": "Y"},
...     modes=ModeBasis({"J": {"Y": e}, "P": {"T": e}}, m))
>>> dict(res.space.evolution)
{M(u, phi): 2*Derivative(N(u, phi), phi)/ell**2, N(u, phi): Derivative(M(u, phi), phi)/2}
>>> res.modes.bracket("J", "P").central_charge
3/G
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass

import sympy as sp

from ._pipeline_algebra import (
    ChargeAlgebra,
    ModeAlgebra,
    ModeBasis,
    ModeBracket,
    derive_charge_algebra,
    derive_mode_algebra,
)
from ._pipeline_steps import (
    AsymptoticProblem,
    AsymptoticSymmetries,
    MetricFalloffs,
    SolutionSpace,
    SurfaceCharges,
    TransformationLaws,
    derive_charges,
    derive_solution_space,
    derive_symmetries,
    derive_transformation_laws,
    preserved_falloffs,
    slice_at,
)
from .asymptotics import ConformalCompletion, Falloffs, conformal_completion

__all__ = [
    "MetricFalloffs",
    "AsymptoticProblem",
    "SolutionSpace",
    "AsymptoticSymmetries",
    "TransformationLaws",
    "SurfaceCharges",
    "ChargeAlgebra",
    "ModeBasis",
    "ModeBracket",
    "ModeAlgebra",
    "AsymptoticAnalysis",
    "derive_solution_space",
    "derive_symmetries",
    "derive_transformation_laws",
    "derive_charges",
    "derive_charge_algebra",
    "derive_mode_algebra",
    "preserved_falloffs",
    "slice_at",
    "analyze",
    "asymptotic_analysis",
]

STEPS = (
    "conformal completion",
    "solution space",
    "asymptotic Killing vectors",
    "transformation laws",
    "surface charges",
    "charge algebra",
    "mode algebra",
)


@dataclass(frozen=True)
class AsymptoticAnalysis:
    r"""Every step of the pipeline for one problem, with the wall time of each.

    Attributes
    ----------
    problem : AsymptoticProblem
    completion : ConformalCompletion or None
        :math:`\Omega = 1/r` completion (None when :math:`\Omega^2 g` is not regular).
    space, symmetries, laws, charges, algebra
        The step results.
    modes : ModeAlgebra or None
        The algebra in the mode basis, when one was given.
    timings : tuple of (str, float)
    """

    problem: AsymptoticProblem
    completion: ConformalCompletion | None
    space: SolutionSpace
    symmetries: AsymptoticSymmetries
    laws: TransformationLaws
    charges: SurfaceCharges
    algebra: ChargeAlgebra | None
    modes: ModeAlgebra | None
    timings: tuple

    # short names for the objects a user reads most
    @property
    def coords(self) -> tuple:
        return self.problem.coords

    @property
    def fields(self) -> tuple:
        return self.space.fields

    @property
    def xi(self) -> tuple:
        return self.symmetries.xi

    @property
    def parameters(self) -> tuple:
        return self.symmetries.parameters

    def seconds(self, step: str) -> float:
        """Wall time of one step (names in :data:`STEPS`)."""
        return dict(self.timings)[step]


def analyze(
    problem: AsymptoticProblem,
    *,
    modes: ModeBasis | None = None,
    falloffs: Falloffs | None = None,
    algebra: bool = True,
) -> AsymptoticAnalysis:
    """Run every step on ``problem``; ``falloffs`` overrides :func:`preserved_falloffs`;
    ``algebra=False`` stops after the charges (``algebra`` and ``modes`` are None)."""
    times = []
    t = _time.perf_counter()

    def tick(name):
        nonlocal t
        now = _time.perf_counter()
        times.append((name, now - t))
        t = now

    space = derive_solution_space(problem)
    tick(STEPS[1])
    try:
        completion = conformal_completion(space.on_shell_metric, problem.radial)
    except ValueError:
        completion = None
    tick(STEPS[0])
    sym = derive_symmetries(space, falloffs)
    tick(STEPS[2])
    laws = derive_transformation_laws(sym)
    tick(STEPS[3])
    charges = derive_charges(laws)
    tick(STEPS[4])
    alg = mode_alg = None
    if algebra:
        alg = derive_charge_algebra(charges)
        tick(STEPS[5])
        if modes is not None:
            mode_alg = derive_mode_algebra(alg, modes)
            tick(STEPS[6])
    return AsymptoticAnalysis(
        problem, completion, space, sym, laws, charges, alg, mode_alg, tuple(times)
    )


def asymptotic_analysis(
    metric,
    coords,
    unknowns,
    *,
    cosmological_constant=0,
    boundary_conditions=None,
    radial=None,
    time=None,
    names=None,
    modes: ModeBasis | None = None,
    falloffs: Falloffs | None = None,
    newton_constant=None,
    slice_value=0,
) -> AsymptoticAnalysis:
    r"""The whole pipeline from the ansatz, :math:`\Lambda` and the falloffs as arguments.

    Parameters
    ----------
    metric : sympy.Matrix, shape=[n, n]
        Metric ansatz (gauge conditions are its fixed entries).
    coords : sequence of Symbol, shape=[n]
    unknowns : sequence of applied undefined functions in ``metric``
    cosmological_constant : sympy.Expr
    boundary_conditions : mapping, optional
        ``{(a, b): k | (leading, k) | (leading, None)}`` (see :class:`MetricFalloffs`).
    radial, time : Symbol, optional
        Default ``coords[1]`` and ``coords[0]`` (Bondi order ``(u, r, ...)``).
    names : mapping, optional
        Names for the functions the solver introduces (``{"V0": "M", "xi^u": "T"}``).
    modes : ModeBasis, optional
    falloffs : Falloffs, optional
        Conditions on :math:`\mathcal L_\xi g` (default: :func:`preserved_falloffs`).
    newton_constant : sympy.Expr, optional
        Default the positive symbol ``G``.
    slice_value : sympy.Expr
        Time of the slice on which charges are read.

    Returns
    -------
    AsymptoticAnalysis

    Examples
    --------
    See the module docstring (3D gravity with :math:`\Lambda = -1/\ell^2`) and
    ``examples/fieldsym_ads3.py``.
    """
    coords = tuple(coords)
    kw = {}
    if newton_constant is not None:
        kw["newton_constant"] = sp.sympify(newton_constant)
    problem = AsymptoticProblem(
        sp.Matrix(metric),
        coords,
        tuple(unknowns),
        coords[1] if radial is None else radial,
        coords[0] if time is None else time,
        cosmological_constant=sp.sympify(cosmological_constant),
        boundary_conditions=MetricFalloffs(boundary_conditions or {}),
        names=tuple(dict(names or {}).items()),
        slice_value=sp.sympify(slice_value),
        **kw,
    )
    return analyze(problem, modes=modes, falloffs=falloffs)

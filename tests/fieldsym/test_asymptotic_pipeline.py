"""Laws of the general asymptotic pipeline and its solver: coupled equations are combined into
evolution equations (any invertible mixing of a constant-coefficient system gives back the
system), on-shell reduction and slicing, falloffs preserved by the symmetries, typed and
immutable results, and clear errors for bad data."""

from __future__ import annotations

import dataclasses
import doctest

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import fieldsym._pipeline_steps
import fieldsym._solver
from fieldsym.asymptotic_pipeline import (
    AsymptoticProblem,
    MetricFalloffs,
    ModeBasis,
    preserved_falloffs,
    slice_at,
)
from fieldsym.asymptotics import Condition, reduce_on_shell, solve_order_by_order, solve_system
from fieldsym.bms3 import bondi_falloffs, cached_chain

u, x, r, phi = sp.symbols("u x r phi")
A, B = sp.Function("A")(u, x), sp.Function("B")(u, x)


def test_doctests_of_the_solver_and_steps_run():
    for mod in (fieldsym._solver, fieldsym._pipeline_steps):
        assert doctest.testmod(mod).failed == 0


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=4, max_size=4),
    st.lists(st.integers(-3, 3), min_size=4, max_size=4),
)
def test_elimination_recovers_any_mixed_evolution_system(a, p):
    """d_u w = K d_x w, mixed by an invertible P: the solver returns K d_x w exactly."""
    K = sp.Matrix(2, 2, a)
    P = sp.Matrix(2, 2, p)
    if P.det() == 0 or K[0, 1] == 0 or K[1, 0] == 0:
        return
    w = sp.Matrix([A, B])
    eqs = P * (w.diff(u) - K * w.diff(x))
    res = solve_system([Condition(e, x) for e in eqs], [A, B], time=u)
    ref = K * w.diff(x)
    assert set(res.evolution) == {A, B}
    assert sp.expand(res.evolution[A] - ref[0]) == 0
    assert sp.expand(res.evolution[B] - ref[1]) == 0
    assert set(res.free) == {A, B}


def test_a_triangular_system_is_integrated_not_evolved():
    res = solve_system(
        [Condition(sp.diff(A, u), x), Condition(sp.diff(B, u) - sp.diff(A, x), x)],
        [A, B],
        time=u,
    )
    assert res.evolution == sp.Dict({})
    a0, b0 = sp.Function("A")(x), sp.Function("B0")(x)
    assert res.solution[A] == a0
    assert sp.expand(res.solution[B] - (u * sp.diff(a0, x) + b0)) == 0


def test_coupled_equations_without_time_are_rejected_by_the_old_solver():
    eqs = [Condition(sp.diff(A, u) - sp.diff(B, x), x), Condition(sp.diff(B, u) - sp.diff(A, x), x)]
    with pytest.raises(ValueError, match="no move"):
        solve_order_by_order(eqs, [A, B])


def test_a_constraint_on_evolving_functions_is_named():
    eqs = [
        Condition(sp.diff(A, u) - sp.diff(B, x), x),
        Condition(sp.diff(B, u) - sp.diff(A, x), x),
        Condition(sp.diff(A, u) - sp.diff(B, x) + A, x),  # with the first: A = 0
    ]
    with pytest.raises(ValueError, match="constrains the evolving functions"):
        solve_system(eqs, [A, B], time=u)


def test_non_linear_boundary_condition_and_radial_ode():
    """exp(2 beta) = 1 has one real solution; r W'' - W' = 0 is an ODE in r whose constants
    become functions of the other coordinates, named by the power of r they multiply."""
    beta = sp.Function("beta")(u, phi)
    W = sp.Function("W")(u, r, phi)
    res = solve_system(
        [Condition(1 - sp.exp(2 * beta), r), Condition(r * W.diff(r, 2) - W.diff(r), r)],
        [beta, W],
        names={"W0": "N"},
    )
    assert res.solution[beta] == 0
    W2, Nf = sp.Function("W2")(u, phi), sp.Function("N")(u, phi)
    assert sp.expand(res.solution[W] - (Nf + r**2 * W2)) == 0


def test_an_equation_is_split_in_a_variable_no_unknown_depends_on():
    """(a(u) - 1) sin x + b(u) cos x + c(u) cos(x)^2 + c(u) sin(x)^2 = 0 for all x."""
    a, b, c = (sp.Function(n)(u) for n in "abc")
    e = (a - 1) * sp.sin(x) + b * sp.cos(x) + c * sp.cos(x) ** 2 + c * sp.sin(x) ** 2
    res = solve_system([Condition(e, x)], [a, b, c], variables=(u, x))
    assert dict(res.solution) == {a: 1, b: 0, c: 0}


def test_reduce_on_shell_removes_every_time_derivative_and_is_idempotent():
    ev = {A: sp.diff(B, x), B: -sp.diff(A, x)}
    e = sp.diff(A, u, 3) * sp.diff(B, u, x) + A
    red = reduce_on_shell(e, ev, u)
    assert not any(u in d.variables for d in red.atoms(sp.Derivative))
    assert reduce_on_shell(red, ev, u) == red
    # d_u^2 A = -d_x^2 A (a wave equation with the wrong sign: Laplace)
    assert reduce_on_shell(sp.diff(A, u, 2), ev, u) == -sp.diff(A, x, 2)


def test_slice_needs_the_evolution_for_time_derivatives():
    with pytest.raises(ValueError, match="without evolution"):
        slice_at(sp.diff(A, u), u, 0)
    assert slice_at(sp.diff(A, u), u, 0, {A: sp.diff(B, x)}) == sp.diff(sp.Function("B")(x), x)


def test_preserved_falloffs_are_the_bms3_literature_ones():
    plus = cached_chain()[1].plus
    derived = preserved_falloffs(plus.analysis.space)
    assert dict(derived.orders) == dict(bondi_falloffs(plus.coords).orders)


def test_results_are_frozen_dataclasses_of_sympy_objects():
    res = cached_chain()[1].plus.analysis
    for obj in (res, res.problem, res.space, res.symmetries, res.laws, res.charges, res.algebra):
        assert dataclasses.is_dataclass(obj)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, dataclasses.fields(obj)[0].name, None)
    assert isinstance(res.space.solution, sp.Dict) and isinstance(res.laws.laws, sp.Dict)
    assert isinstance(res.xi, tuple) and all(isinstance(c, sp.Expr) for c in res.xi)


def _ansatz():
    V = sp.Function("V")(u, r, phi)
    return sp.Matrix([[V, -1, 0], [-1, 0, 0], [0, 0, r**2]]), (u, r, phi), (V,)


def test_bad_problems_raise_clear_errors():
    g, coords, unk = _ansatz()
    with pytest.raises(ValueError, match="radial coordinate"):
        AsymptoticProblem(g, coords, unk, sp.Symbol("rho"), u)
    with pytest.raises(TypeError, match="occur in the metric"):
        AsymptoticProblem(g, coords, (sp.Function("Q")(u),), r, u)
    with pytest.raises(ValueError, match="depends on the coordinates"):
        AsymptoticProblem(g, coords, unk, r, u, cosmological_constant=u)
    with pytest.raises(ValueError, match="3 x 3 metric"):
        AsymptoticProblem(sp.eye(2), coords, (), r, u)
    with pytest.raises(TypeError, match="component"):
        MetricFalloffs({(0,): 1})
    with pytest.raises(TypeError, match="int order"):
        MetricFalloffs({(0, 0): 1.5})


def test_falloffs_that_admit_no_solution_raise():
    """V must be O(r^0) but R_ab = 2 Lambda g_ab forces V ~ Lambda r^2."""
    from fieldsym.asymptotic_pipeline import derive_solution_space

    g, coords, unk = _ansatz()
    p = AsymptoticProblem(
        g, coords, unk, r, u, cosmological_constant=-1, boundary_conditions={(0, 0): 0}
    )
    with pytest.raises(ValueError, match="admits no solution"):
        derive_solution_space(p)


def test_mode_basis_validation():
    m = sp.Symbol("m", integer=True)
    e = sp.exp(sp.I * m * phi)
    with pytest.raises(ValueError, match="identifier"):
        ModeBasis({"not a name": (e, 0)}, m)
    with pytest.raises(TypeError, match="sequence or mapping"):
        ModeBasis({"J": e}, m)
    params = (sp.Function("alpha")(phi), sp.Function("Y")(phi))
    with pytest.raises(ValueError, match="expected 2 values"):
        ModeBasis({"J": (e,)}, m).resolve(params)
    with pytest.raises(ValueError, match="unknown parameters"):
        ModeBasis({"J": {"Z": e}}, m).resolve(params)
    assert ModeBasis({"J": {"Y": e}}, m).resolve(params) == {"J": (0, e)}

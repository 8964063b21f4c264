"""The linear PDE-system solver: its general solutions satisfy the equations, have the right
number of constants, keep arbitrary-function families with their conditions, and say so when
they cannot finish."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym._zerotest import is_zero
from fieldsym.determining import UnsolvedSystemError, solve_linear_pde_system
from fieldsym.formal import formal_dimension_bound
from tests.fieldsym.test_jets import scaled

x, t, u = sp.symbols("x t u")


def _residuals(equations, unknowns, sol):
    out = []
    for e in equations:
        r = e
        for f in unknowns:
            r = r.subs(f, sol.targets[f.func.__name__ if hasattr(f, "func") and f.args
                                      else str(f)])
        out.append(sp.expand(r.doit()))
    return out


@settings(max_examples=scaled(10))
@given(st.integers(1, 4), st.integers(1, 3))
def test_polynomial_kernels_have_the_right_dimension(n, m):
    # d^n f/dx^n = 0 and d^m f/dt^m = 0: f is a polynomial with n*m free coefficients
    f = sp.Function("f")(x, t)
    eqs = [f.diff(x, n), f.diff(t, m)]
    sol = solve_linear_pde_system(eqs, [f], [x, t])
    assert sol.complete and not sol.conditions
    assert len(sol.constants) == n * m
    assert all(r == 0 for r in _residuals(eqs, [f], sol))


def test_coupled_system_is_integrated_and_verified():
    # xi_x = tau_t / 2, tau_x = 0, tau_ttt = 0, xi_u = 0 -- a piece of the heat system
    xi, tau = sp.Function("xi")(x, t, u), sp.Function("tau")(x, t, u)
    eqs = [2 * xi.diff(x) - tau.diff(t), tau.diff(x), tau.diff(u), tau.diff(t, 3),
           xi.diff(u), xi.diff(t, 2)]
    sol = solve_linear_pde_system(eqs, [xi, tau], [x, t, u])
    assert sol.complete
    assert all(r == 0 for r in _residuals(eqs, [xi, tau], sol))
    assert len(sol.constants) == 5  # tau: 3 constants; xi = x tau'/2 + (a + b t)


def test_families_keep_their_conditions():
    f = sp.Function("f")(x, t)
    eqs = [f.diff(t) - f.diff(x, 2)]
    sol = solve_linear_pde_system(eqs, [f], [x, t])
    assert sol.complete and sol.functions and len(sol.conditions) == 1
    g = sol.functions[0]
    cond = sol.conditions[0]
    assert sp.expand(cond.subs(g, x**2 + 2 * t).doit()) == 0
    assert sp.expand(cond.subs(g, x**2).doit()) != 0


def test_integrability_conditions_are_found():
    # f_x = g, f_t = 0, g_t = 1*h with h unknown constant: cross-derivative forces g_t = 0
    f, g = sp.Function("f")(x, t), sp.Function("g")(x, t)
    eqs = [f.diff(x) - g, f.diff(t), g.diff(x, 2)]
    sol = solve_linear_pde_system(eqs, [f, g], [x, t])
    assert sol.complete
    assert all(r == 0 for r in _residuals(eqs, [f, g], sol))
    assert not sol.targets["f"].has(t)  # f_t = 0 carried through g_t = 0
    assert len(sol.constants) == 3  # f = a + b x + c x**2


def test_separation_of_variables():
    # m F'(t) - 2 m G'(q) - 2 t H''(q) = 0 separates into polynomial pieces
    q, m = sp.symbols("q m")
    F, G, H = sp.Function("F")(t), sp.Function("G")(q), sp.Function("H")(q)
    eqs = [m * F.diff(t) - 2 * m * G.diff(q) - 2 * t * H.diff(q, 2)]
    sol = solve_linear_pde_system(eqs, [F, G, H], [t, q])
    assert sol.complete and not sol.conditions
    assert all(r == 0 for r in _residuals(eqs, [F, G, H], sol))
    assert sp.Poly(sol.targets["H"], q).degree() == 2


def test_unfinished_systems_are_reported_not_returned_as_complete():
    f = sp.Function("f")(x)
    c = sp.Symbol("c")
    eqs = [f.diff(x) - x * f - c]  # f' = x f + c ties the constant to a non-integrable ODE
    sol = solve_linear_pde_system(eqs, [f, c], [x])
    assert not sol.complete
    with pytest.raises(UnsolvedSystemError) as info:
        sol.require_complete()
    assert info.value.equations and "left unsolved" in str(info.value)


def test_step_limit_marks_the_result_incomplete():
    f = sp.Function("f")(x, t)
    sol = solve_linear_pde_system([f.diff(x, 3), f.diff(t, 2)], [f], [x, t], max_steps=2)
    assert not sol.complete


def test_nonlinear_or_inhomogeneous_input_is_refused():
    f = sp.Function("f")(x)
    with pytest.raises(ValueError, match="not linear"):
        solve_linear_pde_system([f.diff(x) * f], [f], [x])
    with pytest.raises(ValueError, match="not homogeneous"):
        solve_linear_pde_system([f.diff(x) - 1, f.diff(x, 2) + f], [f], [x])


def test_linear_odes_are_solved_with_new_functions_for_their_constants():
    f = sp.Function("f")(x, u)
    eqs = [f.diff(u, 2) + f, f.diff(x)]
    sol = solve_linear_pde_system(eqs, [f], [x, u])
    assert sol.complete and len(sol.constants) == 2 and not sol.functions
    assert all(r == 0 for r in _residuals(eqs, [f], sol))
    assert sol.targets["f"].has(sp.sin(u)) and sol.targets["f"].has(sp.cos(u))


# ---------------------------------------------------------------- issue 37
def test_variable_coefficient_odes_are_solved_not_left_as_families():
    # t f'' + f'/2 = 0 (cylindrical KdV): f = c1 + c2 sqrt(t)
    f = sp.Function("f")(t)
    eqs = [t * f.diff(t, 2) + f.diff(t) / 2]
    sol = solve_linear_pde_system(eqs, [f], [t])
    assert sol.complete and not sol.functions and len(sol.constants) == 2
    assert all(r == 0 for r in _residuals(eqs, [f], sol))
    assert sol.targets["f"].has(sp.sqrt(t))


def test_integrals_and_odes_take_the_generic_branch_and_record_it():
    # f_x = c exp(-2 B x): sympy's integral is a Piecewise (B = 0 separately); the solver
    # takes B != 0 and says so.  The same for the ODE f'' + 2 B f' = 0 (basis 1, exp(-2Bx))
    B, c = sp.Symbol("B"), sp.Symbol("c")
    f = sp.Function("f")(x)
    for eqs, unknowns in [([f.diff(x) - c * sp.exp(-2 * B * x)], [f, c]),
                          ([f.diff(x, 2) + 2 * B * f.diff(x)], [f])]:
        sol = solve_linear_pde_system(eqs, unknowns, [x])
        assert sol.complete and not any(v.has(sp.Piecewise) for v in sol.targets.values())
        assert B in sol.assumptions
        assert all(r == 0 for r in _residuals(eqs, unknowns, sol))


def test_time_limit_leaves_the_result_incomplete_with_a_reason():
    f = sp.Function("f")(x, t)
    sol = solve_linear_pde_system([f.diff(x, 3), f.diff(t, 2)], [f], [x, t], timeout=1e-6)
    assert not sol.complete and "time limit" in sol.reason


@settings(max_examples=scaled(6))
@given(st.integers(1, 3), st.integers(1, 3))
def test_formal_count_agrees_with_the_solver(n, m):
    # independent route: the Taylor-coefficient count equals the number of constants
    f = sp.Function("f")(x, t)
    eqs = [f.diff(x, n), f.diff(t, m)]
    sol = solve_linear_pde_system(eqs, [f], [x, t])
    assert formal_dimension_bound(eqs, [f], [x, t]).bound == len(sol.constants) == n * m


def test_formal_count_of_infinite_systems_is_unbounded():
    f = sp.Function("f")(x, t)
    assert formal_dimension_bound([f.diff(t) - f.diff(x, 2)], [f], [x, t]).bound is None


def test_formal_count_with_radicals_uses_floating_point():
    # f_x = f x / sqrt(1 + x^2) has a one-dimensional solution space
    f = sp.Function("f")(x)
    res = formal_dimension_bound([f.diff(x) - f * x / sp.sqrt(1 + x**2)], [f], [x])
    assert res.bound == 1 and not res.exact


def test_zero_test_decides_identities_and_non_identities():
    assert is_zero(sp.tan(x) * sp.cos(x) - sp.sin(x))
    assert is_zero(2 - 2 * sp.sin(2 * t) ** 2 - 2 * sp.cos(2 * t) ** 2)
    assert is_zero(1 / (sp.sqrt(x) + 1) - (sp.sqrt(x) - 1) / (x - 1))
    assert not is_zero(sp.sin(x) ** 2 - 1)
    assert not is_zero(sp.exp(x) - 1 - x - x**2 / 2)
    g = sp.Function("g")(x)
    assert not is_zero(g.diff(x) * (sp.cos(x) ** 2 + sp.sin(x) ** 2))

"""The linear PDE-system solver: its general solutions satisfy the equations, have the right
number of constants, keep arbitrary-function families with their conditions, and say so when
they cannot finish."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.determining import UnsolvedSystemError, solve_linear_pde_system
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

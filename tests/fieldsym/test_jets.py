"""Laws of jet spaces: total derivatives commute, obey Leibniz, agree with sympy's chain rule;
on-shell reduction agrees with exact solutions."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.jets import JetSpace, PDESystem


def scaled(n):
    """``n`` examples under the ci profile (50), proportionally more under ``thorough``."""
    return max(1, n * settings.default.max_examples // 50)


x, t = sp.symbols("x t")
JET = JetSpace([x, t], ["u", "v"])
BASE = [x, t] + JET.coords_upto("u", 2) + JET.coords_upto("v", 1)


@st.composite
def jet_polynomials(draw, symbols=tuple(BASE), max_terms=4, max_degree=2):
    """Small polynomials with integer coefficients in the given symbols."""
    terms = draw(st.lists(
        st.tuples(st.integers(-3, 3),
                  st.lists(st.sampled_from(symbols), min_size=0, max_size=max_degree)),
        min_size=1, max_size=max_terms))
    return sp.Add(*[c * sp.Mul(*m) for c, m in terms])


@settings(max_examples=scaled(12))
@given(jet_polynomials())
def test_total_derivatives_commute(f):
    assert sp.expand(JET.D(f, x, t) - JET.D(f, t, x)) == 0


@settings(max_examples=scaled(12))
@given(jet_polynomials(), jet_polynomials())
def test_total_derivative_is_a_derivation(f, g):
    assert sp.expand(JET.D(f * g, x) - JET.D(f, x) * g - f * JET.D(g, x)) == 0


@settings(max_examples=scaled(12))
@given(jet_polynomials())
def test_total_derivative_is_sympy_chain_rule(f):
    # independent route: differentiate u(x, t) with sympy and translate back
    f = f + sp.sin(JET.coord("u")) * x
    lhs = JET.D(f, t)
    rhs = JET.from_derivatives(sp.diff(JET.to_derivatives(f), t))
    assert sp.expand(lhs - rhs) == 0


@settings(max_examples=scaled(12))
@given(jet_polynomials())
def test_derivative_objects_round_trip(f):
    assert sp.expand(JET.from_derivatives(JET.to_derivatives(f)) - f) == 0


def test_coordinate_names_and_orders():
    assert JET.coord("u", (x, x, t)).name == "u_xxt"
    assert JET.coord("u", (t, x, x)) is JET.coord("u", (2, 1))
    assert JET.info(JET.coord("v", t)) == (sp.Symbol("v"), (0, 1))
    assert JET.order(JET.coord("u", (x, x)) * JET.coord("v")) == 2
    assert len(JET.coords_upto("u", 3)) == 10


def test_fields_with_their_own_arguments():
    u, phi = sp.symbols("u phi")
    jet = JetSpace([u, phi], {"Theta": [phi], "N": [u, phi]})
    th = jet.coord("Theta", phi)
    assert th.name == "Theta_phi"
    assert jet.D(th, u) == 0
    assert jet.coord("N", (u, phi)).name == "N_u_phi"
    assert jet.D(jet.coord("Theta") * jet.coord("N"), u) == jet.coord("Theta") * jet.coord("N", u)
    with pytest.raises(ValueError, match="Theta does not depend on u"):
        jet.coord("Theta", u)
    with pytest.raises(ValueError, match=r"Theta used as Theta\(u, phi\)"):
        jet.from_derivatives(sp.Function("Theta")(u, phi))


def test_bad_declarations_name_the_term():
    with pytest.raises(ValueError, match="y"):
        JetSpace([x], {"u": [sp.Symbol("y")]})
    with pytest.raises(ValueError, match="unknown field 'w'"):
        JET.coord("w", x)
    with pytest.raises(ValueError, match="not an independent variable"):
        JET.D(JET.coord("u"), sp.Symbol("z"))
    with pytest.raises(TypeError, match="expected a sympy Symbol"):
        JetSpace([1.5], ["u"])


@settings(max_examples=scaled(12))
@given(st.integers(1, 3), st.integers(0, 3), st.integers(0, 2))
def test_heat_reduction_agrees_with_an_exact_solution(k, i, j):
    jet = JetSpace([x, t], ["u"])
    heat = PDESystem(jet, [jet.coord("u", t) - jet.coord("u", (x, x))])
    sol = sp.exp(k * x + k**2 * t)  # u_t = u_xx
    target = jet.coord("u", (i, j))
    reduced = heat.reduce(target)
    assert all(sum(jet.info(c)[1]) == 0 or jet.info(c)[1][0] < 2 for c in jet.coords_in(reduced))

    def on(expr):
        rep = {c: sp.diff(sol, *[(v, n) for v, n in zip((x, t), jet.info(c)[1]) if n])
               if sum(jet.info(c)[1]) else sol for c in jet.coords_in(expr)}
        return sp.expand(sp.powsimp(expr.xreplace(rep) / sol))

    assert on(target) - on(reduced) == 0


def test_system_needs_a_linear_principal_coordinate():
    jet = JetSpace([x, t], ["u"])
    with pytest.raises(ValueError, match="not linear"):
        PDESystem(jet, [jet.coord("u", t) ** 2 - 1], solve_for=[jet.coord("u", t)])
    with pytest.raises(ValueError, match="one coordinate per equation"):
        PDESystem(jet, [jet.coord("u", t)], solve_for=[])


def test_equations_linear_in_their_leading_derivative_are_solved_exactly():
    # the coefficient of the lead cancels whatever its form: (1 + u_x^2), x (x - 2)
    jet = JetSpace([x, t], ["u"])
    ux, uxx, ut = jet.coord("u", x), jet.coord("u", (x, x)), jet.coord("u", t)
    for coef in (1 + ux**2, x * (x - 2), sp.exp(x) + ux):
        system = PDESystem(jet, [coef * uxx - ut])
        assert sp.simplify(system.principal[uxx] - ut / coef) == 0


def test_equations_quadratic_in_their_leading_derivative_are_implicit():
    jet = JetSpace([x], ["y"])
    y, y1, y2 = jet.coord("y"), jet.coord("y", x), jet.coord("y", (x, x))
    system = PDESystem(jet, [y * y2**2 + y1])
    assert system.implicit == {y2: y * y2**2 + y1} and not system.principal
    # the remainder of F itself and of any multiple of F is zero
    assert system.remainder(y * y2**2 + y1) == 0
    assert system.remainder((x + y2) * (y * y2**2 + y1)) == 0
    assert system.remainder(y2) != 0


def test_solved_forms_that_would_recurse_are_refused():
    jet = JetSpace([x], ["y"])
    y1, y2 = jet.coord("y", x), jet.coord("y", (x, x))
    with pytest.raises(ValueError, match="derivative of y_x"):
        PDESystem(jet, [y1 - y2**2], solve_for=[y1])
    with pytest.raises(ValueError, match="not a polynomial"):
        PDESystem(jet, [sp.sin(y2) + y1])

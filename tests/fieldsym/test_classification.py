"""Group classification (fieldsym.classification): the generic case, then the special values
of parameters and the special forms of arbitrary functions that the solver's recorded
assumptions point to, each with its algebra (Ovsiannikov's porous medium classification;
Ibragimov, CRC Handbook vol. 1, ch. 12 for u_tt = u_xx + f(u))."""

import pytest
import sympy as sp

from fieldsym.classification import classify
from fieldsym.jets import JetSpace, PDESystem
from fieldsym.symmetries import is_point_symmetry, same_span
from fieldsym.vector_fields import VectorField

x, t, n = sp.symbols("x t n")
JET = JetSpace([x, t], ["u"])
u, u_x, u_t = JET.coord("u"), JET.coord("u", x), JET.coord("u", t)


def V(xi=0, tau=0, phi=0):
    return VectorField(JET, {x: xi, t: tau}, {u: phi})


def test_porous_medium_classification_finds_n_zero_and_n_minus_four_thirds():
    system = PDESystem(JET, [u_t - JET.D(u**n * u_x, x)])
    cases = classify(system, depth=1)
    generic, *special = cases
    assert set(generic.conditions) == {sp.Ne(n, 0), sp.Ne(3 * n + 4, 0)}
    assert generic.dimension == (4, False)
    by_value = {c.conditions[0].rhs: c for c in special}
    assert set(by_value) == {0, sp.Rational(-4, 3)}
    assert by_value[0].dimension == (6, True)  # the heat equation
    s43 = by_value[sp.Rational(-4, 3)]
    assert s43.dimension == (5, False)
    projective = V(x**2, 0, -3 * x * u)
    assert is_point_symmetry(projective, PDESystem(JET, s43.equations))
    assert same_span(s43.algebra.basis, generic.algebra.basis + [projective]) or \
        s43.algebra.contains(projective)


@pytest.mark.slow
def test_nonlinear_wave_equation_with_an_arbitrary_function():
    f = sp.Function("f")
    system = PDESystem(JET, [JET.coord("u", (t, t)) - JET.coord("u", (x, x)) - f(u)])
    cases = classify(system, depth=1)
    kernel = cases[0]
    assert kernel.conditions == () and kernel.dimension == (3, False)  # Poincare
    assert same_span(kernel.algebra.basis, [V(1), V(tau=1), V(t, x)])
    forms = {sp.sstr(c.conditions[0].rhs): c for c in cases[1:]}
    # exponential f: Liouville, infinite; power f: a fourth generator (scaling)
    assert any("exp" in k and c.dimension[1] for k, c in forms.items())
    assert any(c.dimension == (4, False) for c in cases[1:])
    assert all(c.algebra.complete or c.algebra.reason for c in cases)

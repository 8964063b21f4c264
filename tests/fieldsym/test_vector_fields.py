"""Laws of prolongation and brackets: the characteristic formula agrees with the classical
recursive prolongation, brackets are antisymmetric, satisfy Jacobi and commute with
prolongation."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.jets import JetSpace
from fieldsym.vector_fields import VectorField
from tests.fieldsym.test_jets import scaled

x, t = sp.symbols("x t")
JET = JetSpace([x, t], ["u"])
u = JET.coord("u")
u_x, u_t = JET.coord("u", x), JET.coord("u", t)


@st.composite
def point_polys(draw):
    terms = draw(st.lists(st.tuples(st.integers(-2, 2),
                                    st.lists(st.sampled_from([x, t, u]), max_size=2)),
                          min_size=1, max_size=3))
    return sp.Add(*[c * sp.Mul(*m) for c, m in terms])


@st.composite
def point_fields(draw):
    return VectorField(JET, {x: draw(point_polys()), t: draw(point_polys())},
                       {u: draw(point_polys())})


@settings(max_examples=scaled(12))
@given(point_fields())
def test_prolongation_matches_the_recursive_formula(v):
    # Olver (2.39)-(2.40): phi^{J,i} = D_i phi^J - sum_k u_{J,k} D_i xi^k
    xi, tau, phi = v.xi[x], v.xi[t], v.phi[u]
    phi_x = JET.D(phi, x) - u_x * JET.D(xi, x) - u_t * JET.D(tau, x)
    phi_xx = JET.D(phi_x, x) - JET.coord("u", (x, x)) * JET.D(xi, x) \
        - JET.coord("u", (x, t)) * JET.D(tau, x)
    assert sp.expand(v.prolongation_coefficient(u, x) - phi_x) == 0
    assert sp.expand(v.prolongation_coefficient(u, (x, x)) - phi_xx) == 0
    assert sp.expand(v.prolong(u_x * u) - (phi_x * u + u_x * phi)) == 0


@settings(max_examples=scaled(6))
@given(point_fields(), point_fields(), point_fields())
def test_bracket_is_antisymmetric_and_satisfies_jacobi(a, b, c):
    assert (a.bracket(b) + b.bracket(a)).is_zero()
    jac = a.bracket(b.bracket(c)) + b.bracket(c.bracket(a)) + c.bracket(a.bracket(b))
    assert jac.is_zero()


@settings(max_examples=scaled(5))
@given(point_fields(), point_fields())
def test_prolongation_is_a_lie_algebra_homomorphism(a, b):
    F = u_x * u_t + u * JET.coord("u", (x, t))
    lhs = a.bracket(b).prolong(F)
    rhs = a.prolong(b.prolong(F)) - b.prolong(a.prolong(F))
    assert sp.expand(lhs - rhs) == 0


def test_characteristic_and_field_subsets():
    v = VectorField(JET, {x: 2 * t}, {u: -x * u})
    assert sp.expand(v.characteristic()[u] - (-x * u - 2 * t * u_x)) == 0
    phi, w = sp.symbols("phi w")
    jet = JetSpace([w, phi], {"Theta": [phi], "N": [w, phi]})
    vv = VectorField(jet, {w: 1, phi: 1})
    assert vv.characteristic()[sp.Symbol("Theta")] == -jet.coord("Theta", phi)


def test_printing_text_and_latex():
    v = VectorField(JET, {x: 4 * t * x, t: 4 * t**2}, {u: -(x**2 + 2 * t) * u})
    assert str(v) == "4*t*x*∂_x + 4*t**2*∂_t - (2*t*u + u*x**2)*∂_u"
    assert v.latex() == (r"4 t x \partial_{x} + 4 t^{2} \partial_{t}"
                         r" - (2 t u + u x^{2}) \partial_{u}")
    assert str(VectorField(JET)) == "0"
    assert str(VectorField(JET, {x: -1})) == "-∂_x"


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="z is not an independent variable"):
        VectorField(JET, {sp.Symbol("z"): 1})
    with pytest.raises(ValueError, match="unknown field"):
        VectorField(JET, phi={"w": 1})
    gen = VectorField(JET, phi={u: u_x})
    with pytest.raises(ValueError, match="point fields"):
        gen.bracket(VectorField(JET, {x: 1}))
    assert not gen.is_point and VectorField(JET, {x: u}).is_point

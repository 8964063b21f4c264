"""Laws of the variational complex: E(Div P) = 0, sympy's Euler-Lagrange equations agree where
they apply, the higher-Euler inversion formula, integration by parts, and the homotopy flux."""

from math import comb

import pytest
import sympy as sp
from hypothesis import given, settings
from sympy.calculus.euler import euler_equations

from fieldsym.jets import JetSpace
from fieldsym.variational import (
    divergence_potential,
    euler_lagrange,
    euler_operator,
    higher_euler_operator,
    integration_by_parts_flux,
    is_total_divergence,
)
from fieldsym.vector_fields import VectorField
from tests.fieldsym.test_jets import JET, jet_polynomials, scaled

x, t = sp.symbols("x t")


@settings(max_examples=scaled(15))
@given(jet_polynomials(), jet_polynomials())
def test_euler_operator_annihilates_total_divergences(f, g):
    assert all(e == 0 for e in euler_lagrange(JET.D(f, x) + JET.D(g, t), JET))
    assert is_total_divergence(JET.D(f, x) + JET.D(g, t), JET)


@settings(max_examples=scaled(15))
@given(jet_polynomials())
def test_euler_operator_matches_sympy_where_sympy_applies(L):
    # independent route: sympy's euler_equations on u(x, t), v(x, t)
    Lf = JET.to_derivatives(L + JET.coord("u") * JET.coord("v"))
    ours = euler_lagrange(L + JET.coord("u") * JET.coord("v"), JET)
    theirs = euler_equations(Lf, [JET.function("u"), JET.function("v")], [x, t])
    for mine, eq in zip(ours, theirs):
        assert sp.expand(mine - JET.from_derivatives(eq.lhs)) == 0


@settings(max_examples=scaled(15))
@given(jet_polynomials())
def test_higher_euler_inversion_formula(L):
    # Olver (5.87): dL/du_J = sum_{K >= J} binom(K, J) D_{K-J} E^K(L)
    for c in JET.coords_upto("u", 1):
        J = JET.info(c)[1]
        total = sp.S.Zero
        for k in JET.coords_upto("u", 2):
            K = JET.info(k)[1]
            if all(a >= b for a, b in zip(K, J)):
                coef = comb(K[0], J[0]) * comb(K[1], J[1])
                rest = (K[0] - J[0], K[1] - J[1])
                total += coef * JET.D_multi(higher_euler_operator(L, JET, "u", K), rest)
        assert sp.expand(total - sp.diff(L, c)) == 0


@settings(max_examples=scaled(15))
@given(jet_polynomials(), jet_polynomials(max_terms=2))
def test_integration_by_parts_identity(P, q):
    Q = {"u": q, "v": sp.S(2)}
    prQ = VectorField(JET, phi=Q).evolutionary_prolong(P)
    h = integration_by_parts_flux(Q, P, JET)
    rhs = q * euler_operator(P, JET, "u") + 2 * euler_operator(P, JET, "v") + JET.div(h)
    assert sp.expand(prQ - rhs) == 0


@settings(max_examples=scaled(15))
@given(jet_polynomials(), jet_polynomials())
def test_homotopy_flux_has_the_right_divergence(f, g):
    expr = sp.expand(JET.D(f, x) + JET.D(g, t))
    P = divergence_potential(expr, JET)
    assert sp.expand(JET.div(P) - expr) == 0


def test_homotopy_flux_with_field_free_and_transcendental_parts():
    u = JET.coord("u")
    expr = JET.D(sp.sin(u) * JET.coord("u", x), x) + x**2 * t
    P = divergence_potential(expr, JET)
    assert sp.expand(JET.div(P) - expr) == 0
    assert divergence_potential(2 * JET.coord("u", x) * JET.coord("u", (x, x)), JET)[x] == \
        JET.coord("u", x) ** 2
    singular = JET.D(u * sp.log(u), x)  # singular at u = 0: the homotopy integral still closes
    assert sp.expand(JET.div(divergence_potential(singular, JET)) - singular) == 0


def test_non_divergence_is_refused_with_its_euler_expression():
    with pytest.raises(ValueError, match="not a total divergence: E_u"):
        divergence_potential(JET.coord("u", x) ** 2, JET)
    assert not is_total_divergence(JET.coord("u", x) ** 2, JET)


def test_euler_operator_keeps_zero_equations_and_mixed_arguments():
    u, phi = sp.symbols("u phi")
    jet = JetSpace([u, phi], {"Theta": [phi], "N": [u, phi], "M": [u, phi]})
    N_u, Th_p = jet.coord("N", u), jet.coord("Theta", phi)
    L = N_u**2 / 2 + Th_p**2 / 2 + jet.coord("Theta") * jet.coord("N")
    E = euler_lagrange(L, jet)
    assert sp.expand(E[0] - (-jet.coord("Theta", (phi, phi)) + jet.coord("N"))) == 0
    assert sp.expand(E[1] - (-jet.coord("N", (u, u)) + jet.coord("Theta"))) == 0
    assert E[2] == 0  # M is absent: its equation is kept as 0, not dropped


def test_total_divergences_with_radicals_are_recognised():
    # D_t(x x_t / r) with r = sqrt(x^2 + y^2): its Euler expressions vanish only after
    # radicals are combined (issue 35); the potential is recovered and verified
    tt = sp.Symbol("t")
    jet = JetSpace([tt], ["x", "y"])
    X, Y, Xt = jet.coord("x"), jet.coord("y"), jet.coord("x", tt)
    P = X * Xt / sp.sqrt(X**2 + Y**2)
    expr = jet.D(P, tt)
    assert is_total_divergence(expr, jet)
    assert sp.simplify(divergence_potential(expr, jet)[tt] - P) == 0
    assert not is_total_divergence(X * Xt**2 / sp.sqrt(X**2 + Y**2), jet)

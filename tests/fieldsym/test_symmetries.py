"""Symmetry algebras derived by the solver, compared up to a change of basis with the
literature (Olver, Applications of Lie Groups to Differential Equations, Examples 2.41, 2.44,
4.15): heat, KdV, free particle, 1+1 wave equation."""

import pytest
import sympy as sp

from fieldsym.determining import UnsolvedSystemError
from fieldsym.jets import JetSpace, PDESystem
from fieldsym.symmetries import (
    is_point_symmetry,
    lie_point_symmetries,
    point_determining_equations,
    same_span,
    span_contains,
    variational_defect,
    variational_symmetries,
)
from fieldsym.vector_fields import VectorField

x, t = sp.symbols("x t")
JET = JetSpace([x, t], ["u"])
u = JET.coord("u")
u_t, u_x = JET.coord("u", t), JET.coord("u", x)
HEAT = PDESystem(JET, [u_t - JET.coord("u", (x, x))])


@pytest.fixture(scope="module")
def heat_algebra():
    return lie_point_symmetries(HEAT)


def V(xi=0, tau=0, phi=0, jet=JET):
    return VectorField(jet, {x: xi, t: tau}, {u: phi})


def test_heat_equation_six_generators_up_to_basis_change(heat_algebra):
    expected = [V(1), V(tau=1), V(phi=u), V(x, 2 * t), V(2 * t, 0, -x * u),
                V(4 * t * x, 4 * t**2, -(x**2 + 2 * t) * u)]
    assert len(heat_algebra.basis) == 6
    assert same_span(heat_algebra.basis, expected)
    assert all(is_point_symmetry(v, HEAT) for v in heat_algebra.basis)


def test_heat_equation_family_beta_solves_the_heat_equation(heat_algebra):
    (vf, _B, funcs, conds), = heat_algebra.families
    (beta,) = funcs
    assert vf.xi[x] == 0 and vf.xi[t] == 0 and vf.phi[u] == beta
    member, _ = heat_algebra.specialize(0, {beta: sp.exp(x + t)})
    assert is_point_symmetry(member, HEAT)
    with pytest.raises(ValueError, match="fails"):
        heat_algebra.specialize(0, {beta: x**2})
    assert len(conds) == 1


def test_heat_equation_rejects_isotropic_dilation(heat_algebra):
    dil = V(x, t)
    assert not heat_algebra.contains(dil)
    assert not is_point_symmetry(dil, HEAT)


def test_commutators_close_and_match_direct_brackets(heat_algebra):
    basis = heat_algebra.basis
    table = heat_algebra.commutator_table()
    for i in range(6):
        for j in range(6):
            entry = table[i][j]
            assert isinstance(entry, dict)
            combo = VectorField(JET)
            for k, c in entry.items():
                combo = combo + c * basis[k]
            assert (basis[i].bracket(basis[j]) - combo).is_zero()


def test_printing(heat_algebra):
    text = str(heat_algebra)
    assert "v6 =" in text and "commutators" in text and "family 1" in text
    tex = heat_algebra.latex()
    assert tex.startswith("\\begin{align*}") and "\\partial_{x}" in tex


def test_kdv_point_symmetries():
    kdv = PDESystem(JET, [u_t + 6 * u * u_x + JET.coord("u", (x, x, x))])
    alg = lie_point_symmetries(kdv)
    expected = [V(1), V(tau=1), V(6 * t, 0, 1), V(x, 3 * t, -2 * u)]
    assert same_span(alg.basis, expected) and not alg.families


def test_free_particle_variational_symmetries():
    tt, q, m = sp.symbols("t q m")
    jet = JetSpace([tt], ["q"])
    L = m * jet.coord("q", tt) ** 2 / 2
    alg = variational_symmetries(L, jet)
    W = lambda tau, phi: VectorField(jet, {tt: tau}, {q: phi})
    for v in [W(0, 1), W(1, 0), W(0, tt)]:
        assert span_contains(alg.basis, v)
    assert len(alg.basis) == 5  # Schroedinger algebra: plus 2t d_t + q d_q and projective
    k = next(k for k, v in enumerate(alg.basis) if v.xi[tt] == 0 and v.phi[q].has(tt))
    boost, B = alg.basis[k], alg.B[k]
    scale = boost.phi[q] / tt
    assert sp.expand(B[tt] - scale * m * q) == 0  # boost t d_q has B = m q
    assert sp.expand(variational_defect(boost, L) - jet.div(B)) == 0


def test_wave_equation_families_and_strict_dilation():
    L = (u_t**2 - u_x**2) / 2
    alg = variational_symmetries(L, JET)
    assert not alg.basis and len(alg.families) == 2
    k = next(k for k, fam in enumerate(alg.families) if len(fam[2]) == 2)
    f1, f2 = alg.families[k][2]
    dil, B = alg.specialize(k, {f1: x, f2: t})
    assert dil == V(x, t) and all(b == 0 for b in B.values())
    assert variational_defect(dil, L) == 0  # strict: pr v(L) + L Div xi = 0
    with pytest.raises(ValueError, match="fails"):
        alg.specialize(k, {f1: x, f2: -t})
    scaling = V(phi=u)
    assert sp.expand(variational_defect(scaling, L)) != 0


def test_incomplete_solutions_raise_with_the_remaining_equations():
    with pytest.raises(UnsolvedSystemError) as info:
        lie_point_symmetries(HEAT, max_steps=3)
    assert info.value.equations
    partial = lie_point_symmetries(HEAT, max_steps=3, allow_incomplete=True)
    assert not partial.solution.complete


def test_non_polynomial_determining_equations_are_refused():
    weird = PDESystem(JET, [u_t - sp.sin(u_x)], solve_for=[u_t])
    with pytest.raises(ValueError, match="not polynomial"):
        point_determining_equations(weird)


def test_fields_on_their_own_variables_keep_their_fibers():
    # N_uu = Theta(phi): for each phi an ODE y'' = c, whose point symmetries form sl(3);
    # Theta(phi) may only be transformed through (phi, Theta)
    w, phi = sp.symbols("u phi")
    jet = JetSpace([w, phi], {"Theta": [phi], "N": [w, phi]})
    Th, N = sp.symbols("Theta N")
    system = PDESystem(jet, [jet.coord("N", (w, w)) - jet.coord("Theta")])
    alg = lie_point_symmetries(system)
    for vf, _B, _funcs, conds in alg.families:
        assert not conds
        assert not ({w, N} & (vf.phi[Th].free_symbols | vf.xi[phi].free_symbols))
    members = []
    for k, (_vf, _B, funcs, _c) in enumerate(alg.families):
        for value in (sp.S.One, Th):
            member, _ = alg.specialize(k, {f: value if value.free_symbols <= set(f.args)
                                           else sp.S.One for f in funcs})
            members.append(member)
            assert is_point_symmetry(member, system)
    projective = VectorField(jet, {w: w**2}, {N: w * N})  # sl(3) of y'' = 0 shifted by c
    assert not is_point_symmetry(projective, system)
    assert is_point_symmetry(VectorField(jet, {w: 1}), system)
    assert span_contains(members, VectorField(jet, {w: 1}))


def test_porous_medium_equation():
    # u_t = (u u_x)_x: translations and two scalings (Ovsiannikov)
    system = PDESystem(JET, [u_t - JET.D(u * u_x, x)])
    alg = lie_point_symmetries(system)
    expected = [V(1), V(tau=1), V(x, 0, 2 * u), V(0, t, -u)]
    assert same_span(alg.basis, expected) and not alg.families


@pytest.mark.slow
def test_klein_gordon_1p1_poincare_algebra():
    m = sp.Symbol("m")
    L = (u_t**2 - u_x**2) / 2 - m**2 * u**2 / 2
    alg = variational_symmetries(L, JET)
    assert same_span(alg.basis, [V(1), V(tau=1), V(t, x)])
    (vf, B, funcs, conds), = alg.families  # beta d_u with beta a Klein-Gordon solution
    assert vf.xi[x] == 0 and vf.xi[t] == 0 and conds


def test_potential_burgers_is_linearized_by_its_symmetries():
    # u_t = u_xx + u_x^2 (Hopf-Cole: exp(u) solves the heat equation): the heat algebra and
    # the family beta exp(-u) d_u with beta_t = beta_xx; needs an ODE in u and exp-splitting
    system = PDESystem(JET, [u_t - JET.coord("u", (x, x)) - u_x**2])
    alg = lie_point_symmetries(system)
    expected = [V(1), V(tau=1), V(phi=1), V(x, 2 * t), V(2 * t, 0, -x),
                V(4 * t * x, 4 * t**2, -(x**2 + 2 * t))]
    assert same_span(alg.basis, expected)
    (vf, _B, (beta,), _conds), = alg.families
    member, _ = alg.specialize(0, {beta: sp.exp(x + t)})
    assert is_point_symmetry(member, system)
    assert sp.simplify(vf.phi[u] * sp.exp(u) - beta) == 0


def test_sine_gordon_needs_splitting_by_independent_functions():
    system = PDESystem(JET, [JET.coord("u", (x, t)) - sp.sin(u)])
    alg = lie_point_symmetries(system)
    assert same_span(alg.basis, [V(1), V(tau=1), V(x, -t)]) and not alg.families

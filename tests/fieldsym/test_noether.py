"""Noether currents and conservation laws: Div P = -Q.E(L) as a law, and the acceptance cases
(free particle, wave, KdV, Klein-Gordon in 3+1, Maxwell) against textbook formulas."""

import pytest
import sympy as sp
from hypothesis import given, settings

from fieldsym.jets import JetSpace, PDESystem
from fieldsym.noether import (
    NotConservedError,
    conservation_law_flux,
    conserved_currents,
    conserved_densities,
    family_current,
    is_conserved,
    noether_current,
)
from fieldsym.symmetries import span_contains, variational_symmetries
from fieldsym.variational import euler_lagrange
from fieldsym.vector_fields import VectorField
from tests.fieldsym.test_jets import jet_polynomials, scaled

x, t = sp.symbols("x t")
JET = JetSpace([x, t], ["u"])
u, u_t, u_x = JET.coord("u"), JET.coord("u", t), JET.coord("u", x)
LOW = tuple([u, u_t, u_x, JET.coord("u", (x, x))])


@settings(max_examples=scaled(10))
@given(jet_polynomials(symbols=LOW, max_terms=3))
def test_noether_identity_for_translations_of_any_lagrangian(L):
    # L has no explicit x or t, so both translations are strict symmetries
    E = euler_lagrange(L, JET)[0]
    for var in (x, t):
        v = VectorField(JET, {var: 1})
        P = noether_current(v, L)
        Q = v.characteristic()[u]
        assert sp.expand(JET.div(P.components) + Q * E) == 0
        assert all(b == 0 for b in P.B.values())


def test_free_particle_currents():
    tt, m = sp.symbols("t m")
    jet = JetSpace([tt], ["q"])
    q, q_t = jet.coord("q"), jet.coord("q", tt)
    L = m * q_t**2 / 2
    boost = noether_current(VectorField(jet, phi={q: tt}), L)  # B derived by homotopy
    assert sp.expand(boost.B[tt] - m * q) == 0
    assert sp.expand(boost[tt] - m * (tt * q_t - q)) == 0
    assert sp.expand(noether_current(VectorField(jet, phi={q: 1}), L)[tt] - m * q_t) == 0
    energy = noether_current(VectorField(jet, {tt: 1}), L)[tt]
    assert sp.expand(energy + m * q_t**2 / 2) == 0  # P = -H in the Div P = -Q.E convention
    currents = conserved_currents(L, jet)
    assert len(currents) == 5
    for c in currents:
        assert sp.expand(jet.div(c.components) + c.characteristic[q] * (-m * jet.coord(
            "q", (tt, tt)))) == 0


def test_wave_energy_momentum_and_family_currents():
    L = (u_t**2 - u_x**2) / 2
    wave = PDESystem(JET, [JET.coord("u", (t, t)) - JET.coord("u", (x, x))])
    alg = variational_symmetries(L, JET)
    k = next(k for k, fam in enumerate(alg.families) if len(fam[2]) == 2)
    f1, f2 = alg.families[k][2]
    dt, B = alg.specialize(k, {f1: 0, f2: 1})
    energy = noether_current(dt, L, B)
    assert sp.expand(energy[t] + (u_t**2 + u_x**2) / 2) == 0
    assert is_conserved(energy[t], energy[x], wave, t)
    dx, B = alg.specialize(k, {f1: 1, f2: 0})
    momentum = noether_current(dx, L, B)
    assert sp.expand(momentum[t] + u_t * u_x) == 0
    assert is_conserved(momentum[t], momentum[x], wave, t)
    whole = family_current(alg, k, L)
    assert sp.expand(whole[t].subs({f1: 0, f2: 1}).doit() - energy[t]) == 0
    assert not is_conserved(u_t * u_x**2, 0, wave, t)


def test_noether_current_refuses_non_symmetries():
    with pytest.raises(ValueError, match="not a variational symmetry"):
        noether_current(VectorField(JET, phi={u: u}), (u_t**2 - u_x**2) / 2)
    with pytest.raises(ValueError, match="B does not satisfy"):
        noether_current(VectorField(JET, {x: 1}), u_x**2, B={x: u})


KDV = PDESystem(JET, [u_t + 6 * u * u_x + JET.coord("u", (x, x, x))], solve_for=[u_t])


@pytest.mark.parametrize("density, flux", [
    (u, 3 * u**2 + JET.coord("u", (x, x))),
    (u**2, 4 * u**3 + 2 * u * JET.coord("u", (x, x)) - u_x**2),
    (u**3 - u_x**2 / 2, sp.Rational(9, 2) * u**4 + 3 * u**2 * JET.coord("u", (x, x))
     - 6 * u * u_x**2 - u_x * JET.coord("u", (x, x, x)) + JET.coord("u", (x, x)) ** 2 / 2),
])
def test_kdv_conservation_laws(density, flux):
    X = conservation_law_flux(density, KDV, t)[x]
    assert sp.expand(X - flux) == 0  # literature fluxes (Olver Example 4.28 family)
    assert is_conserved(density, X, KDV, t)


def test_kdv_rejects_u_to_the_fourth():
    with pytest.raises(NotConservedError, match="not a conserved density"):
        conservation_law_flux(u**4, KDV, t)
    with pytest.raises(ValueError, match="solved for time derivatives"):
        conservation_law_flux(u**2, PDESystem(JET, [u_t + 6 * u * u_x
                                                     + JET.coord("u", (x, x, x))]), t)


def _minkowski(n=4):
    X = sp.symbols("t x y z")[:n]
    return X, sp.diag(1, *([-1] * (n - 1)))


def test_klein_gordon_energy_momentum_tensor():
    X, eta = _minkowski()
    m = sp.Symbol("m")
    jet = JetSpace(X, ["phi"])
    d = [jet.coord("phi", v) for v in X]
    phi = jet.coord("phi")
    L = sum(eta[i, i] * d[i] ** 2 for i in range(4)) / 2 - m**2 * phi**2 / 2
    kg = PDESystem(jet, euler_lagrange(L, jet), solve_for=[jet.coord("phi", (X[0], X[0]))])
    for nu in range(4):
        P = noether_current(VectorField(jet, {X[nu]: 1}), L)
        # textbook canonical tensor: T^mu_nu = d^mu phi d_nu phi - delta^mu_nu L, P = -T
        for mu in range(4):
            T = eta[mu, mu] * d[mu] * d[nu] - (L if mu == nu else 0)
            assert sp.expand(P[X[mu]] + T) == 0
        assert is_conserved(P[X[0]], {X[i]: P[X[i]] for i in range(1, 4)}, kg, X[0])
    energy = noether_current(VectorField(jet, {X[0]: 1}), L)[X[0]]
    assert sp.expand(-energy - (sum(di**2 for di in d) + m**2 * phi**2) / 2) == 0


def test_maxwell_symmetric_traceless_tensor():
    X, eta = _minkowski()
    names = [f"A{k}" for k in range(4)]
    jet = JetSpace(X, names)
    dA = lambda mu, nu: jet.coord(names[mu], X[nu])  # d_nu A_mu
    F = [[dA(n, m) - dA(m, n) for n in range(4)] for m in range(4)]  # F_mn = d_m A_n - d_n A_m
    Fu = [[eta[m, m] * eta[n, n] * F[m][n] for n in range(4)] for m in range(4)]
    L = -sp.Rational(1, 4) * sum(F[m][n] * Fu[m][n] for m in range(4) for n in range(4))
    E = euler_lagrange(L, jet)
    T = {}
    for nu in range(4):
        # translation d_nu with the compensating gauge transformation lambda = A_nu
        v = VectorField(jet, {X[nu]: 1}, {names[m]: jet.D(jet.coord(names[nu]), X[m])
                                          for m in range(4)})
        P = noether_current(v, L)
        assert all(b == 0 for b in P.B.values())
        Q = v.characteristic()
        assert sp.expand(jet.div(P.components) + sum(Q[sp.Symbol(n)] * e
                                                     for n, e in zip(names, E))) == 0
        T[nu] = P.components
    # literature: T^rho_nu = F^{rho mu} F_{nu mu} - delta^rho_nu F^2/4  (P = T here)
    for rho in range(4):
        for nu in range(4):
            lit = sum(Fu[rho][mu] * F[nu][mu] for mu in range(4)) + (L if rho == nu else 0)
            assert sp.expand(T[nu][X[rho]] - lit) == 0
    assert sp.expand(sum(T[r][X[r]] for r in range(4))) == 0  # traceless in 4D
    for a in range(4):  # T^{a b} = T^a_nu eta^{nu b} symmetric
        for b in range(a + 1, 4):
            assert sp.expand(T[b][X[a]] * eta[b, b] - T[a][X[b]] * eta[a, a]) == 0


def test_potential_kdv_noether_densities_are_the_kdv_densities():
    # L = u_x u_t / 2 + u_x^3 - u_xx^2 / 2 gives w_t + 6 w w_x + w_xxx = 0 for w = u_x;
    # the solver's translations yield the KdV densities w^2 and w^3 - w_x^2 / 2 via Noether
    L = u_x * u_t / 2 + u_x**3 - JET.coord("u", (x, x)) ** 2 / 2
    E = euler_lagrange(L, JET)[0]
    assert sp.expand(E + JET.coord("u", (x, t)) + 6 * u_x * JET.coord("u", (x, x))
                     + JET.coord("u", (x, x, x, x))) == 0
    alg = variational_symmetries(L, JET)
    dens = {}
    for v, B in zip(alg.basis, alg.B):
        for var in (x, t):
            if v == VectorField(JET, {var: 1}):
                dens[var] = noether_current(v, L, B)[t]
    w, w_x = sp.symbols("w w_x")
    to_w = {u_x: w, JET.coord("u", (x, x)): w_x}
    assert sp.expand(dens[x].xreplace(to_w) + w**2 / 2) == 0
    assert sp.expand(dens[t].xreplace(to_w) - (w**3 - w_x**2 / 2)) == 0
    boost = VectorField(JET, {x: 6 * t}, {u: x})  # Galilean boost, a divergence symmetry
    assert span_contains(alg.basis, boost)


@pytest.mark.slow
def test_klein_gordon_3p1_solver_finds_poincare_and_its_currents():
    X, eta = _minkowski()
    m = sp.Symbol("m")
    jet = JetSpace(X, ["phi"])
    d = [jet.coord("phi", v) for v in X]
    L = sum(eta[i, i] * d[i] ** 2 for i in range(4)) / 2 - m**2 * jet.coord("phi") ** 2 / 2
    kg = PDESystem(jet, euler_lagrange(L, jet), solve_for=[jet.coord("phi", (X[0], X[0]))])
    currents = conserved_currents(L, jet)
    assert len(currents) == 10  # 4 translations, 3 rotations, 3 boosts
    for c in currents:
        assert is_conserved(c[X[0]], {v: c[v] for v in X[1:]}, kg, X[0])
    gens = [c.symmetry for c in currents]
    assert span_contains(gens, VectorField(jet, {X[0]: 1}))
    assert span_contains(gens, VectorField(jet, {X[0]: X[1], X[1]: X[0]}))


def test_kdv_densities_are_found_in_a_candidate_span_and_u4_is_not():
    xx = JET.coord("u", (x, x))
    cands = [u, u**2, xx, u**3, u * xx, u_x**2, JET.coord("u", (x, x, x, x)), u**4, u_x,
             x * u, t * u**2]
    found = conserved_densities(cands, KDV, t)
    assert len(found) == 4  # u, u^2, u^3 - u_x^2/2 and the Galilean x u - 3 t u^2
    dens = [T for T, _ in found]
    for T, X in found:
        assert is_conserved(T, X[x], KDV, t)
    # modulo trivial densities (E(T) = 0) the span is the literature's
    for target in [u, u**2, u**3 - u_x**2 / 2, x * u - 3 * t * u**2]:
        k = sp.symbols("k0:4")
        diff = target - sum(ki * d for ki, d in zip(k, dens))
        (E,) = euler_lagrange(sp.expand(diff), JET)
        coeffs = sp.Poly(sp.expand(E), *JET.coords_in(E), x, t).coeffs() if E != 0 else []
        assert sp.solve(coeffs, k, dict=True) or E == 0
    u4 = u**4 - sum(sp.Symbol(f"k{i}") * d for i, d in enumerate(dens))
    (E,) = euler_lagrange(sp.expand(u4), JET)
    coeffs = sp.Poly(sp.expand(E), *JET.coords_in(E), x, t).coeffs()
    assert not sp.solve(coeffs, sp.symbols("k0:4"), dict=True)


# ---------------------------------------------------------------------------- generalized
@settings(max_examples=scaled(10))
@given(jet_polynomials(symbols=LOW, max_terms=3))
def test_noether_current_of_an_evolutionary_translation_derives_B(L):
    # v_Q with Q = u_x (coefficients with derivatives: a generalized vector field) is a
    # divergence symmetry of any L without explicit x: pr v_Q(L) = D_x L; B is derived
    from fieldsym.generalized import evolutionary_field

    v = evolutionary_field(JET, {u: u_x})
    P = noether_current(v, L)
    E = euler_lagrange(L, JET)[0]
    assert sp.expand(JET.div(P.components) + u_x * E) == 0
    assert sp.expand(JET.div(P.B) - v.prolong(L)) == 0


def test_noether_current_of_a_generalized_symmetry_of_the_free_particle():
    tt = sp.Symbol("t")
    jet = JetSpace([tt], ["q"])
    q, q_t, q_tt = jet.coord("q"), jet.coord("q", tt), jet.coord("q", (tt, tt))
    L = q_t**2 / 2
    # Q = q_t^2 (a function of the first integral q_t): pr v_Q L = 2 q_t^2 q_tt = D_t(2 q_t^3/3)
    P = noether_current(VectorField(jet, phi={q: q_t**2}), L)
    assert sp.expand(P.B[tt] - 2 * q_t**3 / 3) == 0
    assert sp.expand(P[tt] - q_t**3 / 3) == 0  # the conserved q_t^3 / 3
    assert sp.expand(jet.D(P[tt], tt) + q_t**2 * (-q_tt)) == 0

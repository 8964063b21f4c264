"""Generalized symmetries as laws: every characteristic found solves the linearized equations
on solutions, and (for evolution equations) commutes with the flow, K'[Q] = Q'[K], computed by
Frechet derivatives in the x-jets without any on-shell reduction (Olver §5.1).  Targets: KdV's
fifth-order symmetry, Burgers' point symmetries as characteristics (against the point-symmetry
solver), and the Runge-Lenz vector of the Kepler problem through Noether's theorem in
characteristic form."""

import random

import pytest
import sympy as sp

from fieldsym._algebra import _coefficient_rows
from fieldsym.formal import formal_dimension_bound
from fieldsym.generalized import (
    evolutionary_field,
    generalized_determining_equations,
    generalized_symmetries,
    is_generalized_symmetry,
    linearization,
    variational_characteristics,
)
from fieldsym.jets import JetSpace, PDESystem
from fieldsym.noether import noether_current
from fieldsym.symmetries import lie_point_symmetries
from tests.fieldsym.test_conservation import (
    BURGERS,
    JET,
    KDV,
    SG_CONE,
    WAVE,
    same_span,
    u,
    u_x,
    ux,
    x,
)

t = sp.Symbol("t")


def frechet(F, Q, jet=JET):
    """F'[Q] = sum_J dF/du_J D_x^J Q (x-jets only)."""
    return sp.expand(sp.Add(*[sp.diff(F, c) * jet.D_multi(Q, jet.info(c)[1])
                              for c in jet.coords_in(F)]))


KEYS = (x, t) + tuple(JET.coords_upto("u", 6))
K_KDV = -(6 * u * u_x + ux(3))  # u_t = K
#: KdV's fifth-order symmetry (Olver §5.2, the recursion operator applied to u_x,
#: for u_t = u_xxx + u u_x there; rescaled to 6 u u_x)
Q5 = ux(5) + 10 * u * ux(3) + 20 * u_x * ux(2) + 30 * u**2 * u_x


def test_kdv_fifth_order_symmetry_is_found():
    syms = generalized_symmetries(KDV, 5)
    found = [(q[u],) for q in syms.basis]
    lit = [(u_x,), (1 - 6 * t * u_x,), (K_KDV,), (Q5,),
           (2 * u + x * u_x - 3 * t * (6 * u * u_x + ux(3)),)]  # + scaling, on shell
    assert len(found) == 5
    assert same_span(found, lit, KEYS)
    for q in syms.basis:
        assert is_generalized_symmetry(q, KDV)
    # independent route: the t-independent ones commute with the KdV flow
    for Q in (u_x, K_KDV, Q5):
        assert frechet(K_KDV, Q) - frechet(Q, K_KDV) == 0
    assert frechet(K_KDV, ux(5)) - frechet(ux(5), K_KDV) != 0  # the test can fail


def test_burgers_characteristics_are_its_point_symmetries():
    # the point-symmetry solver (another code) gives 5 generators; their characteristics,
    # reduced on solutions, span what the generalized search finds at order 2
    point = lie_point_symmetries(BURGERS)
    chars = [(BURGERS.reduce(v.characteristic()[u]),) for v in point.basis]
    syms = generalized_symmetries(BURGERS, 2)
    assert len(point.basis) == 5
    assert same_span([(q[u],) for q in syms.basis], chars, KEYS)


@pytest.mark.parametrize("system, order", [(BURGERS, 2), (SG_CONE, 1), (WAVE, 1)],
                         ids=["burgers", "sine-gordon", "wave"])
def test_formal_power_series_bound_confirms_the_search_is_complete(system, order):
    # independent route: fieldsym.formal bounds the solution space of the determining system
    # without solving it; the search found exactly that many characteristics
    eqs, unknowns, variables = generalized_determining_equations(system, order)
    bound = formal_dimension_bound(eqs, unknowns, variables).bound
    syms = generalized_symmetries(system, order)
    assert not syms.families and bound == len(syms.basis)


def test_linearization_is_the_prolongation_of_the_evolutionary_field():
    Q = {u: u * ux(2) + x * u_x}
    v = evolutionary_field(JET, Q)
    for d in KDV.equations:
        (lin,) = linearization(KDV, Q, on_shell=False)
        assert sp.expand(lin - v.prolong(d)) == 0


# ---------------------------------------------------------------------------- Kepler
KJ = JetSpace([t], ["x", "y"])
X, Y = KJ.coord("x"), KJ.coord("y")
XT, YT = KJ.coord("x", t), KJ.coord("y", t)
R = sp.sqrt(X**2 + Y**2)
L_KEPLER = (XT**2 + YT**2) / 2 + 1 / R
KEPLER = PDESystem(KJ, [KJ.coord("x", (t, t)) + X / R**3, KJ.coord("y", (t, t)) + Y / R**3])
ANGULAR = X * YT - Y * XT
#: Runge-Lenz vector A = p x L - q/r (mass 1, k = 1), energy and angular momentum
RUNGE_LENZ = (YT * ANGULAR - X / R, -XT * ANGULAR - Y / R)
ENERGY = (XT**2 + YT**2) / 2 - 1 / R
K_KEYS = (t, X, Y, XT, YT)


def _on_shell_rate(I):
    return sp.simplify(KEPLER.reduce(KJ.D(I, t)))


def test_kepler_literature_integrals_are_conserved():
    for I in RUNGE_LENZ + (ENERGY, ANGULAR):
        assert _on_shell_rate(I) == 0
    assert _on_shell_rate(X * XT) != 0  # the check can fail


def test_noether_current_of_the_runge_lenz_characteristic_is_the_runge_lenz_vector():
    # Noether in characteristic form, B derived (the homotopy through q = 0 is singular here):
    # D_t P = -Q.E(L) = Q.(q_tt + q/r^3) = D_t A for Q = dA/dq_t
    for A in RUNGE_LENZ:
        Q = {f: sp.diff(A, v) for f, v in zip(KJ.fields, (XT, YT))}
        v = evolutionary_field(KJ, Q)
        P = noether_current(v, L_KEPLER)
        assert sp.simplify(P[t] - A) == 0
        assert sp.simplify(KJ.D(P.B[t], t) - v.prolong(L_KEPLER)) == 0


@pytest.mark.slow
def test_kepler_noether_characteristics_give_the_runge_lenz_vector():
    search = variational_characteristics(L_KEPLER, KJ, 1, degree=1)
    # Noether in characteristic form: Q = dI/dq_t for the integrals E, L, L^2, A_x, A_y
    lit = [tuple(-sp.diff(I, v) for v in (XT, YT)) for I in
           RUNGE_LENZ + (ENERGY, ANGULAR, ANGULAR**2)]
    assert len(search.basis) == 5
    assert same_span(search.basis, lit, K_KEYS)
    integrals = []
    for Q in search.basis:
        P = noether_current(evolutionary_field(KJ, Q), L_KEPLER)  # no B from the user
        assert _on_shell_rate(P[t]) == 0
        integrals.append(P[t])
    # the currents are the literature integrals (up to constants, which are trivial)
    for k, A in enumerate(RUNGE_LENZ):
        Q = tuple(-sp.diff(A, v) for v in (XT, YT))
        P = noether_current(evolutionary_field(KJ, dict(zip(KJ.fields, Q))), L_KEPLER)
        assert sp.simplify(P[t] - A) == 0 or sp.simplify(P[t] + A) == 0, k


@pytest.mark.slow
def test_kepler_generalized_symmetries_contain_runge_lenz_and_the_scaling():
    syms = generalized_symmetries(KEPLER, 1, degree=1)
    found = [tuple(q[f] for f in KJ.fields) for q in syms.basis]
    lenz = [tuple(-sp.diff(I, v) for v in (XT, YT)) for I in RUNGE_LENZ]
    scaling = (2 * X - 3 * t * XT, 2 * Y - 3 * t * YT)  # t -> l^3 t, q -> l^2 q (not Noether)
    for target in lenz + [scaling, (XT, YT), (Y, -X)]:
        rank = _coefficient_rows(found, K_KEYS).rank()
        assert _coefficient_rows(found + [target], K_KEYS).rank() == rank
    for q in syms.basis:
        assert is_generalized_symmetry(q, KEPLER)
    # numerically: the linearized equations vanish at a random point on shell
    rng = random.Random(5)
    point = {s: sp.Float(rng.uniform(0.5, 1.5), 30) for s in K_KEYS}
    for q in syms.basis:
        for e in linearization(KEPLER, q):
            assert abs(complex(e.evalf(30, subs=point))) < 1e-20


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="one characteristic component per field"):
        linearization(KDV, [u, u])
    with pytest.raises(ValueError, match="order must be an integer >= 0"):
        generalized_symmetries(KDV, 1.5)
    with pytest.raises(TypeError, match="expected a PDESystem"):
        generalized_symmetries("u_t = u_xx", 1)
    with pytest.raises(ValueError, match="vanishes identically"):
        variational_characteristics(u_x, JET, 1)  # a null Lagrangian


@pytest.mark.slow
def test_kepler_in_three_dimensions_has_energy_angular_momentum_runge_lenz_and_l_products():
    # 3D Kepler, degree 1 in the velocities: the characteristics dI/dq_t of the literature
    # integrals E (1), L_i (3), A_i (3) and the products L_i L_j (6), nothing else: 13
    # (about 85 s of CPU; benchmarks/results/2026-12-05-cpu-fieldsym-conservation.md)
    kj = JetSpace([t], ["x", "y", "z"])
    q = sp.Matrix([kj.coord(f) for f in kj.fields])
    v = sp.Matrix([kj.coord(f, t) for f in kj.fields])
    r = sp.sqrt(q.dot(q))
    search = variational_characteristics(v.dot(v) / 2 + 1 / r, kj, 1, degree=1)
    ang = q.cross(v)
    lenz = v.cross(ang) - q / r
    integrals = [v.dot(v) / 2 - 1 / r, *ang, *lenz] + [ang[i] * ang[j] for i in range(3)
                                                       for j in range(i, 3)]
    lit = [tuple(-sp.diff(I, w) for w in v) for I in integrals]
    keys = (t, *q, *v)
    assert len(search.basis) == 13 and not search.families
    assert same_span(search.basis, lit, keys)
    for A in lenz:  # the Runge-Lenz currents, B derived by noether_current
        Q = dict(zip(kj.fields, (sp.diff(A, w) for w in v)))
        P = noether_current(evolutionary_field(kj, Q), v.dot(v) / 2 + 1 / r)
        assert sp.simplify(P[t] - A) == 0

"""Laws of the BMS3 chain: the charge algebra and central charges, I- and its link to I+
(Prohazka, Salzer & Schöller 2017), and the vacua (Schöller 2003.07243, Barnich & Compère 2007).
The chain is computed once per test session (:func:`fieldsym.bms3.cached_chain`); the checks
the library used to compute on itself (integrability, conservation, energy, Lorentz invariance,
the Schwarzian) are made here."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.asymptotics import linearize
from fieldsym.bms3 import G, bondi_ansatz, cached_chain, phi, r
from fieldsym.charges import integrability_obstruction, is_total_derivative

Theta, N, alpha, Y = (sp.Function(n)(phi) for n in ("Theta", "N", "alpha", "Y"))
a1, a2, y1, y2 = (sp.Function(n)(phi) for n in ("alpha_1", "alpha_2", "Y_1", "Y_2"))
d = lambda f, k=1: sp.diff(f, phi, k)


@pytest.fixture(scope="module")
def res():
    return cached_chain()[1]


def test_every_step_is_reported_with_its_time():
    steps, _ = cached_chain()
    assert len(steps) == 13
    assert all(s.seconds >= 0 and s.text and s.latex for s in steps)


def test_results_are_typed_and_immutable(res):
    import dataclasses

    for obj in (res, res.plus, res.algebra, res.link, res.vacua):
        assert dataclasses.is_dataclass(obj)
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.__setattr__(dataclasses.fields(obj)[0].name, None)


def test_parameter_bracket_is_the_literature_one(res):
    alg = res.algebra
    assert sp.expand(alg.Y12 - (y1 * d(y2) - d(y1) * y2)) == 0
    ref = y1 * d(a2) - d(y1) * a2 + a1 * d(y2) - d(a1) * y2
    assert sp.expand(alg.alpha12 - ref) == 0


def test_central_density_is_a_cocycle_free_of_fields(res):
    """K has no fields left and is antisymmetric up to a total derivative (a 2-cocycle)."""
    K = res.algebra.K
    assert not K.has(Theta, N)
    swapped = K.subs({a1: a2, a2: a1, y1: y2, y2: y1}, simultaneous=True)
    assert is_total_derivative(K + swapped, phi)
    assert not is_total_derivative(K, phi)


def test_transformation_laws_represent_the_modified_bracket(res):
    """delta_1 delta_2 F - delta_2 delta_1 F = -delta_[1,2] F (fields transform with L_xi g)."""
    plus, alg = res.plus, res.algebra
    d1, d2 = plus.delta(a1, y1), plus.delta(a2, y2)
    d12 = plus.delta(alg.alpha12, alg.Y12)
    F = plus.fields
    for f in F:
        comm = linearize(d2[f], F, [d1[g] for g in F]) - linearize(d1[f], F, [d2[g] for g in F])
        assert sp.expand(comm + d12[f]) == 0


def test_mode_algebra_and_central_charges(res):
    alg = res.algebra
    m, n = alg.m, alg.n
    J, P = sp.Function("J"), sp.Function("P")
    assert sp.expand(alg.mode("J", "J") - (m - n) * J(m + n)) == 0
    ref = (m - n) * P(m + n) + m**3 / (4 * G) * sp.KroneckerDelta(m + n, 0)
    diff = sp.expand(alg.mode("J", "P") - ref)
    assert sp.simplify(diff.subs(n, -m)) == 0 and diff.subs(sp.KroneckerDelta(0, m + n), 0) == 0
    assert alg.mode("P", "P") == 0
    assert alg.c1 == 0 and alg.c2 == 3 / G
    assert alg.P0_shift == 1 / (8 * G) and alg.J0_shift == 0
    # antisymmetry of the bracket: i{P_m, J_n} = -i{J_n, P_m}
    swapped = alg.mode("J", "P").subs({m: n, n: m}, simultaneous=True)
    assert sp.simplify(sp.expand(alg.mode("P", "J") + swapped).subs(n, -m)) == 0


@settings(max_examples=20)
@given(st.integers(-5, 5), st.integers(-5, 5))
def test_mode_algebra_at_integer_modes(mm, nn):
    alg = cached_chain()[1].algebra
    m, n = alg.m, alg.n
    P = sp.Function("P")
    val = alg.mode("J", "P").subs({m: mm, n: nn})
    ref = (mm - nn) * P(mm + nn) + (sp.Rational(mm**3) / (4 * G) if mm + nn == 0 else 0)
    assert sp.expand(val - ref) == 0


def test_past_null_infinity_is_future_null_infinity_after_u_to_v_and_r_to_minus_r(res):
    """Stated convention change: the advanced ansatz is the retarded one under (u, r) -> (v, -r),
    which flips the sign of xi^r; all derived objects must agree after it."""
    plus, minus = res.plus, res.minus
    u, v = plus.coords[0], minus.coords[0]
    conv = lambda e: e.subs({u: v, r: -r}, simultaneous=True)
    assert sp.expand(minus.xi[0] - conv(plus.xi[0])) == 0
    assert sp.expand(minus.xi[1] + conv(plus.xi[1])) == 0
    assert sp.expand(minus.xi[2] - conv(plus.xi[2])) == 0
    for f in plus.fields:
        assert sp.expand(minus.laws[f] - plus.laws[f]) == 0
    assert sp.expand(minus.charge - plus.charge) == 0
    for inf in (plus, minus):
        time = inf.coords[0]
        ob = integrability_obstruction(inf.density.subs(time, 0), inf.fields, inf.variations, phi)
        assert is_total_derivative(ob, phi)
        # conserved: d/du of the charge density is a total phi-derivative
        assert is_total_derivative(sp.diff(inf.analysis.charges.charge_any_time, time), phi)
    _, g_minus, _ = bondi_ansatz(-1)
    assert g_minus[0, 1] == 1


def test_linking_map_is_antipodal_preserves_energy_and_gives_infinitely_many_laws(res):
    link, plus, minus = res.link, res.plus, res.minus
    assert link.map == (1, sp.pi)
    th_m, n_m = sp.Function("Theta")(phi + sp.pi), sp.Function("N")(phi + sp.pi)
    assert dict(link.field_map) == {Theta: th_m, N: n_m}  # Theta+(phi) = Theta-(phi + pi)
    # energy: the I+ energy density through the I- fields, integrated over the circle, is the
    # I- energy (the density moved by phi -> phi + pi)
    e_plus = plus.charge_of(1, 0, dict(link.field_map))
    e_plus = e_plus.subs(phi, (phi - link.shift) / link.eps)
    assert sp.expand(e_plus - minus.charge_of(1, 0)) == 0
    k = link.k
    for ratio in (link.momentum_ratio, link.angular_momentum_ratio):
        signs = [sp.Integer(-1) ** q for q in range(-3, 4)]
        assert [ratio.subs(k, q) for q in range(-3, 4)] == signs


def test_lorentz_and_translations_are_the_stabilizer_of_minkowski(res):
    vac = res.vacua
    a_k, y_k = vac.minkowski_stabilizer
    for e in (a_k, y_k):
        basis = {c: e.coeff(c) for c in e.free_symbols - {phi}}
        assert sorted(map(str, basis.values())) == ["1", "cos(phi)", "sin(phi)"]
    # a Lorentz boost on the circle, tan(f/2) = e^eta tan(phi/2), keeps Theta = -1 under the
    # derived finite superrotation law
    eta = sp.Symbol("eta", real=True)
    f = sp.Function("f")(phi)
    fb = 2 * sp.atan(sp.exp(eta) * sp.tan(phi / 2))
    boosted = vac.superrotation_law.subs(sp.Function("Theta")(f), -1).subs(f, fb).doit()
    assert sp.simplify(boosted + 1) == 0
    # and a generic superrotation does not
    fs = phi + sp.sin(phi) / 3
    moved = vac.superrotation_law.subs(sp.Function("Theta")(f), -1).subs(f, fs).doit()
    assert sp.simplify(moved + 1) != 0


def test_finite_superrotation_is_the_schwarzian_law(res):
    vac = res.vacua
    f = sp.Function("f")(phi)
    schwarzian = d(f, 3) / d(f) - sp.Rational(3, 2) * (d(f, 2) / d(f)) ** 2
    ref = d(f) ** 2 * sp.Function("Theta")(f) - 2 * schwarzian
    assert sp.simplify(vac.superrotation_law - ref) == 0


def test_supertranslated_minkowski_spaces_differ_only_in_superrotation_charges(res):
    vac = res.vacua
    assert sp.expand(vac.supertranslated_minkowski_N + d(alpha) + d(alpha, 3)) == 0
    n = vac.mode
    am = sp.Symbol("alpha_{-n}")
    assert sp.expand(vac.J_n_supertranslated + sp.I * n * (n**2 - 1) * am / (4 * G)) == 0
    # Poincare charges (n = -1, 0, 1) and all supermomenta are those of Minkowski
    for q in (-1, 0, 1):
        assert sp.simplify((vac.J_n_supertranslated - vac.J_n_minkowski).subs(n, q)) == 0
    assert sp.simplify((vac.J_n_supertranslated - vac.J_n_minkowski).subs(n, 2)) != 0
    assert sp.simplify(vac.P_n_supertranslated - vac.P_n_minkowski) == 0
    assert (
        sp.expand(
            vac.supertranslation_law - (N + d(alpha) * Theta + alpha * d(Theta) / 2 - d(alpha, 3))
        )
        == 0
    )


def test_charges_of_cosmologies_defects_and_minkowski(res):
    vac = res.vacua
    M, J, mu = sp.symbols("M J mu", real=True)
    assert vac.fsc == (M, J)
    assert sp.simplify(vac.conical_defect[0] + (1 - 4 * G * mu) ** 2 / (8 * G)) == 0
    assert vac.minkowski == (-1 / (8 * G), 0)
    assert vac.shifted_energy_minkowski == 0

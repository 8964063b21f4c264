"""Laws of fieldsym.charges: Barnich–Brandt calibrations (Schwarzschild mass, Kerr angular
momentum), integrability, integration over solution space, mode integrals and the Virasoro
cocycle fit."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.bms3 import cached_chain, phi
from fieldsym.charges import (
    euler_operator_1d,
    integrability_obstruction,
    integrate_charge,
    is_total_derivative,
    mode_integral,
    surface_charge,
    virasoro_cocycle,
)
from fieldsym.tensors import Metric

t, r, th, ph = sp.symbols("t r theta phi")
M, a, G = sp.symbols("M a G", positive=True)
dM, da = sp.symbols("delta_M delta_a")
SPHERE = {th: (0, sp.pi), ph: (0, 2 * sp.pi)}
Theta, N, alpha, Y = (sp.Function(n)(phi) for n in ("Theta", "N", "alpha", "Y"))


def kerr(aa):
    sig = r**2 + aa**2 * sp.cos(th) ** 2
    dl = r**2 - 2 * G * M * r + aa**2
    g = sp.zeros(4, 4)
    g[0, 0] = -(1 - 2 * G * M * r / sig)
    g[0, 3] = g[3, 0] = -2 * G * M * aa * r * sp.sin(th) ** 2 / sig
    g[1, 1] = sig / dl
    g[2, 2] = sig
    g[3, 3] = (r**2 + aa**2 + 2 * G * M * r * aa**2 * sp.sin(th) ** 2 / sig) * sp.sin(th) ** 2
    return g


def test_schwarzschild_energy_is_the_mass_variation():
    g = Metric(kerr(0), (t, r, th, ph))
    h = sp.diff(g.g, M) * dM
    assert surface_charge(g, [1, 0, 0, 0], h, 0, 1, r, SPHERE, G) == dM
    # a rotation carries no charge on the static family
    assert surface_charge(g, [0, 0, 0, 1], h, 0, 1, r, SPHERE, G) == 0


def test_kerr_linearised_at_schwarzschild_gives_minus_delta_J_for_d_phi():
    """Convention: orientation eps_{t r theta phi} = +1 (so Q[d_t] = +M); then, as in Iyer–Wald,
    Q[d_phi] = -J with J = M a (Kerr in Boyer–Lindquist rotating towards +phi)."""
    g = Metric(kerr(0), (t, r, th, ph))
    h = sp.diff(kerr(a), a).subs(a, 0) * da  # the linearised Kerr perturbation, exact at a = 0
    assert surface_charge(g, [0, 0, 0, 1], h, 0, 1, r, SPHERE, G) == -M * da
    assert surface_charge(g, [1, 0, 0, 0], h, 0, 1, r, SPHERE, G) == 0


def test_kerr_charges_are_delta_M_and_minus_delta_J():
    """The full two-parameter Kerr family (not linearised at a = 0), sqrt(-g) = Sigma sin(theta)
    with its sign taken as r -> oo: delta Q[d_t] = delta M, delta Q[d_phi] = -delta J."""
    g = Metric(kerr(a), (t, r, th, ph))
    h = sp.diff(g.g, M) * dM + sp.diff(g.g, a) * da
    assert sp.simplify(surface_charge(g, [1, 0, 0, 0], h, 0, 1, r, SPHERE, G) - dM) == 0
    dJ = M * da + a * dM
    assert sp.simplify(surface_charge(g, [0, 0, 0, 1], h, 0, 1, r, SPHERE, G) + dJ) == 0


def test_barnich_brandt_form_is_the_same_in_both_engines_and_linear_in_h():
    """Rational-field engine (split over the new symbols delta_M, delta_a) == plain sympy
    expressions (user simplifier): an independent route to the whole k^{tr}, not only its
    limit; and k is linear in h."""
    from fieldsym.charges import barnich_brandt
    from fieldsym.tensors import trig_cancel

    comps = kerr(0)
    fast, plain = Metric(comps, (t, r, th, ph)), Metric(comps, (t, r, th, ph), trig_cancel)
    hM = sp.diff(comps, M)
    ha = sp.diff(kerr(a), a).subs(a, 0)
    for xi in ([1, 0, 0, 0], [0, 0, 0, 1], [0, 0, sp.sin(ph), sp.cot(th) * sp.cos(ph)]):
        k = barnich_brandt(fast, xi, dM * hM + da * ha, 0, 1, G)
        ref = barnich_brandt(plain, xi, dM * hM + da * ha, 0, 1, G)
        assert trig_cancel(k - ref) == 0
        parts = dM * barnich_brandt(fast, xi, hM, 0, 1, G) + da * barnich_brandt(
            fast, xi, ha, 0, 1, G
        )
        assert trig_cancel(k - parts) == 0


def test_bms3_charges_are_integrable_conserved_and_the_literature_ones():
    plus = cached_chain()[1].plus
    u = plus.coords[0]
    ob = integrability_obstruction(plus.density.subs(u, 0), plus.fields, plus.variations, phi)
    assert is_total_derivative(ob, phi)
    assert is_total_derivative(sp.diff(plus.analysis.charges.charge_any_time, u), phi)
    ref = (alpha * Theta + 2 * Y * N) / (16 * sp.pi * G)
    assert sp.expand(plus.charge - ref) == 0
    # delta Q at u = 0 is the variation of Q: d/ds Q[F + s dF] = density
    dT, dN = plus.variations
    u = plus.coords[0]
    lin = sp.expand(plus.density.subs(u, 0))
    assert sp.expand(lin - ref.subs({Theta: dT, N: dN})) == 0


def test_a_non_integrable_one_form_is_detected():
    dT, dN = sp.Function("dT")(phi), sp.Function("dN")(phi)
    good = alpha * dT + 2 * Y * dN
    bad = Theta * dN
    assert is_total_derivative(integrability_obstruction(good, [Theta, N], [dT, dN], phi), phi)
    assert not is_total_derivative(integrability_obstruction(bad, [Theta, N], [dT, dN], phi), phi)
    # an integrable but field-dependent form integrates back: d(Theta^2) = 2 Theta dTheta
    assert integrate_charge(2 * Theta * dT, [Theta, N], [dT, dN]) == Theta**2


def test_euler_operator_kills_exactly_the_total_derivatives():
    assert euler_operator_1d(sp.diff(Theta * sp.diff(N, phi), phi), Theta, phi) == 0
    assert is_total_derivative(sp.diff(Theta**3 * sp.diff(Theta, phi, 2), phi), phi)
    assert not is_total_derivative(Theta**2, phi)
    assert is_total_derivative(sp.cos(phi), phi) and not is_total_derivative(sp.cos(phi) ** 2, phi)


@settings(max_examples=25)
@given(st.integers(-6, 6), st.integers(-6, 6), st.integers(-3, 3).filter(bool))
def test_mode_integral_is_orthogonality_of_fourier_modes(m, n, c):
    val = mode_integral(c * sp.exp(sp.I * m * phi) * sp.exp(sp.I * n * phi), phi)
    assert val == (2 * sp.pi * c if m + n == 0 else 0)
    ref = sp.integrate(sp.expand_complex(c * sp.exp(sp.I * (m + n) * phi)), (phi, 0, 2 * sp.pi))
    assert sp.simplify(val - ref) == 0


@settings(max_examples=15)
@given(st.fractions(-5, 5), st.fractions(-5, 5))
def test_virasoro_cocycle_fit_recovers_central_charge_and_shift(c, s):
    m = sp.Symbol("m")
    c, s = sp.Rational(c.numerator, c.denominator), sp.Rational(s.numerator, s.denominator)
    assert virasoro_cocycle(c * (m**3 - m) / 12 + 2 * m * s, m) == (c, s)


def test_virasoro_cocycle_rejects_non_cocycles():
    m = sp.Symbol("m")
    with pytest.raises(ValueError, match="not c/12"):
        virasoro_cocycle(m**2, m)

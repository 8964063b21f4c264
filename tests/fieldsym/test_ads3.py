"""Laws of 3D gravity with Lambda = -1/ell^2 in Bondi gauge, derived by the general pipeline
from the ansatz as data (fieldsym.ads3), checked against Barnich, Gomberoff & Gonzalez 2012
(arXiv 1204.3288: two Virasoro algebras with c = 3 ell / 2G; flat limit BMS3 with c_2 = 3/G)
and against the flat case computed independently twice: the same ansatz at Lambda = 0 (the
equations then integrate in closed form) and the BMS3 chain of fieldsym.bms3 (another ansatz).
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.ads3 import G, cached_ads3, ell, phi, r, u, virasoro_basis
from fieldsym.asymptotic_pipeline import derive_mode_algebra, slice_at
from fieldsym.asymptotics import linearize, reduce_on_shell
from fieldsym.bms3 import cached_chain
from fieldsym.charges import is_total_derivative
from fieldsym.tensors import Metric

M, N, T, Y = (sp.Function(n)(u, phi) for n in ("M", "N", "T", "Y"))
Ms, Ns, Ts, Ys = (sp.Function(n)(phi) for n in ("M", "N", "T", "Y"))
d = lambda f, k=1: sp.diff(f, phi, k)


@pytest.fixture(scope="module")
def ads():
    return cached_ads3()


@pytest.fixture(scope="module")
def flat():
    """The same ansatz and boundary conditions with Lambda = 0."""
    return cached_ads3(sp.S.Zero)


def test_the_derivation_reports_its_steps_timings(ads):
    """Each step's time is recorded (the bound, under a minute, is checked by the benchmark,
    not here: timings never go in unit tests)."""
    assert ads.timings and all(t >= 0 for _, t in ads.timings)


def test_solution_space_is_the_literature_one(ads):
    res = ads.analysis
    V, W, beta = res.problem.unknowns
    sol = res.space.solution
    assert sol[beta] == 0 and sol[W] == N
    assert sp.expand(sol[V] - (-(r**2) / ell**2 + M)) == 0
    # BGG 2012: d_u M = 2/ell^2 d_phi N, 2 d_u N = d_phi M (coupled: found by elimination)
    assert dict(res.space.evolution) == {M: 2 * d(N) / ell**2, N: d(M) / 2}


def test_on_shell_metric_solves_einstein_equations_with_lambda(ads):
    """Independent route: curvature of the on-shell metric, reduced with the evolution
    equations, and of an explicit chiral solution M = 2(f(x+) + g(x-)), N = ell (f - g)."""
    res = ads.analysis
    metric = res.space.on_shell_metric
    E = metric.ricci_tensor + 2 / ell**2 * metric.g
    assert all(sp.cancel(res.space.on_shell(e)) == 0 for e in E)
    assert not all(sp.cancel(e) == 0 for e in E)  # off shell it does not vanish
    f, g = sp.Function("f"), sp.Function("g")
    xp, xm = u / ell + phi, u / ell - phi
    chiral = {M: 2 * (f(xp) + g(xm)), N: ell * (f(xp) - g(xm))}
    m2 = Metric(res.space.metric.subs(chiral), res.coords)
    assert all(sp.simplify(e) == 0 for e in m2.ricci_tensor + 2 / ell**2 * m2.g)


def test_asymptotic_killing_vectors_are_the_literature_ones(ads):
    sym = ads.analysis.symmetries
    ref = [T, -r * d(Y) + d(T, 2) - N * d(T) / r, Y - d(T) / r]
    assert [sp.expand(a - b) for a, b in zip(sym.xi, ref)] == [0, 0, 0]
    assert dict(sym.evolution) == {T: d(Y), Y: d(T) / ell**2}
    # they preserve the falloffs on shell
    res = ads.analysis
    L = res.space.on_shell_metric.lie_derivative(sym.xi)
    ev = sym.evolution_of_all(sym.evolution)
    for cond in sym.falloffs.conditions(L):
        e = sp.cancel(reduce_on_shell(cond.expr, ev, u))
        top = -1 if cond.max_order is None else cond.max_order
        assert e == 0 or max(sp.Poly(sp.numer(sp.together(e * r**10)), r).monoms())[0] - 10 <= top


def test_virasoro_basis_is_chiral():
    """Its slice data extend to solutions of the parameter evolution that depend on x+ (L+) or
    x- (L-) only: Y^+- = e^{i m x+-}, T = ell/2 (Y+ + Y-), Y = (Y+ - Y-)/2."""
    res = cached_ads3().analysis
    ev = res.symmetries.evolution
    m = sp.Symbol("m", integer=True)
    basis = virasoro_basis(ell, m).resolve(res.symmetries.slice_parameters)
    for s, name in ((1, "Lp"), (-1, "Lm")):
        e = sp.exp(sp.I * m * (u / ell + s * phi))
        vals = {T: ell * e / 2, Y: s * e / 2}
        for p, rhs in ev.items():
            assert sp.simplify(sp.diff(vals[p], u) - rhs.subs(vals).doit()) == 0
        assert [sp.simplify(b - vals[q].subs(u, 0)) for b, q in zip(basis[name], (T, Y))] == [0, 0]


def test_transformation_laws_are_the_literature_ones(ads):
    laws = ads.analysis.laws.laws
    ref_m = Y * d(M) + 2 * d(Y) * M - 2 * d(Y, 3) + 2 * (T * d(N) + 2 * d(T) * N) / ell**2
    ref_n = Y * d(N) + 2 * d(Y) * N + T * d(M) / 2 + d(T) * M - d(T, 3)
    assert sp.expand(laws[M] - ref_m) == 0 and sp.expand(laws[N] - ref_n) == 0


def test_transformation_laws_represent_the_bracket(ads):
    """[delta_1, delta_2] F = -delta_[1,2] F, on shell (fields and parameters evolving)."""
    res = ads.analysis
    sym = res.symmetries
    p1, ev1 = sym.copies("1")
    p2, ev2 = sym.copies("2")
    ev = {**dict(res.space.evolution), **ev1, **ev2}
    sl = lambda e: sp.expand(slice_at(e, u, 0, ev))  # noqa: E731
    # the derived bracket is stated on the slice u = 0: lift it back to functions of (u, phi)
    lift = {sl(q): q for q in p1 + p2}
    d12 = res.laws.of(*[x.subs(lift) for x in res.algebra.bracket])
    d1, d2 = res.laws.of(*p1), res.laws.of(*p2)
    F = res.fields
    for f in F:
        comm = linearize(d2[f], F, [d1[g] for g in F]) - linearize(d1[f], F, [d2[g] for g in F])
        assert sl(comm + d12[f]) == 0
        assert sl(comm - d12[f]) != 0


def test_charges_are_the_literature_ones_integrable_and_conserved(ads):
    ch = ads.analysis.charges
    assert sp.expand(ch.charge - (Ts * Ms + 2 * Ys * Ns) / (16 * sp.pi * G)) == 0
    ev = {**dict(ads.analysis.space.evolution), **dict(ads.analysis.symmetries.evolution)}
    dq = slice_at(sp.diff(ch.charge_any_time, u), u, 0, ev)
    assert is_total_derivative(dq, phi)
    # BTZ (M = 8 G M0, N = 4 G J0): energy M0, angular momentum J0; global AdS: -1/8G
    M0, J0 = sp.symbols("M_0 J_0")
    btz = {Ms: 8 * G * M0, Ns: 4 * G * J0}
    energy = lambda vals, a, y: sp.integrate(ch.of(a, y, fields=vals), (phi, 0, 2 * sp.pi))  # noqa
    assert sp.simplify(energy(btz, 1, 0) - M0) == 0 and sp.simplify(energy(btz, 0, 1) - J0) == 0
    assert sp.simplify(energy({Ms: -1, Ns: 0}, 1, 0) + 1 / (8 * G)) == 0


def test_two_virasoro_algebras_with_brown_henneaux_central_charge(ads):
    vir = ads.virasoro
    m, n = vir.m, vir.n
    for z in ("Lp", "Lm"):
        b = vir.bracket(z, z)
        assert dict(b.structure) == {z: sp.factor(m - n)}
        assert sp.simplify(b.central_charge - 3 * ell / (2 * G)) == 0
        assert sp.simplify(b.central_function - ell * m**3 / (8 * G)) == 0
    for z, w in (("Lp", "Lm"), ("Lm", "Lp")):
        b = vir.bracket(z, w)
        assert b.structure == () and b.central == 0
    # global AdS (M = -1) is the vacuum: L_0 + shift = 0 with shift = c/24
    res = ads.analysis
    m0 = virasoro_basis(ell, sp.Symbol("m", integer=True)).resolve(res.symmetries.slice_parameters)
    for z in ("Lp", "Lm"):
        a, y = (v.subs(sp.Symbol("m", integer=True), 0) for v in m0[z])
        L0 = sp.integrate(res.charges.of(a, y, fields={Ms: -1, Ns: 0}), (phi, 0, 2 * sp.pi))
        assert sp.simplify(L0 + vir.bracket(z, z).shift) == 0


def test_jp_algebra_is_the_literature_one_and_follows_from_the_virasoro_pair(ads):
    """J_m = L+_m - L-_{-m}, P_m = (L+_m + L-_{-m}) / ell: c_2 = (c+ + c-) / ell = 3/G."""
    jp, vir = ads.analysis.modes, ads.virasoro
    m, n = jp.m, jp.n
    assert dict(jp.bracket("J", "J").structure) == {"J": sp.factor(m - n)}
    assert dict(jp.bracket("J", "P").structure) == {"P": sp.factor(m - n)}
    assert sp.simplify(dict(jp.bracket("P", "P").structure)["J"] - (m - n) / ell**2) == 0
    assert jp.bracket("J", "J").central_charge == 0 and jp.bracket("P", "P").central == 0
    c2 = jp.bracket("J", "P").central_charge
    assert c2 == 3 / G
    cp, cm = vir.bracket("Lp", "Lp").central_charge, vir.bracket("Lm", "Lm").central_charge
    assert sp.simplify(c2 - (cp + cm) / ell) == 0
    # the change of basis on the parameters themselves
    params = ads.analysis.symmetries.slice_parameters
    fam_v = virasoro_basis(ell, m).resolve(params)
    fam_jp = ads.analysis.modes.basis.resolve(params)
    for k in range(2):
        plus_minus = fam_v["Lp"][k] + fam_v["Lm"][k].subs(m, -m)
        assert sp.simplify(plus_minus - ell * fam_jp["P"][k]) == 0
        assert sp.simplify(fam_v["Lp"][k] - fam_v["Lm"][k].subs(m, -m) - fam_jp["J"][k]) == 0


@settings(max_examples=15, deadline=None)
@given(st.integers(-4, 4), st.integers(-4, 4))
def test_virasoro_brackets_at_integer_modes(mm, nn):
    vir = cached_ads3().virasoro
    m, n = vir.m, vir.n
    Lp = sp.Function("Lp")
    val = vir.bracket("Lp", "Lp").value.subs({m: mm, n: nn})
    central = sp.Rational(1, 12) * 3 * ell / (2 * G) * mm**3 if mm + nn == 0 else 0
    assert sp.expand(val - (mm - nn) * Lp(mm + nn) - central) == 0


def _flat_laws(laws, rename):
    eps = sp.Symbol("eps", positive=True)
    out = {}
    for f, v in laws.items():
        v = slice_at(v, u, 0)
        v = sp.expand(v.subs(ell, 1 / eps)).subs(eps, 0)
        out[rename.get(slice_at(f, u, 0), slice_at(f, u, 0))] = sp.expand(v.subs(rename))
    return out


def test_flat_limit_is_bms3_computed_independently(ads, flat):
    """ell -> oo of the algebra, the laws and the charges = Lambda = 0 (same ansatz) = BMS3."""
    lim = ads.flat_limit
    assert ads.limit == (ell, sp.oo)
    bms = cached_chain()[1]
    flat_modes = flat.analysis.modes
    for a in ("J", "P"):
        for b in ("J", "P"):
            x, y, z = lim.bracket(a, b), flat_modes.bracket(a, b), bms.algebra.modes.bracket(a, b)
            assert sp.simplify(x.value - y.value) == 0 and sp.simplify(x.value - z.value) == 0
            assert x.central_charge == y.central_charge == z.central_charge
    assert (
        lim.bracket("J", "P").central_charge == 3 / G and lim.bracket("J", "J").central_charge == 0
    )
    assert flat.analysis.space.evolution == sp.Dict({})  # integrated in closed form
    # laws: AdS (ell -> oo, slice) == flat ansatz == BMS3 (Theta -> M, alpha -> T)
    alpha = sp.Function("alpha")(phi)
    theta = sp.Function("Theta")(phi)
    from_ads = _flat_laws(ads.analysis.laws.laws, {})
    from_flat = _flat_laws(flat.analysis.laws.laws, {alpha: Ts})
    from_bms = _flat_laws(bms.plus.laws, {alpha: Ts, theta: Ms})
    assert from_ads == from_flat == from_bms
    # charges
    q_ads = ads.analysis.charges.charge
    q_flat = flat.analysis.charges.charge.subs(alpha, Ts)
    q_bms = bms.plus.charge.subs({alpha: Ts, theta: Ms})
    assert sp.expand(q_ads - q_flat) == 0 and sp.expand(q_ads - q_bms) == 0


def test_a_linearly_dependent_mode_basis_is_rejected(ads):
    m = sp.Symbol("m", integer=True)
    e = sp.exp(sp.I * m * phi)
    from fieldsym.asymptotic_pipeline import ModeBasis

    basis = ModeBasis({"J": (0, e), "P": (e, 0), "Q": (e, e)}, m)
    with pytest.raises(ValueError, match="not a unique combination"):
        derive_mode_algebra(ads.analysis.algebra, basis)


def test_exact_killing_vectors_of_global_ads3_are_so22_and_the_modes_with_m_at_most_1(ads):
    """Global AdS (M = -1, N = 0): its exact Killing vectors, found by the same solver with
    every falloff exact, form a 6-dimensional algebra (so(2,2)), and the transformation laws
    leave it invariant exactly for the Virasoro modes L+-_m with |m| <= 1."""
    from fieldsym.asymptotic_pipeline import (
        AsymptoticProblem,
        derive_solution_space,
        derive_symmetries,
    )
    from fieldsym.asymptotics import Falloffs

    res = ads.analysis
    g = res.space.metric.subs({M: -1, N: 0})
    prob = AsymptoticProblem(g, res.coords, (), r, u, cosmological_constant=-1 / ell**2)
    exact = Falloffs({(a, b): None for a in range(3) for b in range(a, 3)}, r)
    sym = derive_symmetries(derive_solution_space(prob), exact)
    assert len(sym.parameters) == 6 and all(isinstance(c, sp.Symbol) for c in sym.parameters)
    assert all(sp.simplify(e) == 0 for e in Metric(g, res.coords).lie_derivative(sym.xi))
    m = sp.Symbol("m", integer=True)
    fam = virasoro_basis(ell, m).resolve(res.symmetries.slice_parameters)
    for name in ("Lp", "Lm"):
        a, y = fam[name]
        laws = res.laws.of(a, y)
        dm = sp.simplify(slice_at(laws[M], u, 0).subs({Ms: -1, Ns: 0}).doit() / a)
        assert sp.solve(dm, m) == [-1, 0, 1]
        dn = slice_at(laws[N], u, 0).subs({Ms: -1, Ns: 0}).doit()
        assert [sp.simplify(dn.subs(m, q)) for q in (-1, 0, 1)] == [0, 0, 0]


def test_lambda_as_a_symbol_of_unknown_sign_gives_one_algebra_for_ads_ds_and_flat(ads, flat):
    """Lambda given as a bare symbol (no sign): the same derivation covers AdS (Lambda < 0),
    de Sitter (Lambda > 0) and flat space.  BGG 2012 write the algebra with 1/ell^2 = -Lambda:
    i{P_m, P_n} = -Lambda (m - n) J_{m+n}, c_2 = 3/G whatever Lambda.  Checked against the
    curvature of the on-shell metric (another route than the solver) and against the runs with
    Lambda = -1/ell^2 and Lambda = 0."""
    lam = sp.Symbol("Lambda")
    res = cached_ads3(lam).analysis
    V, W, beta = res.problem.unknowns
    sol = res.space.solution
    assert sol[beta] == 0 and sol[W] == N and sp.expand(sol[V] - (lam * r**2 + M)) == 0
    assert dict(res.space.evolution) == {M: -2 * lam * d(N), N: d(M) / 2}
    assert dict(res.symmetries.evolution) == {T: d(Y), Y: -lam * d(T)}
    metric = res.space.on_shell_metric
    E = metric.ricci_tensor - 2 * lam * metric.g
    assert all(sp.cancel(res.space.on_shell(e)) == 0 for e in E)
    assert not all(sp.cancel(e) == 0 for e in E)  # off shell it does not vanish
    jp = res.modes
    m, n = jp.m, jp.n
    assert sp.expand(dict(jp.bracket("P", "P").structure)["J"] + lam * (m - n)) == 0
    assert jp.bracket("J", "P").central_charge == 3 / G
    assert jp.bracket("P", "P").central == 0 and jp.bracket("J", "J").central_charge == 0
    # Lambda -> -1/ell^2 and Lambda -> 0 give the other two runs
    for run, value in ((ads, -1 / ell**2), (flat, 0)):
        other = run.analysis
        for a in ("J", "P"):
            for b in ("J", "P"):
                here = jp.bracket(a, b).value.subs({lam: value, jp.m: other.modes.m,
                                                     jp.n: other.modes.n})
                assert sp.simplify(here - other.modes.bracket(a, b).value) == 0
        assert sp.expand(res.charges.charge - other.charges.charge.subs(
            sp.Function("alpha")(phi), Ts)) == 0

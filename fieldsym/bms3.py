r"""Three-dimensional asymptotically flat gravity at future and past null infinity (BMS3),
derived from the Bondi-gauge ansatz by the general machinery of :mod:`fieldsym.tensors`,
:mod:`fieldsym.asymptotics` and :mod:`fieldsym.charges`.

Ansatz (``s = +1`` retarded :math:`u` at :math:`\mathscr I^+`, ``s = -1`` advanced :math:`v`
at :math:`\mathscr I^-`):

.. math:: ds^2 = \Theta\,du^2 - 2s\,du\,dr + 2\mathcal N\,du\,d\phi + r^2 d\phi^2,

falloffs :math:`\mathcal L_\xi g_{rr} = \mathcal L_\xi g_{r\phi} = \mathcal L_\xi g_{\phi\phi}
= \mathcal L_\xi g_{ur} = 0`, :math:`\mathcal L_\xi g_{uu} = O(1)`,
:math:`\mathcal L_\xi g_{u\phi} = O(1)`. Conventions for comparing with the literature
(Barnich & Compère 2007; Schöller 2003.07243): the arbitrary functions are named by what they
are, :math:`Y(\phi) = \lim_{r\to\infty}\xi^\phi`, :math:`\alpha(\phi) = \xi^u|_{u=0, r^0}`;
integration functions are named ``T`` (from :math:`\xi^u`) and ``N`` (from :math:`\mathcal N`).

Each step of :func:`derive` is timed; :func:`chain` runs I+, I-, the algebra, the linking and
the vacua.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import sympy as sp

from .asymptotics import (
    Condition,
    Falloffs,
    asymptotic_killing_vectors,
    conformal_completion,
    laurent_coefficients,
    linearize,
    solution_space,
    solve_order_by_order,
    transformation_laws,
)
from .charges import (
    charge_density,
    euler_operator_1d,
    integrability_obstruction,
    integrate_charge,
    is_total_derivative,
    mode_integral,
    virasoro_cocycle,
)
from .tensors import Metric, lie_bracket

__all__ = [
    "bondi_ansatz",
    "bondi_falloffs",
    "NullInfinity",
    "derive",
    "charge_algebra",
    "link_null_infinities",
    "vacua",
    "Step",
    "chain",
    "cached_chain",
]

phi = sp.Symbol("phi", real=True)
r = sp.Symbol("r", positive=True)
G = sp.Symbol("G", positive=True)
NAMES = {"calN": "N", "xi^u": "T", "xi^v": "T", "T": "alpha", "xi^phi": "Y"}


def bondi_ansatz(sign: int = 1):
    r"""Coordinates ``(u, r, phi)`` (``v`` for ``sign = -1``), the metric ansatz and the unknown
    functions :math:`\Theta(u,\phi)`, :math:`\mathcal N(u,\phi)`."""
    if sign not in (1, -1):
        raise ValueError(f"expected sign +1 (I+, retarded) or -1 (I-, advanced), got {sign}")
    u = sp.Symbol("u" if sign == 1 else "v", real=True)
    Th, Nc = sp.Function("Theta")(u, phi), sp.Function("calN")(u, phi)
    g = sp.Matrix([[Th, -sign, Nc], [-sign, 0, 0], [Nc, 0, r**2]])
    return (u, r, phi), g, [Th, Nc]


def bondi_falloffs(coords) -> Falloffs:
    """The BMS3 falloffs on :math:`\\mathcal L_\\xi g` (module docstring), as data."""
    return Falloffs(
        {(1, 1): None, (1, 2): None, (2, 2): None, (0, 1): None, (0, 0): 0, (0, 2): 0},
        coords[1],
        tuple(str(c) for c in coords),
    )


@dataclass
class NullInfinity:
    """Everything derived at one null infinity."""

    sign: int
    coords: tuple
    completion: object = None
    solution: dict = field(default_factory=dict)
    metric: Metric | None = None
    fields: list = field(default_factory=list)
    xi: list = field(default_factory=list)
    params: list = field(default_factory=list)
    laws: dict = field(default_factory=dict)
    variations: list = field(default_factory=list)
    density: sp.Expr = sp.S.Zero
    integrable: bool = False
    conserved: bool = False
    charge: sp.Expr = sp.S.Zero
    timings: dict = field(default_factory=dict)

    def akv(self, alpha, Y):
        """The asymptotic Killing vector with parameters ``alpha(phi), Y(phi)`` (expressions)."""
        a0, y0 = self.params
        rep = {a0: alpha, y0: Y}
        return [sp.expand(c.subs(rep).doit()) for c in self.xi]

    def delta(self, alpha, Y):
        """Transformation laws with parameters substituted: ``{field: delta field}``."""
        a0, y0 = self.params
        return {f: sp.expand(v.subs({a0: alpha, y0: Y}).doit()) for f, v in self.laws.items()}

    def charge_of(self, alpha, Y, values=None):
        r"""Density of :math:`Q[\alpha, Y]` at ``u = 0``, optionally on given field values."""
        a0, y0 = self.params
        dens = self.charge.subs({a0: alpha, y0: Y})
        if values:
            dens = dens.subs(values)
        return dens.doit()


def _reading_map(xi, coords):
    """alpha = xi^u at u = 0 (r^0 term), Y = r^0 term of xi^phi: the conventions' definition."""
    u = coords[0]
    Y = laurent_coefficients(xi[2], r).get(0, sp.S.Zero)
    alpha = laurent_coefficients(xi[0].subs(u, 0), r).get(0, sp.S.Zero)
    return sp.expand(alpha), sp.expand(Y)


def derive(sign: int = 1) -> NullInfinity:
    """Derive the BMS3 chain at I+ (``sign = 1``) or I- (``sign = -1``), each step timed."""
    coords, g, unknowns = bondi_ansatz(sign)
    u = coords[0]
    out = NullInfinity(sign, coords)
    t = time.perf_counter()

    def tick(name):
        nonlocal t
        now = time.perf_counter()
        out.timings[name] = now - t
        t = now

    ansatz = Metric(g, coords)
    out.completion = conformal_completion(ansatz, r)
    tick("conformal completion")
    sol, free, _ = solution_space(ansatz, unknowns, r, names=NAMES)
    out.solution = sol
    # fields in the order of the unknowns they came from: (Theta, N)
    out.fields = []
    for f in unknowns:
        out.fields += [x for x in free if sol[f].has(x) and x not in out.fields]
    out.metric = Metric(g.subs(sol).doit(), coords)
    if not out.metric.ricci_tensor.is_zero_matrix:
        raise ValueError("solution space is not Ricci flat")
    tick("solution space")
    names = dict(NAMES)
    names[f"xi^{u}"] = "T"
    xi, params, _ = asymptotic_killing_vectors(out.metric, bondi_falloffs(coords), names=names)
    # convention: the parameters are what the reading map returns
    alpha, Y = _reading_map(xi, coords)
    if alpha not in params or Y not in params:
        raise ValueError(
            f"reading map gave alpha = {alpha}, Y = {Y}, not the free functions {params}"
        )
    out.xi, out.params = xi, [alpha, Y]
    tick("asymptotic Killing vectors")
    out.variations = [sp.Function(f"delta_{f.func.__name__}")(phi) for f in out.fields]
    out.laws = transformation_laws(out.metric, xi, out.fields, out.variations, r)
    tick("transformation laws")
    h = sp.Matrix(3, 3, lambda a, b: linearize(out.metric.g[a, b], out.fields, out.variations))
    out.density = sp.expand(charge_density(out.metric, xi, h, 0, 1, r, G))
    obstruction = integrability_obstruction(out.density, out.fields, out.variations, phi)
    out.integrable = is_total_derivative(obstruction, phi)
    full = integrate_charge(out.density, out.fields, out.variations)
    out.conserved = is_total_derivative(sp.diff(full, u), phi)
    out.charge = sp.expand(full.subs(u, 0))
    tick("surface charges")
    return out


def _modified_bracket(inf: NullInfinity, p1, p2):
    r""":math:`[\xi_1,\xi_2]_M = [\xi_1,\xi_2] - \delta_{\xi_1}\xi_2 + \delta_{\xi_2}\xi_1`
    (Barnich–Troessaert), the fields' variation acting on the field-dependent :math:`\xi`."""
    x1, x2 = inf.akv(*p1), inf.akv(*p2)
    d1 = [inf.delta(*p1)[f] for f in inf.fields]
    d2 = [inf.delta(*p2)[f] for f in inf.fields]
    lie = lie_bracket(x1, x2, inf.coords)
    return [
        sp.expand(lie[a] - linearize(x2[a], inf.fields, d1) + linearize(x1[a], inf.fields, d2))
        for a in range(3)
    ]


def charge_algebra(inf: NullInfinity):
    r"""Bracket of the parameters, central extension and the mode algebra with its central
    charges, all computed from ``inf``.

    Returns
    -------
    dict with ``alpha12, Y12`` (generic parameters), ``K`` (central density), ``modes``
    (``i{J_m,J_n}``, ``i{J_m,P_n}``, ``i{P_m,P_n}`` as expressions), ``c1, c2`` and the shifts
    of ``J_0``, ``P_0``.
    """
    a1, a2, y1, y2 = (sp.Function(n)(phi) for n in ("alpha_1", "alpha_2", "Y_1", "Y_2"))
    br = _modified_bracket(inf, (a1, y1), (a2, y2))
    a12, y12 = sp.Function("alpha_12")(phi), sp.Function("Y_12")(phi)
    target = inf.akv(a12, y12)
    conds = [Condition(br[k] - target[k], r, None, f"xi^{k}") for k in range(3)]
    sol, free, _ = solve_order_by_order(conds, [a12, y12], variables=inf.coords)
    if free:
        raise ValueError(f"bracket does not fix {free}")
    A12, Y12 = sp.expand(sol[a12]), sp.expand(sol[y12])
    # {Q_1, Q_2} = delta_2 Q_1 = Q_[1,2] + K
    d2 = inf.delta(a2, y2)
    a0, y0 = inf.params
    dQ1 = inf.density.subs({a0: a1, y0: y1}).subs(inf.coords[0], 0)
    dQ1 = dQ1.subs({d: d2[f] for f, d in zip(inf.fields, inf.variations)}).doit()
    K = sp.expand(dQ1 - inf.charge_of(A12, Y12))
    field_free = all(euler_operator_1d(K, f, phi) == 0 for f in inf.fields)
    K0 = sp.expand(K.subs({f: 0 for f in inf.fields}).doit())
    m, n = sp.symbols("m n", integer=True)
    e = lambda k: sp.exp(sp.I * k * phi)
    J, P = sp.Function("J"), sp.Function("P")
    modes, centrals = {}, {}
    for name, p1, p2 in (
        ("i{J_m,J_n}", (0, e(m)), (0, e(n))),
        ("i{J_m,P_n}", (0, e(m)), (e(n), 0)),
        ("i{P_m,P_n}", (e(m), 0), (e(n), 0)),
    ):
        rep = {a1: p1[0], y1: p1[1], a2: p2[0], y2: p2[1]}
        a_mn = sp.simplify(A12.subs(rep).doit() / e(m + n))
        y_mn = sp.simplify(Y12.subs(rep).doit() / e(m + n))
        central = sp.simplify(sp.I * mode_integral(K0.subs(rep).doit(), phi))
        modes[name] = sp.expand(sp.I * (a_mn * P(m + n) + y_mn * J(m + n))) + central
        centrals[name] = sp.simplify(central.subs(n, -m).subs(sp.KroneckerDelta(0, 0), 1).doit())
    c1, s1 = virasoro_cocycle(centrals["i{J_m,J_n}"], m)
    c2, s2 = virasoro_cocycle(centrals["i{J_m,P_n}"], m)
    return {
        "alpha12": A12,
        "Y12": Y12,
        "K": K0,
        "K_field_independent": field_free,
        "modes": modes,
        "c1": c1,
        "c2": c2,
        "J0_shift": s1,
        "P0_shift": s2,
        "central_PP": centrals["i{P_m,P_n}"],
        "m": m,
        "n": n,
    }


def _minkowski(inf: NullInfinity):
    th, nn = inf.fields
    return {th: -1, nn: 0}


def _global_killing(inf: NullInfinity):
    """Exact Killing vectors of Minkowski: the parameters with delta(Theta, N) = 0 at Theta=-1."""
    alpha, Y = inf.params
    mink = _minkowski(inf)
    laws = {f: v.subs(mink).doit() for f, v in inf.laws.items()}
    conds = [Condition(v, r, None, f"delta {f}") for f, v in laws.items()]
    sol, free, _ = solve_order_by_order(conds, [alpha, Y], variables=inf.coords)
    return sol[alpha], sol[Y], [c for c in free if isinstance(c, sp.Symbol)]


def link_null_infinities(plus: NullInfinity, minus: NullInfinity):
    r"""Derive the map between :math:`\mathscr I^+` and :math:`\mathscr I^-` from the global
    Killing vectors of Minkowski, extend it to BMS3, match the charges, check energy and list the
    conservation laws (Prohazka, Salzer & Schöller 2017).

    The Minkowski Killing vectors at I+ are moved to advanced coordinates with
    :math:`v = u + 2r` and read at I- with the same reading map; the linking map
    :math:`\phi \mapsto \epsilon\phi + c` is the one for which every Killing vector has the same
    parameters on both sides.
    """
    u, v = plus.coords[0], minus.coords[0]
    alpha_p, Y_p, consts = _global_killing(plus)
    xi = plus.akv(alpha_p, Y_p)
    mink = _minkowski(plus)
    xi = [sp.expand(c.subs(mink).doit()) for c in xi]
    # (u, r, phi) -> (v = u + 2 r, r, phi): xi^v = xi^u + 2 xi^r, then u = v - 2 r
    xi_adv = [sp.expand((c).subs(u, v - 2 * r)) for c in (xi[0] + 2 * xi[1], xi[1], xi[2])]
    alpha_m, Y_m = _reading_map(xi_adv, minus.coords)
    eps_c = sp.Symbol("c", real=True)
    found = []
    for eps in (1, -1):
        eqs = []
        for lhs, rhs in ((alpha_m, alpha_p), (Y_m, Y_p)):
            d = sp.expand(sp.expand_trig(lhs - rhs.subs(phi, eps * phi + eps_c)))
            for cst in consts:
                coeff = d.coeff(cst)
                eqs += [
                    coeff.coeff(sp.cos(phi)),
                    coeff.coeff(sp.sin(phi)),
                    coeff.subs({sp.sin(phi): 0, sp.cos(phi): 0}),
                ]
        X, S = sp.symbols("X S", real=True)
        poly = [sp.expand(q.subs({sp.cos(eps_c): X, sp.sin(eps_c): S})) for q in eqs]
        for sol in sp.solve([q for q in poly if q != 0] + [X**2 + S**2 - 1], [X, S], dict=True):
            found.append((eps, sp.atan2(sol[S], sol[X]) % (2 * sp.pi)))
    if len(found) != 1:
        raise ValueError(f"expected one linking map phi -> eps phi + c, found {found}")
    eps, shift = found[0]
    A = eps * phi + shift
    # charges: Q+[alpha, Y] = Q-[alpha o A, Y o A] for all alpha, Y  ->  fields of I+ from I-
    al, yy = sp.Function("alpha")(phi), sp.Function("Y")(phi)
    qm = minus.charge_of(al.subs(phi, A), yy.subs(phi, A))
    # integrate over the circle in the variable psi = A(phi): phi = eps (psi - shift)
    qm = sp.expand(qm.subs(phi, eps * (phi - shift)) * eps * eps)  # |d phi / d psi| = 1
    diff = sp.expand(plus.charge_of(al, yy) - qm)
    eqs = [Condition(euler_operator_1d(diff, f, phi), r, None, f"dQ/d{f}") for f in (al, yy)]
    sol, free, _ = solve_order_by_order(eqs, plus.fields, variables=plus.coords)
    field_map = {f: sp.expand(sol[f]) for f in plus.fields}
    # the same map with the representative argument in [phi, phi + 2 pi) (periodicity)
    field_map_shown = {f: v.subs(phi - sp.pi, phi + sp.pi) for f, v in field_map.items()}
    residual = sp.expand(diff.subs(field_map).doit())
    if residual != 0:
        raise ValueError(f"charges do not match under the linking map: residual {residual}")
    # energy: the I+ density, written through I- fields, is the I- density moved by the map,
    # so over the circle (psi = A(phi)) the two integrals agree
    e_plus = plus.charge_of(1, 0, field_map).subs(phi, A)
    preserved = sp.expand(e_plus - minus.charge_of(1, 0)) == 0
    k = sp.Symbol("k", integer=True)
    mode = sp.exp(sp.I * k * phi)
    ratio = sp.simplify(sp.expand_complex(sp.powsimp(mode.subs(phi, A) / mode)))
    laws = {
        "P": (ratio, "Q+[alpha=e^{ik phi}] = ratio * Q-[alpha=e^{ik phi}]"),
        "J": (ratio, "Q+[Y=e^{ik phi}] = ratio * Q-[Y=e^{ik phi}]"),
    }
    return {
        "map": (eps, shift),
        "killing_plus": (alpha_p, Y_p),
        "killing_minus": (alpha_m, Y_m),
        "field_map": field_map_shown,
        "energy_preserved": preserved,
        "conservation": laws,
    }


def vacua(inf: NullInfinity, algebra: dict):
    r"""Finite superrotations and supertranslations, Lorentz invariance of Minkowski,
    supertranslated Minkowski spaces and the charges of cosmologies and conical defects."""
    th, nn = inf.fields
    alpha, Y = inf.params
    out = {}
    # stabilizer of Minkowski (Lorentz + translations): exact Killing parameters
    a_k, y_k, consts = _global_killing(inf)
    out["minkowski_stabilizer"] = (a_k, y_k)
    # finite superrotation: ansatz Theta_f = f'^w Theta(f) + c1 f'''/f' + c2 (f''/f')^2
    f, g_ = sp.Function("f"), sp.Function("g")
    w, c1, c2, epsi = sp.symbols("w c_1 c_2 epsilon")
    Th = sp.Function("Theta")

    def cocycle(F):
        return (
            c1 * sp.diff(F, phi, 3) / sp.diff(F, phi)
            + c2 * (sp.diff(F, phi, 2) / sp.diff(F, phi)) ** 2
        )

    def act(Thfun, F):
        return sp.diff(F, phi) ** w * Thfun(F) + cocycle(F)

    # linearisation at f = phi + eps Y reproduces delta Theta (generic Theta, Y)
    lin = sp.diff(act(Th, phi + epsi * Y), epsi).subs(epsi, 0).doit()
    eq1 = sp.expand(lin - inf.laws[th].subs({alpha: 0}).doit())
    eq1 = sp.expand(eq1.subs(Th(phi), th))
    sol1 = sp.solve(_coefficients(eq1), [w, c1], dict=True)[0]
    # group action: Theta_{f o g} = (Theta_f)_g fixes c2
    F, Gf = f(phi), g_(phi)
    lhs = act(Th, F.subs(phi, Gf)).subs(sol1)
    inner = sp.Lambda(phi, act(Th, F).subs(sol1))
    rhs = (sp.diff(Gf, phi) ** sol1[w] * inner(Gf) + cocycle(Gf)).subs(sol1)
    eq2 = sp.expand(sp.simplify((lhs - rhs).doit()))
    sol2 = sp.solve(_coefficients(eq2), [c2], dict=True)[0]
    law = sp.simplify(act(Th, F).subs(sol1).subs(sol2).doit())
    out["superrotation_law"] = law
    schwarz = (
        sp.diff(F, phi, 3) / sp.diff(F, phi)
        - sp.Rational(3, 2) * (sp.diff(F, phi, 2) / sp.diff(F, phi)) ** 2
    )
    out["schwarzian_form"] = sp.simplify(law - (sp.diff(F, phi) ** 2 * Th(F) - 2 * schwarz)) == 0
    # Lorentz boost on the circle: tan(f/2) = e^eta tan(phi/2) keeps Theta = -1
    eta = sp.Symbol("eta", real=True)
    fb = 2 * sp.atan(sp.exp(eta) * sp.tan(phi / 2))
    boosted = law.subs(Th(F), -1).subs(F, fb).doit()
    out["boost_fixes_minkowski"] = sp.simplify(boosted + 1) == 0
    # finite supertranslation: integrate dN/dt = delta_alpha N along t in [0, 1]
    tt = sp.Symbol("t")
    Nt = sp.Function("N_t")(tt)
    rhs_st = inf.laws[nn].subs({Y: 0}).doit().subs(nn, Nt)
    if rhs_st.has(Nt) or inf.laws[th].subs({Y: 0}).doit() != 0:
        raise ValueError("supertranslations are not translations of N here")
    # dN_t/dt = rhs with rhs free of N_t and Theta fixed along the flow: N_1 = N + int_0^1 rhs dt
    finite_st = sp.expand(nn + sp.integrate(rhs_st, (tt, 0, 1)))
    out["supertranslation_law"] = finite_st
    st_mink = sp.expand(finite_st.subs(_minkowski(inf)).doit())
    out["supertranslated_minkowski_N"] = st_mink
    # charges of supertranslated Minkowski, alpha = a_k e^{i k phi}
    k, nmode = sp.symbols("k n", integer=True)
    ak = sp.Symbol("alpha_{-n}")  # the mode alpha_k, k = -n after the integral
    vals = {th: -1, nn: st_mink.subs(alpha, ak * sp.exp(sp.I * k * phi)).doit()}
    J_n = mode_integral(inf.charge_of(0, sp.exp(sp.I * nmode * phi), vals), phi)
    P_n = mode_integral(inf.charge_of(sp.exp(sp.I * nmode * phi), 0, vals), phi)
    J_n_mink = mode_integral(inf.charge_of(0, sp.exp(sp.I * nmode * phi), _minkowski(inf)), phi)
    P_n_mink = mode_integral(inf.charge_of(sp.exp(sp.I * nmode * phi), 0, _minkowski(inf)), phi)
    J_n = sp.simplify(J_n.subs(k, -nmode).subs(sp.KroneckerDelta(0, 0), 1))
    out["J_n_supertranslated"] = J_n
    out["J_n_poincare_unchanged"] = all(
        sp.simplify((J_n - J_n_mink).subs(nmode, q)) == 0 for q in (-1, 0, 1)
    )
    out["P_n_unchanged"] = sp.simplify(P_n - P_n_mink) == 0
    # cosmologies and conical defects
    M, Jc, mu = sp.symbols("M J mu", real=True)
    fsc = {th: 8 * G * M, nn: 4 * G * Jc}
    out["fsc"] = (_zero_mode(inf, 1, 0, fsc), _zero_mode(inf, 0, 1, fsc))
    cone = {th: -((1 - 4 * G * mu) ** 2), nn: 0}
    out["conical_defect"] = (_zero_mode(inf, 1, 0, cone), _zero_mode(inf, 0, 1, cone))
    out["minkowski"] = (
        _zero_mode(inf, 1, 0, _minkowski(inf)),
        _zero_mode(inf, 0, 1, _minkowski(inf)),
    )
    shift = algebra["P0_shift"]
    out["shifted_energies"] = {
        k_: sp.expand(v[0] + shift)
        for k_, v in (
            ("minkowski", out["minkowski"]),
            ("conical_defect", out["conical_defect"]),
            ("fsc", out["fsc"]),
        )
    }
    return out


def _zero_mode(inf, a, y, values):
    return sp.simplify(sp.integrate(inf.charge_of(a, y, values), (phi, 0, 2 * sp.pi)))


def _coefficients(expr):
    """Coefficients of an expression as a polynomial in all derivatives/functions it contains."""
    gens = sorted(expr.atoms(sp.Derivative, sp.core.function.AppliedUndef), key=sp.default_sort_key)
    if not gens:
        return [expr]
    dums = [sp.Dummy() for _ in gens]
    flat = sp.together(expr.subs(dict(zip(reversed(gens), reversed(dums)))))
    num = sp.fraction(flat)[0]
    return sp.Poly(sp.expand(num), *dums).coeffs()


@dataclass
class Step:
    """One reported result: a title, the sympy result(s) as text and LaTeX, the seconds taken."""

    title: str
    text: str
    latex: str
    seconds: float


def _show(e):
    return sp.sstr(e)


def _escape(label):
    out = str(label)
    for a, b in (
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("^", r"\^{}"),
    ):
        out = out.replace(a, b)
    return out.replace("->", r"$\to$").replace("calN", r"$\mathcal{N}$")


def _tex(e):
    return sp.latex(e).replace(r"\operatorname{calN}", r"\mathcal{N}")


def chain():
    """Run the whole BMS3 derivation: I+, I-, the algebra, the linking map and the vacua.

    Returns
    -------
    steps : list of Step
        Each result with its wall time, in order.
    results : dict
        ``{"plus", "minus", "algebra", "link", "vacua"}`` raw objects.
    """
    steps: list[Step] = []

    def add(title, pairs, seconds):
        text = "\n".join(f"  {k}: {_show(v)}" for k, v in pairs)
        tex = "\n".join(f"\\item {_escape(k)}: ${_tex(v)}$" for k, v in pairs)
        steps.append(Step(title, text, tex, seconds))

    res = {}
    for sign, key, label in ((1, "plus", "I+"), (-1, "minus", "I-")):
        inf = derive(sign)
        res[key] = inf
        u = inf.coords[0]
        T = inf.timings
        c = inf.completion
        add(
            f"{label}: conformal completion (Omega = 1/r)",
            [
                ("Omega^2 g at Omega = 0", c.boundary_metric),
                ("induced metric on scri", c.induced),
                ("rank of induced metric", c.induced_rank),
                ("norm of d Omega at scri", c.normal_norm),
            ],
            T["conformal completion"],
        )
        add(
            f"{label}: solution space (R_mn = 0 order by order in r)",
            [(str(k), v) for k, v in inf.solution.items()],
            T["solution space"],
        )
        add(
            f"{label}: asymptotic Killing vectors",
            [(f"xi^{x}", v) for x, v in zip(inf.coords, inf.xi)],
            T["asymptotic Killing vectors"],
        )
        add(
            f"{label}: transformation laws (delta g = L_xi g)",
            [(f"delta {f}", v) for f, v in inf.laws.items()],
            T["transformation laws"],
        )
        add(
            f"{label}: Barnich-Brandt charges",
            [
                ("delta Q density (r -> oo)", inf.density),
                ("integrable", inf.integrable),
                (f"conserved (d/d{u} is a total phi-derivative)", inf.conserved),
                (f"Q[alpha, Y] density at {u} = 0", inf.charge),
            ],
            T["surface charges"],
        )
    t0 = time.perf_counter()
    alg = charge_algebra(res["plus"])
    res["algebra"] = alg
    add(
        "I+: charge algebra",
        [
            ("alpha_12", alg["alpha12"]),
            ("Y_12", alg["Y12"]),
            (f"central density K (field independent: {alg['K_field_independent']})", alg["K"]),
            *[(k, v) for k, v in alg["modes"].items()],
            ("P_0 shift", alg["P0_shift"]),
            ("c_1", alg["c1"]),
            ("c_2", alg["c2"]),
        ],
        time.perf_counter() - t0,
    )
    t0 = time.perf_counter()
    link = link_null_infinities(res["plus"], res["minus"])
    res["link"] = link
    eps, shift = link["map"]
    add(
        "I- <-> I+: linking map from the Minkowski Killing vectors",
        [
            ("map phi -> ", eps * phi + shift),
            ("Killing (alpha, Y) at I+", link["killing_plus"]),
            ("Killing (alpha, Y) at I-", link["killing_minus"]),
            *[(f"{k} (I+ in terms of I-)", v) for k, v in link["field_map"].items()],
            ("energy preserved", link["energy_preserved"]),
            ("conservation laws P+_k = c P-_k, c", link["conservation"]["P"][0]),
            ("conservation laws J+_k = c J-_k, c", link["conservation"]["J"][0]),
        ],
        time.perf_counter() - t0,
    )
    t0 = time.perf_counter()
    vac = vacua(res["plus"], alg)
    res["vacua"] = vac
    add("vacua", [(k, v) for k, v in vac.items()], time.perf_counter() - t0)
    return steps, res


@functools.lru_cache(maxsize=1)
def cached_chain():
    """:func:`chain`, computed once per process (for tests and repeated use; timings are those
    of the first run)."""
    return chain()

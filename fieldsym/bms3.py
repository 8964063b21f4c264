r"""Three-dimensional asymptotically flat gravity at future and past null infinity (BMS3):
one instance of the general pipeline (:mod:`fieldsym.asymptotic_pipeline`), plus what is
specific to it: the link between I- and I+ and the Minkowski vacua.

Ansatz (``s = +1`` retarded :math:`u` at :math:`\mathscr I^+`, ``s = -1`` advanced :math:`v`
at :math:`\mathscr I^-`), :math:`\Lambda = 0`:

.. math:: ds^2 = \Theta\,du^2 - 2s\,du\,dr + 2\mathcal N\,du\,d\phi + r^2 d\phi^2,

with :math:`\Theta, \mathcal N` functions of :math:`(u, \phi)`. The falloffs on
:math:`\mathcal L_\xi g` are those that keep it tangent to the solution space
(:func:`fieldsym.asymptotic_pipeline.preserved_falloffs`), which are
:math:`\mathcal L_\xi g_{rr} = \mathcal L_\xi g_{r\phi} = \mathcal L_\xi g_{\phi\phi}
= \mathcal L_\xi g_{ur} = 0`, :math:`\mathcal L_\xi g_{uu} = O(1)`,
:math:`\mathcal L_\xi g_{u\phi} = O(1)` (:func:`bondi_falloffs`). Conventions for comparing
with the literature (Barnich & Compère 2007; Schöller 2003.07243): the arbitrary functions are
named by what they are, :math:`Y(\phi) = \lim_{r\to\infty}\xi^\phi`,
:math:`\alpha(\phi) = \xi^u|_{u=0, r^0}`; integration functions are named ``T`` (from
:math:`\xi^u`) and ``N`` (from :math:`\mathcal N`). The mode basis is
:math:`J_m = Q[Y = e^{im\phi}]`, :math:`P_m = Q[\alpha = e^{im\phi}]`.

Each result is a frozen dataclass; :func:`chain` runs I+, I-, the algebra, the linking and
the vacua, each step timed. 3D gravity with :math:`\Lambda \ne 0` is :mod:`fieldsym.ads3`.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .asymptotic_pipeline import (
    AsymptoticAnalysis,
    AsymptoticProblem,
    ChargeAlgebra,
    ModeAlgebra,
    ModeBasis,
    analyze,
    derive_charge_algebra,
    derive_mode_algebra,
)
from .asymptotics import Condition, Falloffs, laurent_coefficients, solve_order_by_order
from .charges import euler_operator_1d, mode_integral
from .tensors import Metric

__all__ = [
    "bondi_ansatz",
    "bondi_falloffs",
    "bondi_problem",
    "bms_basis",
    "NullInfinity",
    "derive",
    "BMS3Algebra",
    "charge_algebra",
    "NullInfinityLink",
    "link_null_infinities",
    "Vacua",
    "vacua",
    "Step",
    "BMS3Chain",
    "chain",
    "cached_chain",
]

phi = sp.Symbol("phi", real=True)
r = sp.Symbol("r", positive=True)
G = sp.Symbol("G", positive=True)
NAMES = {"calN": "N", "xi^u": "T", "xi^v": "T", "T": "alpha", "xi^phi": "Y"}


def bondi_ansatz(sign: int = 1):
    r"""Coordinates ``(u, r, phi)`` (``v`` for ``sign = -1``), the metric ansatz and the unknown
    functions :math:`\Theta(u,\phi)`, :math:`\mathcal N(u,\phi)`.

    Examples
    --------
    >>> coords, g, unknowns = bondi_ansatz(1)
    >>> coords, unknowns
    ((u, r, phi), [Theta(u, phi), calN(u, phi)])
    """
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


def bondi_problem(sign: int = 1) -> AsymptoticProblem:
    """The BMS3 data: the ansatz of :func:`bondi_ansatz`, :math:`\\Lambda = 0`, no further
    boundary conditions (the ansatz fixes the falloffs), the naming conventions above."""
    coords, g, unknowns = bondi_ansatz(sign)
    return AsymptoticProblem(
        g, coords, tuple(unknowns), r, coords[0], names=tuple(NAMES.items()), newton_constant=G
    )


def bms_basis(m=None) -> ModeBasis:
    r""":math:`J_m = Q[Y = e^{im\phi}]`, :math:`P_m = Q[\alpha = e^{im\phi}]`.

    Examples
    --------
    >>> bms_basis().families
    (('J', 'named', (('Y', exp(I*m*phi)),)), ('P', 'named', (('alpha', exp(I*m*phi)),)))
    """
    m = sp.Symbol("m", integer=True) if m is None else m
    e = sp.exp(sp.I * m * phi)
    return ModeBasis({"J": {"Y": e}, "P": {"alpha": e}}, m)


@dataclass(frozen=True)
class NullInfinity:
    """Everything derived at one null infinity: the pipeline's results under BMS3 names."""

    sign: int
    analysis: AsymptoticAnalysis

    @property
    def coords(self) -> tuple:
        return self.analysis.coords

    @property
    def completion(self):
        return self.analysis.completion

    @property
    def solution(self) -> sp.Dict:
        return self.analysis.space.solution

    @cached_property
    def metric(self) -> Metric:
        return self.analysis.space.on_shell_metric

    @property
    def fields(self) -> tuple:
        return self.analysis.fields

    @property
    def xi(self) -> tuple:
        return self.analysis.xi

    @property
    def params(self) -> tuple:
        """``(alpha, Y)``."""
        return self.analysis.parameters

    @property
    def laws(self) -> sp.Dict:
        return self.analysis.laws.laws

    @property
    def variations(self) -> tuple:
        return self.analysis.laws.variations

    @property
    def density(self) -> sp.Expr:
        r""":math:`\delta Q` density at any :math:`u`."""
        return self.analysis.charges.density

    @property
    def charge(self) -> sp.Expr:
        """:math:`Q[\\alpha, Y]` density at ``u = 0``."""
        return self.analysis.charges.charge

    @property
    def timings(self) -> dict:
        return dict(self.analysis.timings)

    def akv(self, alpha, Y) -> tuple:
        """The asymptotic Killing vector with parameters ``alpha(phi), Y(phi)`` (expressions)."""
        return self.analysis.symmetries.vector(alpha, Y)

    def delta(self, alpha, Y) -> dict:
        """Transformation laws with parameters substituted: ``{field: delta field}``."""
        return self.analysis.laws.of(alpha, Y)

    def charge_of(self, alpha, Y, values=None) -> sp.Expr:
        r"""Density of :math:`Q[\alpha, Y]` at ``u = 0``, optionally on given field values."""
        return self.analysis.charges.of(alpha, Y, fields=values)


def derive(sign: int = 1, *, algebra: bool | None = None) -> NullInfinity:
    """Derive the BMS3 chain at I+ (``sign = 1``) or I- (``sign = -1``), each step timed;
    the charge algebra in the :func:`bms_basis` is derived at I+ (``algebra=None``) or as
    asked (about 4 s of CPU).

    Examples
    --------
    >>> plus = derive(1)
    >>> plus.charge  # Barnich-Brandt charge density at u = 0
    N(phi)*Y(phi)/(8*pi*G) + Theta(phi)*alpha(phi)/(16*pi*G)
    >>> algebra = charge_algebra(plus)
    >>> algebra.c1, algebra.c2
    (0, 3/G)
    """
    algebra = sign == 1 if algebra is None else algebra
    res = analyze(bondi_problem(sign), modes=bms_basis() if algebra else None, algebra=algebra)
    return NullInfinity(sign, res)


@dataclass(frozen=True)
class BMS3Algebra:
    """The BMS3 charge algebra: parameter bracket, central density and the modes
    :math:`J_m, P_m` with their central charges (all read from the pipeline's results)."""

    algebra: ChargeAlgebra
    modes: ModeAlgebra

    @property
    def alpha12(self) -> sp.Expr:
        return self.algebra.bracket[0]

    @property
    def Y12(self) -> sp.Expr:
        return self.algebra.bracket[1]

    @property
    def K(self) -> sp.Expr:
        """Central density :math:`K[\\xi_1, \\xi_2]` (field independent)."""
        return self.algebra.central

    @property
    def m(self) -> sp.Symbol:
        return self.modes.m

    @property
    def n(self) -> sp.Symbol:
        return self.modes.n

    def mode(self, left: str, right: str) -> sp.Expr:
        """:math:`i\\{X_m, Y_n\\}` for ``X, Y`` in ``"J", "P"``."""
        return self.modes.bracket(left, right).value

    @property
    def c1(self) -> sp.Expr:
        return self.modes.bracket("J", "J").central_charge

    @property
    def c2(self) -> sp.Expr:
        return self.modes.bracket("J", "P").central_charge

    @property
    def J0_shift(self) -> sp.Expr:
        return self.modes.bracket("J", "J").shift

    @property
    def P0_shift(self) -> sp.Expr:
        return self.modes.bracket("J", "P").shift

    @property
    def central_PP(self) -> sp.Expr:
        return self.modes.bracket("P", "P").central_function


def charge_algebra(inf: NullInfinity) -> BMS3Algebra:
    r"""The charge algebra at ``inf`` in the :func:`bms_basis` (taken from ``inf`` when
    :func:`derive` computed it)."""
    res = inf.analysis
    alg = res.algebra if res.algebra is not None else derive_charge_algebra(res.charges)
    modes = res.modes if res.modes is not None else derive_mode_algebra(alg, bms_basis())
    return BMS3Algebra(alg, modes)


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


@dataclass(frozen=True)
class NullInfinityLink:
    r"""The map between :math:`\mathscr I^-` and :math:`\mathscr I^+`.

    Attributes
    ----------
    eps, shift : the linking map :math:`\phi \mapsto \epsilon\phi + c` on the circle
    killing_plus, killing_minus : tuple
        Parameters :math:`(\alpha, Y)` of the Minkowski Killing vectors at I+ and I-.
    field_map : sympy.Dict
        The I+ fields in terms of the I- fields (argument shown in ``[phi, phi + 2 pi)``).
    momentum_ratio, angular_momentum_ratio : sympy.Expr
        :math:`Q^+[e^{ik\phi}] = \text{ratio}\; Q^-[e^{ik\phi}]` for supertranslations and
        superrotations: infinitely many conservation laws, one per ``k``.
    k : sympy.Symbol
    """

    eps: int
    shift: sp.Expr
    killing_plus: tuple
    killing_minus: tuple
    field_map: sp.Dict
    momentum_ratio: sp.Expr
    angular_momentum_ratio: sp.Expr
    k: sp.Symbol

    @property
    def map(self) -> tuple:
        return (self.eps, self.shift)

    @property
    def argument(self) -> sp.Expr:
        r""":math:`\epsilon\phi + c`."""
        return self.eps * phi + self.shift


def _reading_map(xi, coords):
    """alpha = xi^u at u = 0 (r^0 term), Y = r^0 term of xi^phi: the conventions' definition."""
    u = coords[0]
    Y = laurent_coefficients(xi[2], r).get(0, sp.S.Zero)
    alpha = laurent_coefficients(xi[0].subs(u, 0), r).get(0, sp.S.Zero)
    return sp.expand(alpha), sp.expand(Y)


def link_null_infinities(plus: NullInfinity, minus: NullInfinity) -> NullInfinityLink:
    r"""Derive the map between :math:`\mathscr I^+` and :math:`\mathscr I^-` from the global
    Killing vectors of Minkowski, extend it to BMS3, match the charges and state the
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
    k = sp.Symbol("k", integer=True)
    mode = sp.exp(sp.I * k * phi)
    ratio = sp.simplify(sp.expand_complex(sp.powsimp(mode.subs(phi, A) / mode)))
    return NullInfinityLink(
        eps, shift, (alpha_p, Y_p), (alpha_m, Y_m), sp.Dict(field_map_shown), ratio, ratio, k
    )


@dataclass(frozen=True)
class Vacua:
    r"""Finite symmetries and the vacua of 3D flat gravity.

    Attributes
    ----------
    minkowski_stabilizer : tuple
        :math:`(\alpha, Y)` of the exact Killing vectors of Minkowski (6 constants).
    superrotation_law : sympy.Expr
        :math:`\Theta` transformed by a finite superrotation :math:`f(\phi)`.
    supertranslation_law : sympy.Expr
        :math:`N` after a finite supertranslation :math:`\alpha(\phi)`.
    supertranslated_minkowski_N : sympy.Expr
    J_n_supertranslated, P_n_supertranslated, J_n_minkowski, P_n_minkowski : sympy.Expr
        Mode charges (index ``mode``) of supertranslated Minkowski and of Minkowski.
    fsc, conical_defect, minkowski : tuple
        (energy, angular momentum) of flat-space cosmologies, conical defects, Minkowski.
    shifted_energy_* : sympy.Expr
        Energies after the shift of :math:`P_0` that the central term fixes.
    """

    minkowski_stabilizer: tuple
    superrotation_law: sp.Expr
    supertranslation_law: sp.Expr
    supertranslated_minkowski_N: sp.Expr
    J_n_supertranslated: sp.Expr
    P_n_supertranslated: sp.Expr
    J_n_minkowski: sp.Expr
    P_n_minkowski: sp.Expr
    fsc: tuple
    conical_defect: tuple
    minkowski: tuple
    shifted_energy_minkowski: sp.Expr
    shifted_energy_conical_defect: sp.Expr
    shifted_energy_fsc: sp.Expr
    mode: sp.Symbol


def vacua(inf: NullInfinity, algebra: BMS3Algebra) -> Vacua:
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
    P_n = sp.simplify(P_n.subs(k, -nmode).subs(sp.KroneckerDelta(0, 0), 1))
    out["J_n_supertranslated"] = J_n
    out["P_n_supertranslated"] = P_n
    out["J_n_minkowski"] = sp.simplify(J_n_mink)
    out["P_n_minkowski"] = sp.simplify(P_n_mink)
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
    shift = algebra.P0_shift
    for key in ("minkowski", "conical_defect", "fsc"):
        out[f"shifted_energy_{key}"] = sp.expand(out[key][0] + shift)
    out["mode"] = nmode
    return Vacua(**out)


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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class BMS3Chain:
    """The results of :func:`chain`."""

    plus: NullInfinity
    minus: NullInfinity
    algebra: BMS3Algebra
    link: NullInfinityLink
    vacua: Vacua


def _add(steps, title, pairs, seconds):
    text = "\n".join(f"  {k}: {_show(v)}" for k, v in pairs)
    tex = "\n".join(f"\\item {_escape(k)}: ${_tex(v)}$" for k, v in pairs)
    steps.append(Step(title, text, tex, seconds))


def report_infinity(steps, inf, label, equations="R_mn = 0"):
    """Append the completion, solution space, symmetries, laws and charges of one analysis."""
    res = inf.analysis if isinstance(inf, NullInfinity) else inf
    T, c, u = dict(res.timings), res.completion, res.coords[0]
    if c is not None:
        _add(
            steps,
            f"{label}: conformal completion (Omega = 1/r)",
            [
                ("Omega^2 g at Omega = 0", c.boundary_metric),
                ("induced metric on the boundary", c.induced),
                ("rank of induced metric", c.induced_rank),
                ("norm of d Omega at the boundary", c.normal_norm),
            ],
            T["conformal completion"],
        )
    sol = [(str(k), v) for k, v in res.space.solution.items()]
    sol += [(f"d_{u} {k}", v) for k, v in res.space.evolution.items()]
    _add(
        steps,
        f"{label}: solution space ({equations} order by order in r)",
        sol,
        T["solution space"],
    )
    akv = [(f"xi^{x}", v) for x, v in zip(res.coords, res.xi)]
    akv += [(f"d_{u} {k}", v) for k, v in res.symmetries.evolution.items()]
    _add(steps, f"{label}: asymptotic Killing vectors", akv, T["asymptotic Killing vectors"])
    _add(
        steps,
        f"{label}: transformation laws (delta g = L_xi g)",
        [(f"delta {f}", v) for f, v in res.laws.laws.items()],
        T["transformation laws"],
    )
    _add(
        steps,
        f"{label}: Barnich-Brandt charges",
        [
            ("delta Q density (r -> oo)", res.charges.density),
            (f"Q density at {u} = {res.problem.slice_value}", res.charges.charge),
        ],
        T["surface charges"],
    )


def report_modes(steps, title, modes, seconds, extra=()):
    """Append one mode algebra: every bracket, then each central charge and shift."""
    pairs = list(extra)
    for b in modes.brackets:
        pairs.append((f"i{{{b.left}_m,{b.right}_n}}", b.value))
    order = modes.basis.names
    for b in modes.brackets:
        if b.central_charge is not None and order.index(b.left) <= order.index(b.right):
            pairs.append((f"c({b.left},{b.right}), shift", (b.central_charge, b.shift)))
    _add(steps, title, pairs, seconds)


def chain():
    """Run the whole BMS3 derivation: I+, I-, the algebra, the linking map and the vacua.

    Returns
    -------
    steps : list of Step
        Each result with its wall time, in order.
    results : BMS3Chain
    """
    steps: list[Step] = []
    infs = {}
    for sign, label in ((1, "I+"), (-1, "I-")):
        infs[sign] = inf = derive(sign)
        report_infinity(steps, inf, label)
    t0 = time.perf_counter()
    alg = charge_algebra(infs[1])
    T = infs[1].timings
    report_modes(
        steps,
        "I+: charge algebra",
        alg.modes,
        T["charge algebra"] + T["mode algebra"] + time.perf_counter() - t0,
        extra=[("alpha_12", alg.alpha12), ("Y_12", alg.Y12), ("central density K", alg.K)],
    )
    steps[-1] = dataclasses.replace(
        steps[-1],
        text=steps[-1].text + f"\n  P_0 shift: {_show(alg.P0_shift)}\n  c_1: {_show(alg.c1)}"
        f"\n  c_2: {_show(alg.c2)}",
        latex=steps[-1].latex + f"\n\\item c\\_1: ${_tex(alg.c1)}$\n\\item c\\_2: ${_tex(alg.c2)}$",
    )
    t0 = time.perf_counter()
    link = link_null_infinities(infs[1], infs[-1])
    _add(
        steps,
        "I- <-> I+: linking map from the Minkowski Killing vectors",
        [
            ("map phi -> ", link.argument),
            ("Killing (alpha, Y) at I+", link.killing_plus),
            ("Killing (alpha, Y) at I-", link.killing_minus),
            *[(f"{k} (I+ in terms of I-)", v) for k, v in link.field_map.items()],
            ("conservation laws P+_k = c P-_k, c", link.momentum_ratio),
            ("conservation laws J+_k = c J-_k, c", link.angular_momentum_ratio),
        ],
        time.perf_counter() - t0,
    )
    t0 = time.perf_counter()
    vac = vacua(infs[1], alg)
    _add(
        steps,
        "vacua",
        [(f.name, getattr(vac, f.name)) for f in dataclasses.fields(vac)],
        time.perf_counter() - t0,
    )
    return steps, BMS3Chain(infs[1], infs[-1], alg, link, vac)


@functools.lru_cache(maxsize=1)
def cached_chain():
    """:func:`chain`, computed once per process (for tests and repeated use; timings are those
    of the first run)."""
    return chain()

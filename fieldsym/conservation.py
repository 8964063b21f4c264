r"""Conservation laws by multipliers (the direct method), currents by the homotopy operator,
and the removal of trivial laws.

A *multiplier* of a system :math:`\Delta_k = 0` is a tuple :math:`\Lambda_k` with
:math:`\sum_k \Lambda_k \Delta_k = D_i J^i` identically; equivalently (Olver §4.1, the Euler
operator annihilates exactly the total divergences)

.. math:: E_\alpha\Big(\sum_k \Lambda_k \Delta_k\Big) = 0 \quad \text{for every field } \alpha,

and then :math:`D_i J^i = 0` on solutions.  The search (Olver §4.3, Anco & Bluman 2002;
Bluman, Cheviakov & Anco, *Applications of Symmetry Methods to PDEs*, ch. 1) runs in two stages:

1. The Euler condition splits as :math:`E(\Lambda\cdot\Delta) = \Lambda'^{*}(\Delta) +
   \Delta'^{*}(\Lambda)`; the first term vanishes on solutions, so every multiplier is an
   *adjoint symmetry*, :math:`\Delta'^{*}(\Lambda) = 0` on solutions.  With :math:`\Lambda`
   depending on the parametric coordinates only (see :mod:`fieldsym._ansatz`), this condition is
   reduced on shell, split by the jet coordinates the unknowns do not depend on, and solved.
   It involves only as many derivatives of :math:`\Lambda` as the order of the system.
2. The full condition :math:`E(\Lambda\cdot\Delta) = 0`, off shell, is imposed on the (small)
   general solution of stage 1 and solved again.

Triviality (Olver §4.3, for normal systems): a conservation law is trivial exactly when its
characteristic vanishes on solutions.  Multipliers here depend on parametric coordinates only,
so they vanish on solutions only when they are zero; the basis is taken linearly independent over
the constants, so no two laws found are equivalent.  Currents :math:`J` are built by the
homotopy operator from :math:`\Lambda\cdot\Delta` and satisfy :math:`D_i J^i = \Lambda\cdot\Delta`
identically (checked before they are returned); in 1+1 dimensions the density is then lowered in
order by adding total curls :math:`(D_x S, -D_t S)` (which leave the identity exact), and
field-free parts are removed the same way.
"""

from __future__ import annotations

import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy as sp

from . import _ansatz
from ._zerotest import is_zero
from .jets import JetSpace, PDESystem
from .variational import divergence_potential, euler_lagrange

__all__ = [
    "ConservationLaw",
    "ConservationLaws",
    "MultiplierSearch",
    "adjoint_linearization",
    "find_multipliers",
    "adjoint_symmetry_determining_equations",
    "conservation_laws",
    "current_from_multiplier",
    "is_multiplier",
    "total_derivative_potential",
    "potential",
    "is_trivial_density",
    "is_trivial_multiplier",
    "evolution_time",
]


# ---------------------------------------------------------------------------- operators
def adjoint_linearization(system: PDESystem, multiplier: Sequence, *, on_shell=True) -> list:
    r""":math:`\Delta'^{*}(\Lambda)_\alpha = \sum_{k,J} (-D)_J\big(\Lambda_k\,\partial\Delta_k /
    \partial u^\alpha_J\big)`, one entry per field, reduced on solutions by default.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u_t, u_xx = jet.coord("u", t), jet.coord("u", (x, x))
    >>> heat = PDESystem(jet, [u_t - u_xx])
    >>> adjoint_linearization(heat, [x * t])  # -D_t(x t) - D_x^2(x t)
    [-x]
    """
    jet = system.jet
    lams = _check_multiplier(system, multiplier)
    out = []
    for f in jet.fields:
        e = sp.S.Zero
        for lam, d in zip(lams, system.equations):
            for c in jet.coords_in(d):
                if jet.info(c)[0] == f:
                    e += jet.D_multi(lam * sp.diff(d, c), jet.info(c)[1], sign=-1)
        e = sp.expand(e)
        out.append(system.reduce(e) if on_shell else e)
    return out


def _adjoint(system, lams, reg):
    """:func:`adjoint_linearization` off shell for symbol-form unknowns."""
    jet = system.jet
    out = []
    for f in jet.fields:
        e = sp.S.Zero
        for lam, d in zip(lams, system.equations):
            for c in jet.coords_in(d):
                if jet.info(c)[0] == f:
                    e += reg.total_multi(sp.expand(lam * sp.diff(d, c)), jet, jet.info(c)[1], -1)
        out.append(sp.expand(e))
    return out


def _check_multiplier(system, multiplier):
    lams = [sp.sympify(m) for m in (multiplier if isinstance(multiplier, Sequence)
                                     and not isinstance(multiplier, str) else [multiplier])]
    if len(lams) != len(system.equations):
        raise ValueError(f"expected one multiplier per equation ({len(system.equations)}), "
                         f"got {len(lams)}")
    return lams


def is_multiplier(multiplier, system: PDESystem) -> bool:
    r"""Whether :math:`E_\alpha(\Lambda\cdot\Delta) = 0` for every field (identically).

    Examples
    --------
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> is_multiplier([u], kdv), is_multiplier([u**2], kdv)
    (True, False)
    """
    lams = _check_multiplier(system, multiplier)
    total = sp.expand(sp.Add(*[m * d for m, d in zip(lams, system.equations)]))
    return all(_is_zero(e) for e in euler_lagrange(total, system.jet))


def _is_zero(e) -> bool:
    e = sp.expand(e)
    return e == 0 or sp.cancel(sp.together(e)) == 0


# ---------------------------------------------------------------------------- search
@dataclass(frozen=True)
class MultiplierSearch:
    """Multipliers found up to an order: a basis over the constants and families with
    arbitrary functions (``(multiplier, functions, conditions)``)."""

    system: PDESystem
    order: int
    degree: int | None
    basis: tuple
    families: tuple
    complete: bool
    seconds: float
    stage_equations: tuple = field(default=(0, 0))
    stage_seconds: Mapping = field(default_factory=dict)


def find_multipliers(system: PDESystem, order: int, *, degree: int | None = 2,
                     max_steps: int = 2000, timeout: float | None = None,
                     allow_incomplete: bool = False) -> MultiplierSearch:
    r"""All multipliers of ``system`` up to ``order`` in the chosen ansatz.

    Parameters
    ----------
    system : PDESystem
        Solved for principal derivatives (the multipliers depend on parametric coordinates).
    order : int
        Highest derivative order in the multipliers.
    degree : int or None
        Polynomial degree in the derivative coordinates (coefficients arbitrary functions of the
        independent variables and the fields); ``None``: an arbitrary function of all parametric
        coordinates (complete, but slow beyond low orders).
    max_steps, timeout : limits handed to the solver (steps; seconds for the whole search).

    Returns
    -------
    MultiplierSearch

    Raises
    ------
    UnsolvedSystemError
        When the determining equations are not solved completely (unless ``allow_incomplete``).

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> burgers = PDESystem(jet, [u_t + u * u_x - jet.coord("u", (x, x))])
    >>> find_multipliers(burgers, 1).basis
    ((1,),)
    """
    if not isinstance(system, PDESystem):
        raise TypeError(f"expected a PDESystem, got {type(system).__name__}")
    _ansatz.check_order(order, degree)
    t0 = _time.perf_counter()
    deadline = None if timeout is None else t0 + timeout
    clock = {}
    jet = system.jet
    slots = len(system.equations)
    an = _ansatz.build_ansatz(system, order, degree, slots, "Lambda")
    # stage 1: adjoint symmetries on solutions
    conditions = [system.reduce(e) for e in _adjoint(system, an.components, an.registry)]
    clock["adjoint"] = _time.perf_counter() - t0
    targets = {f"Lambda{k}": c for k, c in enumerate(an.components)}
    sol, n1 = _ansatz.run_search(jet, an, conditions, targets, max_steps,
                                 "the adjoint-symmetry condition", deadline)
    complete = sol.complete
    clock["solve"] = _time.perf_counter() - t0 - sum(clock.values())
    rep = _ansatz.fresh_constants(sol, "k")
    lams = [sol.targets[f"Lambda{k}"].xreplace(rep) for k in range(slots)]
    consts = list(rep.values())
    conds = [c.xreplace(rep) for c in sol.conditions]
    # stage 2: the Euler condition off shell, on the stage-1 solution
    total = sp.expand(sp.Add(*[m * d for m, d in zip(lams, system.equations)]))
    fargs = set().union(*[set(f.args) for f in sol.functions]) if sol.functions else set()
    eqs2 = []
    for e in euler_lagrange(total, jet):
        eqs2 += _ansatz.split_by(e, [s for s in jet.coords_in(e) if s not in fargs
                                     and s not in an.variables], "the multiplier condition")
    if eqs2:
        sol2 = _ansatz.solve(eqs2 + conds, consts + list(sol.functions), an.variables,
                             {f"Lambda{k}": m for k, m in enumerate(lams)}, max_steps,
                             deadline)
        complete = complete and sol2.complete
        lams = [sol2.targets[f"Lambda{k}"] for k in range(slots)]
        consts, functions, conds = sol2.constants, sol2.functions, sol2.conditions
    else:
        functions = sol.functions
    clock["euler"] = _time.perf_counter() - t0 - sum(clock.values())
    if not complete and not allow_incomplete:
        raise _ansatz.UnsolvedSystemError(conds)
    keys = tuple(jet.independent) + tuple(_ansatz.jet_symbols(jet, lams))
    basis, families = _ansatz.basis_and_families(lams, consts, functions, conds, keys, jet)
    return MultiplierSearch(system, order, degree, tuple(tuple(b) for b in basis),
                            tuple((tuple(v), tuple(f), tuple(c)) for v, f, c in families),
                            complete, _time.perf_counter() - t0, (n1, len(eqs2)), clock)


def adjoint_symmetry_determining_equations(system: PDESystem, order: int, *,
                                           degree: int | None = 2):
    """The stage-1 determining system of :func:`find_multipliers` (adjoint symmetries on
    solutions, split) as ``(equations, unknowns, variables)`` with applied functions, before
    any solving: an independent route can bound the dimension of its solution space
    (:func:`fieldsym.formal.formal_dimension_bound`).

    Examples
    --------
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> from fieldsym.formal import formal_dimension_bound
    >>> eqs, unknowns, variables = adjoint_symmetry_determining_equations(kdv, 1)
    >>> formal_dimension_bound(eqs, unknowns, variables).bound  # 1, u, x - 6 t u
    3
    """
    _ansatz.check_order(order, degree)
    an = _ansatz.build_ansatz(system, order, degree, len(system.equations), "Lambda")
    conditions = [system.reduce(e) for e in _adjoint(system, an.components, an.registry)]
    return _ansatz.determining_system(system.jet, an, conditions,
                                      "the adjoint-symmetry condition")


# ---------------------------------------------------------------------------- currents
def evolution_time(system: PDESystem):
    """The variable ``t`` when every principal coordinate is a first ``t``-derivative and no
    solved right-hand side contains ``t``-derivatives (evolution form); else ``None``.

    Examples
    --------
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> evolution_time(kdv), evolution_time(PDESystem(jet, [jet.coord("u", (t, t)) - u_x]))
    (t, None)
    """
    jet = system.jet
    found = set()
    for p in system.principal:
        mi = jet.info(p)[1]
        if sum(mi) != 1:
            return None
        found.add(jet.independent[mi.index(1)])
    if len(found) != 1:
        return None
    (t,) = found
    i = jet.independent.index(t)
    for rhs in system.principal.values():
        if any(jet.info(c)[1][i] for c in jet.coords_in(rhs)):
            return None
    return t


def _antiderivative(expr, var):
    """``sp.integrate`` in ``var`` with denominators factored; of a piecewise answer the generic
    (last) branch is kept; the result is verified by differentiation and returned in the shorter
    of its forms and its cancelled form (a long partial potential makes every later integrand
    long: ``sp.integrate`` then takes minutes on the 3D Kepler problem)."""
    expr = _ansatz.tidy_denominators(expr)
    if expr == 0 or is_zero(expr):
        return sp.S.Zero
    # positive stand-ins keep sympy from branch-cut forms such as sqrt(x**2/y**2 + 1)
    pos = {s_: sp.Dummy(s_.name, positive=True) for s_ in expr.free_symbols}
    prim = sp.integrate(expr.xreplace(pos), pos.get(var, var))
    prim = prim.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1].expr)
    prim = prim.xreplace({d: s_ for s_, d in pos.items()})
    if prim.has(sp.Integral) or not is_zero(sp.diff(prim, var) - expr):
        raise ValueError(f"cannot integrate {expr} in {var}")
    short = sp.cancel(sp.together(prim))
    return short if sp.count_ops(short) < sp.count_ops(prim) else prim


def total_derivative_potential(expr, jet: JetSpace) -> sp.Expr:
    r""":math:`B` with :math:`D_t B = ` ``expr`` for one independent variable, by integrating the
    top-order terms (``expr`` is linear in them) and recursing on the remainder.

    The homotopy operator scales the fields towards zero and fails for expressions singular
    there (the Kepler potential :math:`1/r`); this route needs no such path.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t")
    >>> jet = JetSpace([t], ["q"])
    >>> q, q_t, q_tt = jet.coord("q"), jet.coord("q", t), jet.coord("q", (t, t))
    >>> total_derivative_potential(q_t * q_tt - q_t / q**2, jet)
    q_t**2/2 + 1/q
    """
    if jet.n != 1:
        raise ValueError(f"total_derivative_potential needs one independent variable, "
                         f"got {jet.independent}")
    (t,) = jet.independent
    F = sp.expand(sp.sympify(expr))
    for f, e in zip(jet.fields, euler_lagrange(F, jet)):
        if not _is_zero(e):
            raise ValueError(f"not a total derivative: E_{f} = {e}, expected 0")
    B = sp.S.Zero
    rest = F
    for _ in range(64):
        n = jet.order(rest)
        if n <= 0:
            rest = sp.cancel(sp.together(_ansatz.tidy_denominators(rest)))
            if jet.coords_in(rest):
                raise ValueError(f"remainder {rest} depends on the fields; not a total "
                                 f"derivative")
            B += _antiderivative(rest, t)
            break
        tops = [c for c in jet.coords_in(rest) if sum(jet.info(c)[1]) == n]
        lows = [jet.coord(jet.info(c)[0], (t,) * (n - 1)) for c in tops]
        A = [sp.diff(rest, c) for c in tops]
        if any(c2 in a.free_symbols for a in A for c2 in tops):
            raise ValueError(f"{rest} is not linear in its top derivatives {tops}")
        G = sp.S.Zero
        for a, y in zip(A, lows):
            G += _antiderivative(a - sp.diff(G, y), y)
        B += G
        new = sp.expand(rest - jet.D(G, t))
        if jet.order(new) >= n and any(c in new.free_symbols for c in tops):
            new = sp.expand(sp.cancel(sp.together(new)))
            if any(c in new.free_symbols for c in tops):
                raise ValueError(f"top-order terms of {rest} do not integrate (left {new})")
        rest = new
    else:
        raise ValueError("total_derivative_potential did not terminate")
    if not _is_zero(jet.D(B, t) - F):
        raise RuntimeError(f"potential failed verification: D_t B - expr = "
                           f"{sp.expand(jet.D(B, t) - F)}")
    return sp.expand(B)


def potential(expr, jet: JetSpace) -> dict:
    r"""A flux :math:`P` with :math:`D_i P^i = ` ``expr`` (which must be a total divergence):
    :func:`total_derivative_potential` for one independent variable, else the homotopy operator
    (:func:`~fieldsym.variational.divergence_potential`).

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t")
    >>> jet = JetSpace([t], ["q"])
    >>> q, q_t = jet.coord("q"), jet.coord("q", t)
    >>> potential(q_t / q**2, jet)
    {t: -1/q}
    """
    if jet.n == 1:
        return {jet.independent[0]: total_derivative_potential(expr, jet)}
    return divergence_potential(expr, jet)


def current_from_multiplier(multiplier, system: PDESystem, *, time=None,
                            simplify: bool = True) -> dict:
    r"""A current :math:`J` with :math:`D_i J^i = \sum_k \Lambda_k\Delta_k` identically.

    Built by the homotopy operator (Olver §5.4) from :math:`\Lambda\cdot\Delta`; for one
    independent variable by :func:`total_derivative_potential`.  With ``simplify`` and two
    independent variables, the density :math:`J^{t}` is lowered in order by total curls.

    Raises
    ------
    ValueError
        When ``multiplier`` is not a multiplier of ``system``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))])
    >>> current_from_multiplier([2 * u], kdv)[t]
    u**2
    """
    jet = system.jet
    lams = _check_multiplier(system, multiplier)
    total = sp.expand(sp.Add(*[m * d for m, d in zip(lams, system.equations)]))
    bad = [(f, e) for f, e in zip(jet.fields, euler_lagrange(total, jet)) if not _is_zero(e)]
    if bad:
        raise ValueError(f"{lams} is not a multiplier: E_{bad[0][0]}(Lambda.Delta) = "
                         f"{bad[0][1]}, expected 0")
    J = potential(total, jet)
    if simplify and jet.n == 2:
        t = _time_variable(system, time)
        J = _lower_density(J, jet, t)
    residual = sp.expand(jet.div(J) - total)
    if residual != 0 and not _is_zero(residual):
        raise RuntimeError(f"current fails D_i J^i = Lambda.Delta: residual {residual}")
    return J


def _time_variable(system, time):
    jet = system.jet
    if time is not None:
        if time not in jet.independent:
            raise ValueError(f"time {time} is not an independent variable {jet.independent}")
        return time
    return evolution_time(system) or jet.independent[-1]


def _lower_density(J, jet: JetSpace, t):
    """Add total curls ``(D_x S, -D_t S)`` to lower the order of ``J^t`` in ``x`` and remove its
    field-free terms; ``D_i J^i`` is unchanged identically."""
    (x,) = [v for v in jet.independent if v != t]
    T, X = sp.expand(J[t]), sp.expand(J[x])
    for _ in range(200):
        free = sp.Add(*[a for a in sp.Add.make_args(T) if not jet.coords_in(a)])
        S = None
        if free != 0:
            S = sp.integrate(free, x)
            if S.has(sp.Integral):
                S = None
        if S is None:
            S = _lowering_step(T, jet, x, t)
        if S is None:
            break
        T = sp.expand(T - jet.D(S, x))
        X = sp.expand(X + jet.D(S, t))
    return {x: X, t: T} if jet.independent.index(x) == 0 else {t: T, x: X}


def _lowering_step(T, jet, x, t):
    r"""``S`` with ``T - D_x S`` having fewer terms of top order: from the part of ``T`` linear
    in a top coordinate :math:`u_{J}` with :math:`J \ni x`, whose coefficient :math:`A` is of
    lower order, :math:`S = \int A\, du_{J-x}`."""
    ix = jet.independent.index(x)
    coords = jet.coords_in(T)
    n = max((sum(jet.info(c)[1]) for c in coords), default=0)
    if n < 1:
        return None
    tops = [c for c in coords if sum(jet.info(c)[1]) == n]

    def top_terms(expr):
        return sum(1 for a in sp.Add.make_args(expr) if any(c in a.free_symbols for c in tops))

    before = top_terms(T)
    for top in tops:
        f, mi = jet.info(top)
        if mi[ix] == 0:
            continue
        A = sp.expand(sp.Add(*[a / top for a in sp.Add.make_args(T)
                               if top in a.free_symbols and sp.degree(a, top) == 1]))
        if A == 0 or any(sum(jet.info(c)[1]) >= n for c in jet.coords_in(A)):
            continue
        below = jet.coord(f, tuple(k - (i == ix) for i, k in enumerate(mi)))
        S = sp.integrate(A, below)
        if S.has(sp.Integral):
            continue
        S = sp.expand(S)
        if top_terms(sp.expand(T - jet.D(S, x))) < before:
            return S
    return None


def is_trivial_multiplier(multiplier, system: PDESystem) -> bool:
    """Whether a multiplier vanishes on solutions (every component reduces to zero): its
    conservation law is trivial (Olver §4.3, normal systems).

    Examples
    --------
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> is_trivial_multiplier(kdv.equations, kdv), is_trivial_multiplier([u], kdv)
    (True, False)
    """
    return all(_is_zero(system.reduce(m)) for m in _check_multiplier(system, multiplier))


def is_trivial_density(density, system: PDESystem, time) -> bool:
    r"""Whether a density is trivial: on solutions it is a spatial divergence (all Euler
    expressions of its on-shell form vanish).  For systems in evolution form this is exactly
    a vanishing characteristic.

    Examples
    --------
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> is_trivial_density(jet.D(u * u_x, x), kdv, t), is_trivial_density(u**2, kdv, t)
    (True, False)
    """
    jet = system.jet
    T = system.reduce(sp.sympify(density))
    i = jet.independent.index(time)
    if any(jet.info(c)[1][i] for c in jet.coords_in(T)):
        raise ValueError(f"the density still contains {time}-derivatives on solutions; "
                         f"solve the system for them")
    return all(_is_zero(e) for e in euler_lagrange(T, jet))


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ConservationLaw:
    r"""One conservation law: the multiplier and a current with
    :math:`D_i J^i = \Lambda\cdot\Delta` identically.

    Attributes
    ----------
    system : PDESystem
    multiplier : tuple of expressions, one per equation
    current : dict variable -> expression
    time : Symbol (the variable whose component is shown as the density)
    """

    system: PDESystem
    multiplier: tuple
    current: Mapping
    time: sp.Symbol

    @property
    def density(self):
        return self.current[self.time]

    @property
    def flux(self) -> dict:
        """Spatial components reduced on solutions."""
        return {v: self.system.reduce(p) for v, p in self.current.items() if v != self.time}

    def residual(self) -> sp.Expr:
        r""":math:`D_i J^i - \Lambda\cdot\Delta` (zero for a valid law)."""
        jet = self.system.jet
        return sp.expand(jet.div(self.current) - sp.Add(*[
            m * d for m, d in zip(self.multiplier, self.system.equations)]))

    def __str__(self):
        mult = ", ".join(sp.sstr(sp.factor_terms(m)) for m in self.multiplier)
        flux = ", ".join(f"X^{v} = {sp.sstr(sp.factor_terms(p))}" for v, p in self.flux.items())
        return (f"Lambda = ({mult}):  T = {sp.sstr(sp.factor_terms(self.density))}"
                + (f",  {flux}" if flux else ""))

    def latex(self) -> str:
        mult = ", ".join(sp.latex(m) for m in self.multiplier)
        parts = [rf"\Lambda = \left({mult}\right)", f"T = {sp.latex(self.density)}"]
        parts += [f"X^{{{sp.latex(v)}}} = {sp.latex(p)}" for v, p in self.flux.items()]
        return r",\quad ".join(parts)


@dataclass(frozen=True)
class ConservationLaws:
    """The laws found by :func:`conservation_laws` (one per multiplier of the basis) and the
    multiplier families with arbitrary functions (currents not built for them)."""

    search: MultiplierSearch
    laws: tuple
    seconds: float

    def __len__(self):
        return len(self.laws)

    def __iter__(self):
        return iter(self.laws)

    def __getitem__(self, k):
        return self.laws[k]

    @property
    def families(self):
        return self.search.families

    def __str__(self):
        s = self.search
        eqs = ", ".join(f"{sp.sstr(e)} = 0" for e in s.system.equations)
        ans = ("general ansatz" if s.degree is None
               else f"polynomial of degree <= {s.degree} in the derivatives")
        lines = [f"conservation laws of {eqs}: multipliers up to order {s.order} ({ans}): "
                 f"{_count(len(self.laws), 'law')}"
                 + (f", {_count(len(s.families), 'family', 'families')}" if s.families else "")
                 + f" ({self.seconds:.1f} s)"]
        lines += [f"  {k + 1}. {law}" for k, law in enumerate(self.laws)]
        for k, (vec, funcs, conds) in enumerate(s.families):
            cond = "; ".join(f"{sp.sstr(c)} = 0" for c in conds) or "none"
            lines.append(f"  family {k + 1}: Lambda = ({', '.join(map(sp.sstr, vec))})   "
                         f"[{', '.join(map(str, funcs))} arbitrary with: {cond}]")
        return "\n".join(lines)

    def latex(self) -> str:
        rows = [f"&{law.latex()}" for law in self.laws]
        rows += [r"&\Lambda = \left(" + ", ".join(sp.latex(v) for v in vec) + r"\right)\quad "
                 + r",\ ".join(sp.latex(c) + " = 0" for c in conds)
                 for vec, _f, conds in self.search.families]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _count(n, one, many=None):
    return f"{n} {one if n == 1 else (many or one + 's')}"


def conservation_laws(system: PDESystem, order: int, *, degree: int | None = 2, time=None,
                      simplify: bool = True, max_steps: int = 2000,
                      timeout: float | None = None,
                      allow_incomplete: bool = False) -> ConservationLaws:
    r"""Conservation laws of ``system`` with multipliers up to ``order``: the multiplier search
    (:func:`find_multipliers`) and a current for each basis multiplier
    (:func:`current_from_multiplier`), each checked to satisfy
    :math:`D_i J^i = \Lambda\cdot\Delta` identically.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> burgers = PDESystem(jet, [u_t + u * u_x - jet.coord("u", (x, x))])
    >>> [law.density for law in conservation_laws(burgers, 1)]
    [u]
    """
    t0 = _time.perf_counter()
    search = find_multipliers(system, order, degree=degree, max_steps=max_steps,
                              timeout=timeout, allow_incomplete=allow_incomplete)
    tvar = _time_variable(system, time)
    laws = tuple(ConservationLaw(system, m, MappingProxyType(current_from_multiplier(
        m, system, time=tvar, simplify=simplify)), tvar) for m in search.basis)
    return ConservationLaws(search, laws, _time.perf_counter() - t0)

r"""The order-by-order solver behind :mod:`fieldsym.asymptotics` and
:mod:`fieldsym.asymptotic_pipeline`: unknown functions from conditions given as data, by
single-equation moves and, where equations are coupled, by linear elimination.

A *condition* ``(expr, var, max_order)`` says that the Laurent coefficients of ``expr`` in
``var`` above ``max_order`` vanish (``max_order=None``: all of them, ``expr == 0``). While an
unknown in ``expr`` still depends on ``var`` the condition is used whole (an exact PDE); once
none does, it is split into its coefficients (order by order in ``var``). Each step takes the
equation with the fewest unknowns and tries, for each unknown in it:

- algebraic: the unknown appears linearly and underived -> solve for it;
- integration: it appears only through one first derivative ``c * d_x F + rest`` with
  ``c, rest`` free of unknowns depending on ``x`` -> ``F = -int rest/c dx + F0(others)``;
- ODE: it appears only through derivatives in one variable ``x`` and no other unknown in the
  equation depends on ``x`` -> :func:`sympy.dsolve` in ``x``; the integration constants become
  arbitrary functions of the other arguments (symbols for a function of ``x`` alone);
- algebraic (non-linear): it appears underived and :func:`sympy.solve` gives exactly one
  solution that is not manifestly complex.

When no equation admits a move, an equation that depends on a variable no unknown depends on
is *split* into its coefficients as a polynomial in ``x, sin x, cos x`` (independent
functions once :math:`\sin^2 x + \cos^2 x = 1` is used), the way conditions are split in
``var``. When that does not apply either, the equations are *combined*: those linear in the first
``time`` derivatives :math:`\partial_t F_i` of the unknowns (and free of higher ones) are
row-reduced (Gauss–Jordan over the rational functions of everything else), which puts the
coupled system in evolution form :math:`\partial_t F_i = E_i[F]` (Cauchy–Kovalevskaya). Such
an :math:`F_i` stays a free function whose time dependence the evolution equation fixes; from
then on every expression is reduced *on shell*: time derivatives of evolving functions are
replaced by their evolution equations (and their derivatives) until none is left. Rows of the
reduced system free of time derivatives are new equations for the other moves. A triangular
(nilpotent) system never gets here: its equations are integrated one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

__all__ = [
    "laurent_coefficients",
    "Condition",
    "SolvedSystem",
    "solve_system",
    "reduce_on_shell",
]


def laurent_coefficients(expr, var) -> dict[int, sp.Expr]:
    r"""Coefficients :math:`c_k` of a Laurent polynomial :math:`\sum_k c_k\,\mathrm{var}^k`.

    Raises
    ------
    ValueError
        When ``expr`` is not a Laurent polynomial in ``var``.

    Examples
    --------
    >>> import sympy as sp
    >>> r, a = sp.symbols("r a")
    >>> laurent_coefficients(a * r + 3 - 1 / r**2, r)
    {-2: -1, 0: 3, 1: a}
    """
    e = sp.cancel(sp.together(sp.sympify(expr)))
    if e == 0:
        return {}
    num, den = sp.fraction(e)
    try:
        dpoly, npoly = sp.Poly(den, var), sp.Poly(num, var)
    except sp.PolynomialError as err:
        raise ValueError(f"expected a Laurent polynomial in {var}, got {e}") from err
    if len(dpoly.terms()) != 1:
        raise ValueError(f"expected a Laurent polynomial in {var}, got denominator {den}")
    (dk,), dc = dpoly.terms()[0]
    out = {}
    for (k,), c in npoly.terms():
        c = sp.cancel(c / dc)
        if c != 0:
            out[k - dk] = c
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Condition:
    """Laurent coefficients of ``expr`` in ``var`` above ``max_order`` vanish (None: all)."""

    expr: sp.Expr
    var: sp.Symbol
    max_order: int | None = None
    label: str = ""


@dataclass(frozen=True)
class SolvedSystem:
    r"""The general solution found by :func:`solve_system`.

    Attributes
    ----------
    solution : sympy.Dict
        ``{unknown: expression}`` in terms of the free functions and constants.
    free : tuple
        The arbitrary functions (including the evolving ones) and constants left.
    evolution : sympy.Dict
        ``{F: d_t F}`` for the free functions whose time dependence is fixed by a coupled
        system in evolution form (empty when every equation could be integrated).
    constants : tuple of sympy.Symbol
    steps : tuple of str
        The moves made, in order, for reports.
    time : sympy.Symbol or None
    """

    solution: sp.Dict
    free: tuple
    evolution: sp.Dict
    constants: tuple
    steps: tuple
    time: sp.Symbol | None = None


def reduce_on_shell(expr, evolution, time, *, max_rounds: int = 50):
    r"""Replace every ``time`` derivative of a function with an evolution equation
    ``{F: d_t F}`` by that equation (differentiated as needed) until none is left.

    Examples
    --------
    >>> import sympy as sp
    >>> u, x = sp.symbols("u x")
    >>> A, B = sp.Function("A")(u, x), sp.Function("B")(u, x)
    >>> reduce_on_shell(sp.diff(A, u, 2), {A: sp.diff(B, x), B: sp.diff(A, x)}, u)
    Derivative(A(u, x), (x, 2))
    """
    evolution = dict(evolution)
    if not evolution:
        return expr
    e = sp.sympify(expr)
    for _ in range(max_rounds):
        reps = {}
        for d in e.atoms(sp.Derivative):
            rhs = evolution.get(d.expr)
            if rhs is None:
                continue
            vs = [v for v, k in d.variable_count for _ in range(k)]
            k = vs.count(time)
            if not k:
                continue
            rest = [v for v in vs if v != time] + [time] * (k - 1)
            reps[d] = sp.diff(rhs, *rest) if rest else rhs
        if not reps:
            return e
        e = e.xreplace(reps).doit()
    raise ValueError(f"evolution equations did not remove the {time}-derivatives of {expr}")


def _split_in(e, x):
    """``{monomial: coefficient}`` of ``e`` as a polynomial in ``x, sin x, cos x`` reduced by
    :math:`\\sin^2 + \\cos^2 = 1` (independent functions of ``x``), or None."""
    S, C, X = sp.Dummy("S"), sp.Dummy("C"), sp.Dummy("X")
    flat = sp.together(e.xreplace({sp.sin(x): S, sp.cos(x): C}).subs(x, X))
    num, den = sp.fraction(flat)
    if den.has(S, C, X):
        return None
    try:
        poly = sp.Poly(sp.rem(sp.expand(num), C**2 + S**2 - 1, C), S, C, X)
    except sp.PolynomialError:
        return None
    out = {}
    for mon, c in poly.terms():
        c = sp.sympify(c)
        if c.has(x):
            return None
        key = sp.Mul(*[b**k for b, k in zip((sp.sin(x), sp.cos(x), x), mon)])
        out[key] = c / den
    return out


def _unknowns_in(expr, live):
    return [f for f in live if expr.has(f)]


def _derivatives_of(expr, f):
    return [d for d in expr.atoms(sp.Derivative) if d.expr == f]


def _fresh(name, args, taken):
    base, k = name, 1
    while (name, args) in taken:
        name = f"{base}_{k}"
        k += 1
    return sp.Function(name)(*args)


class _Solver:
    def __init__(self, unknowns, names, simplify, variables, time, evolution):
        self.live = list(unknowns)
        self.solution = {f: f for f in unknowns}
        self.names = dict(names or {})
        self.simplify = simplify
        self.variables = set(variables)
        self.time = time
        self.known = dict(evolution or {})
        self.evolving: dict = {}
        self.constants: list[sp.Symbol] = []
        self.steps: list[str] = []
        self.extra: list[Condition] = []
        self._new: set = set()
        self.solved_new: dict = {}  # functions introduced by a move and solved later

    # -- substitution and equations ------------------------------------------------------
    def evolution(self):
        return {**self.known, **self.evolving}

    def substitute(self, e):
        e = sp.sympify(e)
        if self.solution:
            e = e.subs(self.solution).doit()
        if self.solved_new and e.has(*self.solved_new):  # extra conditions may hold them
            e = e.subs(self.solved_new).doit()
        ev = self.evolution()
        return reduce_on_shell(e, ev, self.time) if ev else e

    def _apply(self, f, sol, how):
        self.steps.append(f"{how}: {f} = {sol}")
        self.live.remove(f)
        self.solution = {k: sp.sympify(v).subs(f, sol).doit() for k, v in self.solution.items()}
        self.evolving = {k: sp.sympify(v).subs(f, sol).doit() for k, v in self.evolving.items()}
        self.solved_new = {k: sp.sympify(v).subs(f, sol).doit() for k, v in self.solved_new.items()}
        if f not in self.solution:
            self.solved_new[f] = sol
        for g in sorted(self._new, key=str):
            if g not in self.live and sp.sympify(sol).has(g):
                self.live.append(g)

    def equations(self, conditions):
        eqs = []
        for cond in list(conditions) + self.extra:
            e = self.simplify(self.substitute(cond.expr))
            if e == 0:
                continue
            deps = [f for f in _unknowns_in(e, self.live) if cond.var in f.args]
            if deps:
                if cond.max_order is None:
                    eqs.append((e, cond.label))
                continue
            try:
                coeffs = laurent_coefficients(e, cond.var)
            except ValueError:
                if cond.max_order is not None:
                    raise
                eqs.append((e, cond.label))  # e.g. evolving functions of var: used whole
                continue
            for k, c in coeffs.items():
                if cond.max_order is None or k > cond.max_order:
                    c = self.simplify(c)
                    if c != 0:
                        eqs.append((c, f"{cond.label}[{cond.var}^{k}]"))
        return eqs

    def _params(self, e):
        return {s for s in e.free_symbols if s not in self.variables}

    def _allowed(self, sol, f):
        return sol.free_symbols <= set(f.args) | self._params(sol)

    def _constant(self, name):
        c = sp.Symbol(name)
        self.constants.append(c)
        return c

    def _taken(self):
        return {(g.func.__name__, g.args) for g in self.live + list(self.evolving)}

    def _function(self, name, args):
        new = _fresh(name, args, self._taken())
        self._new.add(new)
        return new

    # -- single-equation moves -----------------------------------------------------------
    def try_algebraic(self, e, f):
        if _derivatives_of(e, f):
            return None
        try:
            poly = sp.Poly(e, f)
        except sp.PolynomialError:
            return None
        if poly.degree() != 1:
            return None
        sol = self.simplify(-poly.coeff_monomial(1) / poly.coeff_monomial(f))
        if sol.has(f) or not self._allowed(sol, f):
            return None
        return sol

    def try_integrate(self, e, f):
        ds = _derivatives_of(e, f)
        if len(ds) != 1 or ds[0].derivative_count != 1:
            return None
        d = ds[0]
        (x,) = d.variables
        try:
            rest_poly = sp.Poly(e, d)
        except sp.PolynomialError:
            return None
        if rest_poly.degree() != 1:
            return None
        c, rest = rest_poly.coeff_monomial(d), rest_poly.coeff_monomial(1)
        if c.has(f) or rest.has(f):
            return None
        if any(x in g.args for g in _unknowns_in(c, self.live) + _unknowns_in(rest, self.live)):
            return None
        prim = sp.integrate(sp.expand(self.simplify(-rest / c)), x)
        if prim.has(sp.Integral):
            return None
        others = tuple(a for a in f.args if a != x)
        old = f.func.__name__
        default = old if prim == 0 else old + "0"
        name = self.names.get(default, self.names.get(old, default))
        new = self._function(name, others) if others else self._constant(name)
        return self.simplify(prim) + new

    def try_ode(self, e, f):
        ds = _derivatives_of(e, f)
        xs = {v for d in ds for v in d.variables}
        if len(xs) != 1:
            return None
        (x,) = xs
        others = [g for g in _unknowns_in(e, self.live) if g != f]
        if any(x in g.args for g in others) or (len(f.args) == 1 and others):
            return None
        F = sp.Function("F_ode")(x)
        e2 = e.xreplace({d: sp.diff(F, x, d.derivative_count) for d in ds}).xreplace({f: F})
        # other functions (constant in x) and their derivatives become symbols for dsolve
        known = [a for a in e2.atoms(sp.Derivative) | e2.atoms(AppliedUndef) if not a.has(F)]
        if any(x in a.free_symbols for a in known):
            return None
        frozen = {a: sp.Dummy("k") for a in known}
        back = {v: k for k, v in frozen.items()}
        try:
            sol = sp.dsolve(e2.xreplace(frozen), F)
        except (NotImplementedError, ValueError, TypeError):
            return None
        if isinstance(sol, list) or sol.rhs.has(F) or sol.rhs.has(sp.Integral):
            return None
        rhs = sol.rhs
        cs = sorted(
            (
                s
                for s in rhs.free_symbols
                if s.name.startswith("C") and s not in self.variables and s not in e2.free_symbols
            ),
            key=str,
        )
        rest = tuple(a for a in f.args if a != x)
        base = f.func.__name__
        if not rest:  # a function of x alone: the constants are symbols
            ren = {c: self._constant(f"{base}_{c.name[1:]}") for c in cs}
            return sp.expand(rhs.xreplace(ren).xreplace(back))
        powers = self._powers(rhs, cs, x) or {}
        ren = {}
        for c in cs:
            k = powers.get(c)
            tag = f"_{c.name[1:]}" if k is None else (f"{k}" if k >= 0 else f"m{-k}")
            ren[c] = self._function(self.names.get(base + tag, base + tag), rest)
        return sp.expand(rhs.xreplace(ren).xreplace(back))

    @staticmethod
    def _powers(rhs, cs, x):
        """``{C: k}`` when each constant multiplies one distinct power ``x^k`` (naming)."""
        try:
            coeffs = laurent_coefficients(rhs, x)
        except (ValueError, sp.PolynomialError):
            return None
        out = {}
        for k, c in coeffs.items():
            for C in cs:
                if c.has(C):
                    if C in out:
                        return None
                    out[C] = k
        if set(out) != set(cs) or len(set(out.values())) != len(cs):
            return None
        return out

    def try_nonlinear(self, e, f):
        if _derivatives_of(e, f) or len(_unknowns_in(e, self.live)) != 1:
            return None
        try:
            sols = sp.solve(e, f)
        except (NotImplementedError, ValueError, TypeError):
            return None
        sols = [s for s in sols if not s.has(sp.I) and s.is_real is not False]
        if len(sols) != 1 or not self._allowed(sols[0], f):
            return None
        return sols[0]

    def try_ode1(self, e, f):
        return self.try_ode(e, f) if len(f.args) == 1 else None

    # first pass over all equations, then the second: the cheaper moves win
    PASSES = (("algebraic", "integrate", "ode1"), ("ode", "nonlinear"))

    # -- splitting and combining equations ------------------------------------------------
    def try_split(self, eqs):
        """Split an equation into its coefficients in a variable no unknown depends on
        (independent monomials in ``x``, ``sin x``, ``cos x``); True when it added any."""
        ev = self.evolution()
        for e, lab in eqs:
            for x in sorted(e.free_symbols & self.variables, key=str):
                if any(x in f.args for f in self.live + list(ev)):
                    continue
                parts = _split_in(e, x)
                if parts is None or len(parts) < 2:
                    continue
                for k, c in parts.items():
                    self.extra.append(Condition(c, sp.Dummy("t"), None, f"{lab}[{x}: {k}]"))
                self.steps.append(f"split {lab} in {x}: {len(parts)} coefficients")
                return True
        return False

    def try_eliminate(self, eqs):
        """Row-reduce the equations linear in first time derivatives; True when it moved."""
        t = self.time
        if t is None:
            return False
        cands = [f for f in self.live if t in f.args]
        pivots = {sp.Derivative(f, t): f for f in cands}
        rows, used = [], set()
        for e, lab in eqs:
            ders = {d for d in e.atoms(sp.Derivative) if d.expr in cands and t in d.variables}
            if not ders or not ders <= set(pivots):
                continue
            dums = {p: sp.Dummy("p") for p in ders}
            try:
                poly = sp.Poly(e.xreplace(dums), *dums.values())
            except sp.PolynomialError:
                continue
            if poly.total_degree() != 1:
                continue
            coeffs = {p: poly.coeff_monomial(dums[p]) for p in ders}
            if any(c.has(*ders) for c in coeffs.values()):
                continue
            rows.append((coeffs, poly.coeff_monomial(1), lab))
            used |= ders
        if not rows:
            return False
        cols = sorted(used, key=sp.default_sort_key)
        n = len(rows)
        A = sp.Matrix([[row[0].get(p, 0) for p in cols] for row in rows])
        const = sp.Matrix([row[1] for row in rows])
        # Gauss-Jordan on [A | 1]: the right block records the row operations T, so that
        # T A is reduced and T const keeps the combinations free of time derivatives.
        R, _ = A.row_join(sp.eye(n)).rref(
            iszerofunc=lambda x: self.simplify(x) == 0, simplify=self.simplify
        )
        RA, Tc = R[:, : len(cols)], R[:, len(cols) :] * const
        labels = ", ".join(lab for _, _, lab in rows)
        before = len(self.extra)
        solved = {}
        for i in range(n):
            nz = [k for k in range(len(cols)) if self.simplify(RA[i, k]) != 0]
            if not nz:  # a combination free of time derivatives: a new equation
                c = self.simplify(Tc[i])
                if c != 0:
                    self.extra.append(Condition(c, sp.Dummy("t"), None, f"combination of {labels}"))
                continue
            j, free = nz[0], nz[1:]
            rhs = -Tc[i] - sum(RA[i, k] * cols[k] for k in free)
            solved[pivots[cols[j]]] = self.simplify(rhs)
        for f, rhs in solved.items():
            self.steps.append(f"eliminate {labels}: d_{t} {f} = {rhs}")
            self.live.remove(f)
            self.evolving[f] = rhs
        return bool(solved) or len(self.extra) > before


def solve_system(
    conditions,
    unknowns,
    *,
    names=None,
    simplify=sp.cancel,
    variables=None,
    time=None,
    evolution=None,
    max_steps=200,
) -> SolvedSystem:
    r"""Solve conditions for unknown functions (see the module docstring for the moves).

    Parameters
    ----------
    conditions : sequence of Condition
    unknowns : sequence of applied undefined functions, e.g. ``[Theta(u, phi)]``
    names : dict, optional
        ``{default_name: new_name}`` for the arbitrary functions the moves introduce. Default
        names: integration gives the unknown's own name when the integrand vanishes, else
        ``name + "0"`` (looked up under both ``name + "0"`` and ``name``); an ODE constant of
        a function of several variables is ``name + str(k)`` when it multiplies ``x**k``
        (``name + "m" + str(-k)`` for ``k < 0``).
    simplify : callable
        Applied to each equation and each solved expression.
    variables : iterable of Symbol, optional
        The independent variables (default: the unknowns' arguments and the conditions'
        expansion variables); an algebraic solution may depend on its unknown's arguments only.
    time : Symbol, optional
        The evolution variable: when no single equation can be solved, equations linear in
        first ``time`` derivatives are combined into evolution equations. Without it,
        coupled equations raise.
    evolution : dict, optional
        Known evolution equations ``{F: d_t F}`` of functions that are not unknowns (e.g. the
        fields of a solution space); every equation is reduced with them.

    Returns
    -------
    SolvedSystem

    Raises
    ------
    ValueError
        A condition reduces to ``0 = c != 0`` (the falloffs admit no solution), or equations
        remain that no move solves.

    Examples
    --------
    Two coupled first-order equations become an evolution system:

    >>> import sympy as sp
    >>> u, x = sp.symbols("u x")
    >>> A, B = sp.Function("A")(u, x), sp.Function("B")(u, x)
    >>> eqs = [Condition(sp.diff(A, u) - sp.diff(B, x), x),
    ...        Condition(sp.diff(B, u) + sp.diff(A, u) - sp.diff(A, x), x)]
    >>> res = solve_system(eqs, [A, B], time=u)
    >>> dict(res.evolution)
    {A(u, x): Derivative(B(u, x), x), B(u, x): Derivative(A(u, x), x) - Derivative(B(u, x), x)}
    """
    unknowns = list(unknowns)
    var = set().union(*(set(f.args) for f in unknowns), {c.var for c in conditions})
    if variables is not None:
        var |= set(variables)
    if time is not None:
        var.add(time)
    s = _Solver(unknowns, names, simplify, var, time, evolution)
    for _ in range(max_steps):
        eqs = s.equations(conditions)
        if not eqs:
            free = list(s.live) + list(s.evolving) + s.constants
            return SolvedSystem(
                sp.Dict(s.solution),
                tuple(free),
                sp.Dict(s.evolving),
                tuple(s.constants),
                tuple(s.steps),
                time,
            )
        for e, lab in eqs:
            if not _unknowns_in(e, s.live):
                if any(e.has(f) for f in s.evolving):
                    raise ValueError(
                        f"condition {lab} constrains the evolving functions "
                        f"{sorted(s.evolving, key=str)}: 0 = {e} (not supported)"
                    )
                raise ValueError(f"condition {lab} admits no solution: it requires 0 = {e}")
        eqs.sort(key=lambda el: (len(_unknowns_in(el[0], s.live)), sp.count_ops(el[0])))
        if not (_one_move(s, eqs) or s.try_split(eqs) or s.try_eliminate(eqs)):
            rest = "; ".join(f"{lab}: {e} = 0" for e, lab in eqs[:4])
            raise ValueError(f"no move solves the remaining equations ({len(eqs)}): {rest}")
    raise ValueError(f"solver did not finish in {max_steps} steps")


def _one_move(s, eqs):
    for moves in _Solver.PASSES:
        for e, lab in eqs:
            for f in _unknowns_in(e, s.live):
                for how in moves:
                    sol = getattr(s, f"try_{how}")(e, f)
                    if sol is not None:
                        s._apply(f, sol, f"{how.rstrip('1')} {lab}")
                        return True
    return False

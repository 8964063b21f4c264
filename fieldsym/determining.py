r"""A solver for overdetermined linear homogeneous PDE systems (determining equations).

The unknowns are functions of some of the ``variables`` (sympy applied functions such as
``xi_x(x, t, u)``) or constants (symbols).  The solver repeats, until nothing changes:

1. **split** an equation by a variable on which none of its unknowns depends, into the
   coefficients of its powers (or of other functions of it, when a Wronskian test shows them
   linearly independent: ``sin u``, ``cos u``, ``exp(-u)``);
2. **eliminate** an unknown that appears undifferentiated, with a coefficient free of
   unknowns, when everything else in the equation depends only on its arguments;
3. **integrate** an equation :math:`\partial^K f = R` in which :math:`f` occurs once and the
   right-hand side can be integrated explicitly; the general solution brings new arbitrary
   functions of fewer arguments, :math:`f = \iint R + \sum_{v} \sum_{j<k_v} v^j g_{v,j}`;
4. **separate** indirectly: differentiate an equation by a variable that some of its unknowns
   do not depend on (``F'(t) + G'(q) = 0`` gives ``F'' = 0``);
5. **solve a linear ODE** in one unknown along one variable (``f_uu + f_u = 0``,
   ``t f_tt + f_t/2 = 0``) with ``dsolve``; its integration constants become functions of the
   other arguments; the answer is verified by substitution;
6. **complete**: under an orderly ranking, reduce every equation by the leading derivatives of
   the others and add the nonzero integrability conditions (cross-derivatives); a system whose
   conditions all reduce to zero is passive.

The result expresses the requested targets through constants and arbitrary functions; the
remaining (passive) equations are the conditions those functions obey, e.g. ``f_t = f_xx``
for the heat equation's :math:`\beta(x,t)\partial_u`.  When the loop stops with equations that
are not passive, or with constants still tied by equations, the result is marked incomplete
and :class:`UnsolvedSystemError` carries the remaining equations: a partial answer is never
presented as complete.  Parameters (symbols that are neither variables nor unknowns) are
treated as generic: every expression in them that the solver divides by, or that an integral
needs to be nonzero, is recorded in :attr:`LinearPDESolution.assumptions`.

Determinism: every choice (which equation, which unknown, which variable) follows a total
order on expressions (:func:`sympy.default_sort_key`), never the order of a ``set``, so the
answer does not depend on ``PYTHONHASHSEED``.  Zero tests on coefficients with radicals or
transcendental functions use :func:`fieldsym._zerotest.is_zero`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

from ._calculus import generic_integrate, solve_linear_ode
from ._limits import SolverTimeout, check, time_limit
from ._particular import polynomial_particular_solution
from ._zerotest import is_zero, sort_key
from .splitting import independent_functions

__all__ = ["LinearPDESolution", "UnsolvedSystemError", "solve_linear_pde_system"]


class UnsolvedSystemError(RuntimeError):
    """The solver stopped with equations it could not reduce; ``.equations`` lists them."""

    def __init__(self, equations, message=None):
        self.equations = list(equations)
        text = "; ".join(f"{sp.sstr(e)} = 0" for e in self.equations[:12])
        more = f" (+{len(self.equations) - 12} more)" if len(self.equations) > 12 else ""
        super().__init__(message or f"determining equations left unsolved: {text}{more}")


@dataclass
class LinearPDESolution:
    """General solution of a linear homogeneous PDE system.

    Attributes
    ----------
    targets : dict name -> expression in ``constants`` and ``functions``
    constants : list of Symbol, free parameters
    functions : list of applied functions, arbitrary up to ``conditions``
    conditions : list of expressions (``= 0``) on ``functions``; passive when ``complete``
    complete : bool
    steps : int, number of solver steps taken
    assumptions : list of expressions in the parameters assumed nonzero (generic case)
    reason : why the result is incomplete ("" when complete)
    generic : list of (variable, functions) that were split as linearly independent although
        they contain arbitrary functions of the equation (true for generic such functions; the
        special functions that make them dependent are the cases of a classification)
    """

    targets: dict
    constants: list
    functions: list
    conditions: list
    complete: bool
    steps: int = 0
    log: list = field(default_factory=list)
    assumptions: list = field(default_factory=list)
    reason: str = ""
    generic: list = field(default_factory=list)

    def require_complete(self):
        if not self.complete:
            raise UnsolvedSystemError(self.conditions)
        return self


def _independent(functions, v) -> bool:
    """Test that ``functions`` of ``v`` (and possibly of other symbols) are linearly
    independent over the functions of the other symbols: their values at as many random
    values of ``v``, the other symbols fixed at random values, form a full-rank matrix
    (:func:`fieldsym.splitting.independent_functions`; no symbolic Wronskian)."""
    if len(functions) == 1:
        return True
    others = set().union(*[f.free_symbols for f in functions]) - {v}
    return independent_functions(list(functions), {v}, others)


def _arbitrary_functions(exprs) -> list:
    """Applied undefined functions in ``exprs`` (arbitrary functions of the equation)."""
    found = {a for e in exprs for a in sp.sympify(e).atoms(AppliedUndef)}
    return sorted(found, key=sort_key)


def _is_rational_in(expr) -> bool:
    """Whether ``expr`` is built from symbols with +, *, integer powers (exact zero test by
    ``cancel``)."""
    for p in sp.preorder_traversal(expr):
        if isinstance(p, sp.Function) and not isinstance(p, AppliedUndef):
            return False
        if p.is_Pow and not p.exp.is_Integer:
            return False
    return True


def _mask_radicals(e):
    """Replace every radical ``b**(p/q)`` by a power of a symbol ``R_b = b**(1/q)`` (one per
    base), so that ``together``, ``gcd`` and ``cancel`` work on polynomials; the mapping back is
    returned (``R_b**q = b`` is not used, so nothing is lost, only possibly left uncancelled)."""
    pows = [p for p in e.atoms(sp.Pow) if p.exp.is_Rational and not p.exp.is_Integer
            and not p.base.is_Number]
    if not pows:
        return e, {}
    q_of: dict = {}
    for p in pows:
        q_of[p.base] = sp.ilcm(q_of.get(p.base, 1), p.exp.q)
    symbols = {b: sp.Dummy(f"R{k}") for k, b in enumerate(sorted(q_of, key=sort_key))}
    rep = {p: symbols[p.base] ** (p.exp * q_of[p.base]) for p in pows}
    back = {symbols[b]: b ** sp.Rational(1, q_of[b]) for b in q_of}
    return e.xreplace(rep), back


def _unmask(num, back):
    """Put the radicals back after reducing the powers of each ``R = b**(1/q)`` modulo
    ``R**q = b``: ``P_0 + P_1 R + ... + P_{q-1} R**(q-1)`` with polynomial ``P_k`` is a
    canonical form (``b**(5/2)`` becomes ``b**2*sqrt(b)``, as ``expand`` would not do)."""
    rep = {}
    for p in num.atoms(sp.Pow):
        if p.base in back and p.exp.is_Integer and p.exp > 0:
            q = back[p.base].exp.q
            k = int(p.exp)
            if k >= q:
                rep[p] = back[p.base].base ** (k // q) * p.base ** (k % q)
    if rep:
        num = sp.expand(num.xreplace(rep))
    return sp.expand(num.xreplace(back))


def _has_denominator(e) -> bool:
    """Whether a term of ``e`` has a factor with a negative exponent (``together`` needed)."""
    for t in sp.Add.make_args(e):
        for f in sp.Mul.make_args(t):
            if f.is_Pow and f.exp.is_negative:
                return True
            if f.is_Rational and f.q != 1:
                return True
    return False


def _needs_zero_test(e) -> bool:
    """Whether coefficients may vanish by an identity ``expand`` does not apply: functions
    other than unknowns, or radicals."""
    for p in sp.preorder_traversal(e):
        if isinstance(p, sp.Function) and not isinstance(p, AppliedUndef):
            return True
        if p.is_Pow and p.exp.is_Rational and not p.exp.is_Integer:
            return True
    return False


def _merge_powers(e):
    """Merge powers of one base inside each term (``u*u**(n - 1)`` -> ``u**n``), which
    sympy does not do for symbolic exponents; terms that merge into one are then collected."""
    terms = sp.Add.make_args(e)
    if not any(p.is_Pow and not p.exp.is_Number for t in terms for p in sp.Mul.make_args(t)):
        return e
    return sp.Add(*[sp.powsimp(t, combine="exp") if t.is_Mul else t for t in terms])


def _clearly_nonzero(c) -> bool:
    """A cheap 30-digit evaluation at one pseudo-random point: True when the value is clearly
    away from zero (a proof that ``c`` is not identically zero); False when undecided."""
    syms = sorted(c.free_symbols, key=lambda s: s.name)
    sub = {s: sp.Float(sp.Rational(37 + 11 * k, 53 + 7 * k), 30) for k, s in enumerate(syms)}
    try:
        terms = [t.xreplace(sub).evalf(30) for t in sp.Add.make_args(c)]
        total = sp.Add(*terms).evalf(30)
        scale = max(abs(complex(t)) for t in terms)
        return bool(total.is_number) and abs(complex(total)) > 1e-12 * max(scale, 1.0)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False


class _Solver:
    def __init__(self, equations, unknowns, variables, targets, max_steps):
        self.variables = tuple(variables)
        self.heads: list = list(unknowns)
        self.targets = {k: sp.sympify(v) for k, v in targets.items()}
        self.eqs = [sp.sympify(e) for e in equations]
        self.max_steps = max_steps
        self.counter = itertools.count(1)
        self.log: list[str] = []
        self.separated: set = set()
        self.assumptions: list = []
        self.generic: list = []  # (variable, functions assumed independent) with arbitrary F
        # caches keyed by expression: new unknowns get fresh names, so entries stay valid
        self._occ_cache: dict = {}
        self._lin_cache: dict = {}
        self._lead_cache: dict = {}
        self._norm_cache: dict = {}
        self._canon: dict = {}
        self._ode_failed: set = set()
        self._key_cache: dict = {}
        self._explicit_cache: dict = {}
        self.func_names = {h.func.__name__ if isinstance(h, AppliedUndef) else h.name
                           for h in self.heads}

    # ------------------------------------------------------------------ helpers
    def args_of(self, head):
        return tuple(head.args) if isinstance(head, AppliedUndef) else ()

    def new_unknown(self, args):
        while True:
            k = next(self.counter)
            name = f"_f{k}" if args else f"_c{k}"
            if name not in self.func_names:
                break
        self.func_names.add(name)
        head = sp.Function(name)(*args) if args else sp.Symbol(name)
        self.heads.append(head)
        return head

    def assume_nonzero(self, c):
        """Record a divisor ``c``: a parameter expression is a generic assumption."""
        c = sp.sympify(c)
        if c.is_Number or set(self.variables) & c.free_symbols:
            return
        if not c.free_symbols:
            return
        self.assumptions.append(c)

    def occurrences(self, e):
        """``{occurrence: (head, counts dict)}`` for unknowns and their derivatives in ``e``,
        in a hash-independent order."""
        hit = self._occ_cache.get(e)
        if hit is not None:
            return hit
        heads = set(self.heads)
        found = []
        for d in e.atoms(sp.Derivative):
            if d.expr in heads:
                found.append((d, (d.expr, dict(d.variable_count))))
        rest = e.xreplace({d: sp.Dummy() for d, _ in found})
        for a in rest.atoms(AppliedUndef):
            if a in heads:
                found.append((a, (a, {})))
        for s in rest.free_symbols:
            if s in heads:
                found.append((s, (s, {})))
        out = dict(sorted(found, key=lambda kv: sort_key(kv[0])))
        self._occ_cache[e] = out
        return out

    def linear_parts(self, e, occ=None):
        hit = self._lin_cache.get(e)
        if hit is not None:
            return hit
        occ = self.occurrences(e) if occ is None else occ
        dums = {o: sp.Dummy() for o in occ}
        marks = set(dums.values())
        lin = sp.expand(e.xreplace(dums))
        # one pass over the terms: each is a coefficient times one mark, or free of marks
        parts: dict = {}
        rest = []
        for term in sp.Add.make_args(lin):
            factors = sp.Mul.make_args(term)
            hit = [f for f in factors if f in marks]
            if len(hit) == 1 and not any(f.has(*marks) for f in factors if f != hit[0]):
                parts.setdefault(hit[0], []).append(
                    sp.Mul(*[f for f in factors if f != hit[0]]))
            elif not hit and not term.has(*marks):
                rest.append(term)
            else:
                raise ValueError(f"determining equation is not linear in the unknowns: {e}")
        coeffs = {}
        for o, d in dums.items():
            c = sp.Add(*parts.get(d, ()))
            if c != 0:
                coeffs[o] = c
        rem = sp.Add(*rest)
        if rem != 0 and not is_zero(rem):
            raise ValueError(f"determining equation is not homogeneous (term {rem}): {e}")
        self._lin_cache[e] = coeffs
        return coeffs

    def explicit_vars(self, e, occ):
        """Variables occurring outside the unknowns, in the order of ``self.variables``."""
        hit = self._explicit_cache.get(e)
        if hit is None:
            rest = e.xreplace({o: sp.Dummy() for o in occ})
            hit = self._explicit_cache[e] = [v for v in self.variables
                                             if v in rest.free_symbols]
        return hit

    def substitute(self, head, value):
        def rep(expr):
            if not expr.has(head):
                return expr
            mapping = {}
            for d in expr.atoms(sp.Derivative):
                if d.expr == head:
                    mapping[d] = sp.diff(value, *d.variable_count)
            expr = expr.xreplace(mapping)
            return expr.xreplace({head: value})

        self.eqs = [rep(e) for e in self.eqs]
        self.targets = {k: rep(v) for k, v in self.targets.items()}
        self.heads.remove(head)

    def normalize(self):
        out, seen = [], set()
        for e in self.eqs:
            key = self._norm_cache.get(e)
            if key is None:
                key = self._normal_form(e)
                self._norm_cache[e] = key
            if key == 0:
                continue
            if key in seen or -key in seen:
                continue
            seen.add(key)
            out.append(key)
        self.eqs = sorted(out, key=self._order_key)

    def _order_key(self, e):
        hit = self._key_cache.get(e)
        if hit is None:
            hit = self._key_cache[e] = (len(sp.Add.make_args(e)), sp.count_ops(e),
                                        sp.default_sort_key(e))
        return hit

    def _canonical(self, d):
        hit = self._canon.get(d)
        if hit is None:
            hit = self._canon[d] = sp.diff(d.expr, *d.variable_count)
        return hit

    def _normal_form(self, e):
        # canonical variable order inside derivatives (Derivative(f, x, t) vs (f, t, x))
        e = sp.expand(e.xreplace({d: self._canonical(d) for d in e.atoms(sp.Derivative)}))
        if e == 0:
            return e
        e = _merge_powers(e)
        masked, back = _mask_radicals(e)
        num = sp.expand(sp.numer(sp.together(masked))) if _has_denominator(masked) else masked
        if num == 0:
            return num
        num = self.primitive(num)
        num = _unmask(num, back) if back else num
        if _needs_zero_test(num):
            num = self._drop_zero_coefficients(num)
        if num == 0:
            return num
        lead = sp.Add.make_args(num)[0].as_coeff_Mul()[0]
        return sp.expand(num / lead) if lead not in (0, 1) else num

    def _drop_zero_coefficients(self, e):
        """Remove terms whose coefficient is zero only by an identity that ``expand`` does
        not see (``tan(x) cos(x) - sin(x)``, radicals)."""
        occ = self.occurrences(e)
        if not occ:
            return sp.S.Zero if is_zero(e) else e
        coeffs = self.linear_parts(e, occ)
        keep = {o: c for o, c in coeffs.items()
                if not c.is_Add or _is_rational_in(c) or _clearly_nonzero(c) or not is_zero(c)}
        if len(keep) == len(coeffs):
            return e
        return sp.expand(sp.Add(*[c * o for o, c in keep.items()]))

    def primitive(self, e):
        """Divide out the common factor of the coefficients (free of unknowns; generic, so
        nonzero), e.g. ``u**2 f'(u)`` -> ``f'(u)``."""
        occ = self.occurrences(e)
        if not occ:
            return e
        coeffs = self.linear_parts(e, occ)
        vals = list(coeffs.values())
        if any(c.is_Number for c in vals):
            return e
        g = vals[0]
        try:
            for c in vals[1:]:
                g = sp.gcd(g, c)
                if g.is_Number:
                    return e
        except (sp.PolynomialError, NotImplementedError):
            return e
        if g.is_Number:
            return e
        self.assume_nonzero(g)
        return sp.expand(sp.Add(*[sp.cancel(c / g) * o for o, c in coeffs.items()]))

    # ------------------------------------------------------------------ steps
    def split(self):
        for k, e in enumerate(self.eqs):
            occ = self.occurrences(e)
            dep = set().union(*[set(self.args_of(h)) for h, _ in occ.values()]) if occ else set()
            for v in self.explicit_vars(e, occ):
                if v in dep:
                    continue
                groups: dict = {}
                for term in sp.Add.make_args(sp.expand(e)):
                    indep, part = term.as_independent(v, as_Add=False)
                    groups[part] = groups.get(part, 0) + indep
                monomial = all(p == 1 or p == v or (p.is_Pow and p.base == v and p.exp.is_Integer
                                                    and p.exp > 0) for p in groups)
                if not monomial and not _independent(list(groups), v):
                    continue
                arbitrary = _arbitrary_functions(groups)
                if arbitrary:  # generic arbitrary functions: recorded for a classification
                    self.generic.append((v, tuple(sorted(groups, key=sort_key))))
                pieces = [g for g in groups.values() if sp.expand(g) != 0]
                self.eqs = self.eqs[:k] + pieces + self.eqs[k + 1:]
                self.log.append(f"split by {v}")
                return True
        return False

    def eliminate(self):
        best = None
        for e in self.eqs:
            occ = self.occurrences(e)
            coeffs = self.linear_parts(e, occ)
            explicit = set(self.explicit_vars(e, occ))
            derived = {h for o, (h, c) in occ.items() if c}
            for o, (h, counts) in occ.items():
                if counts or h in derived:
                    continue
                args = set(self.args_of(h))
                others = [hh for oo, (hh, _) in occ.items() if oo != o]
                if not explicit <= args:
                    continue
                if not all(set(self.args_of(hh)) <= args for hh in others):
                    continue
                c = coeffs[o]
                key = (bool(set(self.variables) & c.free_symbols), -len(args), len(coeffs),
                       sp.count_ops(e), sort_key(h), sort_key(e))
                if best is None or key < best[0]:
                    best = (key, h, e, coeffs[o])
        if best is None:
            return False
        _, h, e, c = best
        self.assume_nonzero(c)
        value = sp.expand(-(e - c * h) / c)
        self.log.append(f"eliminate {h} = {value}")
        self.substitute(h, value)
        return True

    def _antiderivative(self, g, v, times):
        """Integrate ``g`` ``times`` times in ``v``; ``None`` when not explicit."""
        for _ in range(times):
            terms = []
            for term in sp.Add.make_args(sp.expand(g)):
                occ = self.occurrences(term)
                if not occ:
                    r = generic_integrate(term, v, self.assumptions)
                    if r is None:
                        return None
                    terms.append(r)
                    continue
                (o, (h, counts)), = occ.items()
                coef = sp.expand(term / o)
                if v not in self.args_of(h):
                    r = generic_integrate(coef, v, self.assumptions)
                    if r is None:
                        return None
                    terms.append(r * o)
                elif counts.get(v, 0) >= 1 and v not in coef.free_symbols:
                    new = dict(counts)
                    new[v] -= 1
                    pairs = [(w, k) for w, k in new.items() if k]
                    terms.append(coef * (sp.diff(h, *pairs) if pairs else h))
                else:
                    return None
            g = sp.Add(*terms)
        return g

    def integrate(self):
        for e in self.eqs:
            occ = self.occurrences(e)
            coeffs = self.linear_parts(e, occ)
            by_head: dict = {}
            for o, (h, counts) in occ.items():
                by_head.setdefault(h, []).append((o, counts))
            for h, lst in sorted(by_head.items(),
                                 key=lambda kv: (-len(self.args_of(kv[0])), sort_key(kv[0]))):
                if len(lst) != 1 or not lst[0][1]:
                    continue
                o, counts = lst[0]
                c = coeffs[o]
                S = [v for v in self.variables if counts.get(v, 0)]
                args = set(self.args_of(h))
                g = sp.expand(-(e - c * o) / c)
                g_occ = self.occurrences(g)
                if not set(self.explicit_vars(g, g_occ)) <= args:
                    continue
                if not all(set(self.args_of(hh)) <= args for hh, _ in g_occ.values()):
                    continue
                if len(S) > 1 and any(set(self.args_of(hh)) & set(S) for hh, _ in g_occ.values()):
                    continue
                part = g
                for v in S:
                    part = self._antiderivative(part, v, counts[v])
                    if part is None:
                        break
                if part is None:
                    continue
                self.assume_nonzero(c)
                value = part
                for v in S:
                    rest = tuple(a for a in self.args_of(h) if a != v)
                    for j in range(counts[v]):
                        value += v**j * self.new_unknown(rest)
                self.log.append(f"integrate {o} = {g}")
                self.substitute(h, sp.expand(value))
                return True
        return False

    def separate(self):
        """Indirect separation: differentiate an equation by a variable ``v`` that some of its
        unknowns do not depend on, after dividing by the coefficient of one of them when that
        coefficient depends on ``v`` (``c e_v - c_v e``), which removes that unknown
        (``cos(u) (f_x - g_t) + B_u = 0`` gives an equation in ``B`` alone); the original
        equation is kept.  Only steps that remove an unknown are taken, so repeated
        separation cannot produce an endless chain of derivatives."""
        present = set(self.eqs) | self.separated
        for e in self.eqs:
            occ = self.occurrences(e)
            argsets = [set(self.args_of(h)) for h, _ in occ.values()]
            if len(argsets) < 2:
                continue
            coeffs = self.linear_parts(e, occ)
            for v in sorted(set().union(*argsets), key=str):
                if all(v in a for a in argsets):
                    continue
                removable = [o for o, (h, _) in occ.items() if v not in self.args_of(h)]
                candidates = []
                if any(v not in coeffs[o].free_symbols for o in removable):
                    candidates.append((None, sp.diff(e, v)))
                seen_c = set()
                for o in removable:
                    c = coeffs[o]
                    if v in c.free_symbols and c not in seen_c:
                        seen_c.add(c)
                        candidates.append((c, c * sp.diff(e, v) - sp.diff(c, v) * e))
                for c, new in candidates:
                    new = sp.expand(new)
                    if new == 0:
                        continue
                    if any(o in self.occurrences(new) for o in removable
                           if c is None and v not in coeffs[o].free_symbols
                           or c is not None and coeffs[o] == c):
                        continue
                    lead = sp.Add.make_args(new)[0].as_coeff_Mul()[0]
                    key = sp.expand(new / lead) if lead != 0 else new
                    if key in present or sp.expand(-key) in present:
                        continue
                    if c is not None:
                        self.assume_nonzero(c)
                    self.eqs.append(key)
                    self.separated.add(key)
                    self.log.append(f"separate by d/d{v}")
                    return True
        return False

    def solve_ode(self):
        """An equation in one unknown whose derivatives are all along one variable ``v``, with
        coefficients that depend only on the unknown's arguments, is a linear ODE in ``v`` (the
        other arguments are parameters): ``dsolve`` it, check the answer, and let its integration
        constants become new unknowns of the remaining arguments."""
        for e in self.eqs:
            if e in self._ode_failed:
                continue
            occ = self.occurrences(e)
            heads = {h for h, _ in occ.values()}
            if len(heads) != 1 or len(occ) < 2:
                continue
            (h,) = heads
            dirs = set().union(*[set(c) for _, c in occ.values()])
            if len(dirs) != 1:
                continue
            (v,) = dirs
            coeffs = self.linear_parts(e, occ)
            args = set(self.args_of(h))
            if any((c.free_symbols & set(self.variables)) - args for c in coeffs.values()):
                continue  # split by the other variables first
            constant = not any(v in c.free_symbols for c in coeffs.values())
            order = max(counts.get(v, 0) for _, counts in occ.values())
            if not constant and order > 4:
                continue
            F = sp.Function("_F")(v)
            ode = sp.Add(*[c * sp.diff(F, v, counts.get(v, 0))
                           for o, c in coeffs.items() for _, counts in [occ[o]]])
            self._ode_failed.add(e)  # removed again below on success; never retried on failure
            found = solve_linear_ode(ode, F, v, order, constant_coefficients=constant,
                                     assumptions=self.assumptions)
            if found is None:
                continue
            rhs, consts = found
            self._ode_failed.discard(e)
            rest = tuple(a for a in self.args_of(h) if a != v)
            value = rhs.xreplace({C: self.new_unknown(rest) for C in consts})
            self.log.append(f"ODE in {v}: {h} = {value}")
            self.substitute(h, sp.expand(value))
            return True
        return False

    def _potential(self, e, v):
        """``G`` with ``dG/dv = e`` termwise (every term differentiated in ``v`` with a
        coefficient free of ``v``), or ``None``."""
        occ = self.occurrences(e)
        if not occ or v in self.explicit_vars(e, occ):
            return None
        coeffs = self.linear_parts(e, occ)
        out = []
        for o, (h, counts) in occ.items():
            if counts.get(v, 0) < 1:
                return None
            new = dict(counts)
            new[v] -= 1
            pairs = [(w, k) for w, k in new.items() if k]
            out.append(coeffs[o] * (sp.diff(h, *pairs) if pairs else h))
        g = sp.expand(sp.Add(*out))
        lead = sp.Add.make_args(g)[0].as_coeff_Mul()[0]
        return sp.expand(g / lead)

    def first_integral(self):
        """Equations that are the derivatives of one expression ``G`` along every variable ``G``
        depends on (``D_t(f_t - f_xx) = 0``, ``D_x(f_t - f_xx) = 0``) are replaced by
        ``G = c`` with a new constant ``c``."""
        found: dict = {}
        for e in self.eqs:
            for v in self.variables:
                g = self._potential(e, v)
                if g is not None:
                    key = g if not g.could_extract_minus_sign() else sp.expand(-g)
                    found.setdefault(key, {})[v] = e
        for g, by_var in sorted(found.items(), key=lambda kv: sort_key(kv[0])):
            occ = self.occurrences(g)
            deps = set(self.explicit_vars(g, occ))
            for h, _ in occ.values():
                deps |= set(self.args_of(h))
            if not deps or not deps <= set(by_var):
                continue
            used = {id(e) for e in by_var.values()}
            c = self.new_unknown(())
            self.eqs = [e for e in self.eqs if id(e) not in used] + [g - c]
            self.log.append(f"first integral {g} = {c}")
            return True
        return False

    def particular(self):
        """Passive conditions that still contain constants (``f_tt - f_txx = -5c/2``): find
        a polynomial particular solution for each constant and shift the functions by it, so
        that the conditions become homogeneous and the constants free."""
        consts = [h for h in self.heads if not isinstance(h, AppliedUndef)
                  and any(h in e.free_symbols for e in self.eqs)]
        if not consts:
            return False
        funcs = [h for h in self.heads if isinstance(h, AppliedUndef)
                 and any(e.has(h) for e in self.eqs)]
        if not funcs:
            return False
        shifts = {f: sp.S.Zero for f in funcs}
        for c in sorted(consts, key=sort_key):
            P = polynomial_particular_solution(self.eqs, c, consts, funcs, self.variables)
            if P is None:
                return False
            for f in funcs:
                shifts[f] += c * P[f]
        for f in funcs:
            if shifts[f] != 0:
                self.substitute(f, self.new_unknown(self.args_of(f)) + shifts[f])
        self.log.append(f"particular solutions for {consts}")
        return True

    # ------------------------------------------------------------------ completion
    def rank(self, o, info):
        h, counts = info
        args = self.args_of(h)
        return (sum(counts.values()), len(args), str(h),
                tuple(counts.get(a, 0) for a in args))

    def leader(self, e):
        if e in self._lead_cache:
            return self._lead_cache[e]
        occ = self.occurrences(e)
        if not occ:
            return None
        o = max(occ, key=lambda oo: self.rank(oo, occ[oo]))
        coeffs = self.linear_parts(e, occ)
        self._lead_cache[e] = (o, occ[o], coeffs[o])
        return self._lead_cache[e]

    def solved(self, e, lead):
        o, _, c = lead
        self.assume_nonzero(c)
        return sp.expand(-(e - c * o) / c)

    def reduce_by(self, e, solved_list, clear_denominators=True):
        for _ in range(200):
            occ = self.occurrences(e)
            changed = False
            for o, (h, counts) in occ.items():
                for _lead, lh, lcounts, rhs in solved_list:
                    if lh != h:
                        continue
                    if all(counts.get(v, 0) >= k for v, k in lcounts.items()):
                        diff = [(v, counts.get(v, 0) - lcounts.get(v, 0)) for v in counts]
                        diff = [(v, k) for v, k in diff if k]
                        val = sp.diff(rhs, *diff) if diff else rhs
                        e = sp.expand(e.xreplace({o: val}))
                        if clear_denominators:
                            e = sp.expand(sp.numer(sp.together(e)))
                        changed = True
                        break
                if changed:
                    break
            if not changed:
                return e
        raise UnsolvedSystemError([e], "differential reduction did not terminate")

    def _clean(self, e):
        """Normal form used to decide whether a reduced equation is new (zero: not new)."""
        key = self._norm_cache.get(e)
        if key is None:
            key = self._norm_cache[e] = self._normal_form(e)
        return key

    def complete(self):
        """One round of autoreduction and integrability conditions; True on change."""
        eqs = list(self.eqs)
        for _ in range(len(eqs) + 5):
            changed = False
            for k, e in enumerate(eqs):
                others = []
                for j, f in enumerate(eqs):
                    if j == k:
                        continue
                    ld = self.leader(f)
                    if ld is not None:
                        others.append((ld[0], ld[1][0], ld[1][1], self.solved(f, ld)))
                r = self.reduce_by(e, others)
                if r != e:
                    eqs[k] = self._clean(r)
                    changed = True
                    break
            eqs = [e for e in eqs if e != 0]
            if not changed:
                break
        if [sp.expand(e) for e in eqs] != [sp.expand(e) for e in self.eqs]:
            self.eqs = eqs
            self.log.append("autoreduce")
            return True
        leads = [(e, self.leader(e)) for e in eqs]
        solved_list = [(ld[0], ld[1][0], ld[1][1], self.solved(e, ld)) for e, ld in leads if ld]
        new = []
        for (e1, l1), (e2, l2) in itertools.combinations(leads, 2):
            if l1 is None or l2 is None or l1[1][0] != l2[1][0]:
                continue
            c1, c2 = l1[1][1], l2[1][1]
            vs = [v for v in self.variables if v in c1 or v in c2]
            lcm = {v: max(c1.get(v, 0), c2.get(v, 0)) for v in vs}
            d1 = [(v, lcm[v] - c1.get(v, 0)) for v in vs if lcm[v] - c1.get(v, 0)]
            d2 = [(v, lcm[v] - c2.get(v, 0)) for v in vs if lcm[v] - c2.get(v, 0)]
            if not d1 or not d2:
                continue
            s = sp.diff(self.solved(e1, l1), *d1) - sp.diff(self.solved(e2, l2), *d2)
            s = self.reduce_by(sp.expand(sp.numer(sp.together(s))), solved_list)
            s = self._clean(s) if s != 0 else s
            if s != 0:
                new.append(s)
        if new:
            self.eqs = eqs + new
            self.log.append(f"{len(new)} integrability conditions")
            return True
        return False

    def run(self):
        steps = 0
        while steps < self.max_steps:
            steps += 1
            check()
            self.normalize()
            if not self.eqs:
                break
            if (self.split() or self.eliminate() or self.integrate() or self.solve_ode()
                    or self.complete() or self.separate() or self.first_integral()
                    or self.particular()):
                continue
            break
        self.normalize()
        return steps


def _nonzero_factors(expr) -> list:
    """Irreducible factors of an expression assumed nonzero, without numbers, powers or
    signs (``-A**2*B/2`` -> ``[A, B]``)."""
    try:
        _, factors = sp.factor_list(sp.together(expr))
    except (sp.PolynomialError, NotImplementedError):
        factors = [(expr, 1)]
    out = []
    for f, _ in factors:
        f = sp.numer(sp.together(f)) if f.is_Add else f
        if f.is_Number:
            continue
        if f.could_extract_minus_sign():
            f = -f
        out.append(sp.expand(f))
    return out


def _first_position(text, atom) -> int:
    """Position of the first occurrence of ``atom`` in the printed expression ``text`` (a
    deterministic reading order for naming)."""
    pos = text.find(sp.sstr(atom))
    return pos if pos >= 0 else 10**9


def _passive(solver, remaining, variables) -> bool:
    """A further completion round on ``remaining`` changes nothing."""
    probe = _Solver(remaining, solver.heads, variables, {}, 2)
    probe.normalize()
    return not probe.complete()


def solve_linear_pde_system(
    equations: Iterable,
    unknowns: Sequence,
    variables: Sequence,
    targets: Mapping | None = None,
    *,
    max_steps: int = 400,
    timeout: float | None = None,
) -> LinearPDESolution:
    r"""Solve a linear homogeneous system of PDEs for unknown functions.

    Parameters
    ----------
    equations : expressions (each ``= 0``), linear and homogeneous in the unknowns.
    unknowns : applied functions (``xi(x, t, u)``) or symbols (constants).
    variables : the variables the unknowns may depend on (split and integrate over these).
    targets : mapping name -> expression to express through the general solution
        (default: the unknowns themselves, keyed by function name).
    max_steps : bound on solver steps; reaching it leaves the result incomplete.
    timeout : seconds; reaching it leaves the result incomplete (``None``: no limit).

    Returns
    -------
    LinearPDESolution
        ``complete`` is False (and :meth:`LinearPDESolution.require_complete` raises
        :class:`UnsolvedSystemError`) when equations remain that are not passive or that still
        tie constants together, or when a limit was reached; ``reason`` says which.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> f = sp.Function("f")(x, t)
    >>> sol = solve_linear_pde_system([f.diff(x, 2), f.diff(t)], [f], [x, t])
    >>> sol.complete, len(sol.constants)
    (True, 2)
    """
    if targets is None:
        targets = {(u.func.__name__ if isinstance(u, AppliedUndef) else str(u)): u
                   for u in unknowns}
    targets = dict(targets)
    solver = _Solver(equations, unknowns, variables, targets, max_steps)
    reason = ""
    try:
        with time_limit(timeout):
            steps = solver.run()
    except SolverTimeout:
        steps, reason = max_steps, f"time limit of {timeout} s reached"
        solver.eqs = [e for e in solver.eqs if e != 0]
    remaining = solver.eqs
    constants = [h for h in solver.heads if not isinstance(h, AppliedUndef)]
    functions = [h for h in solver.heads if isinstance(h, AppliedUndef)]
    used = set().union(*[t.free_symbols | t.atoms(AppliedUndef) for t in solver.targets.values()])
    constants = [c for c in constants if c in used]
    cond_symbols = set().union(*[e.free_symbols for e in remaining]) if remaining else set()
    complete = not reason and steps < max_steps
    if not complete and not reason:
        reason = f"step limit of {max_steps} reached"
    if complete and cond_symbols & set(constants):
        complete, reason = False, "constants remain tied to the conditions"
    if complete and remaining:
        try:
            with time_limit(timeout):
                passive = _passive(solver, remaining, variables)
        except SolverTimeout:
            passive = False
        if not passive:
            complete, reason = False, "the remaining conditions are not passive"
    # rename constants c1, c2, ... and functions f1, f2, ... in order of first appearance in
    # the targets (in their given order), then in the conditions
    order: list = []
    for expr in list(solver.targets.values()) + list(remaining):
        text = sp.sstr(expr)
        for a in sorted(expr.atoms(sp.Symbol, AppliedUndef),
                        key=lambda a: (_first_position(text, a), sort_key(a))):
            if a not in order:
                order.append(a)
    rank_of = {a: k for k, a in enumerate(order)}
    names = {}
    for k, c in enumerate(sorted(constants, key=lambda c: (rank_of.get(c, len(order)),
                                                           sort_key(c))), 1):
        names[c] = sp.Symbol(f"c{k}")
    if complete and remaining:
        # express the targets in normal form modulo the (passive) conditions
        solved_list = []
        for e in remaining:
            ld = solver.leader(e)
            if ld is not None:
                solved_list.append((ld[0], ld[1][0], ld[1][1], solver.solved(e, ld)))
        solver.targets = {k: solver.reduce_by(sp.expand(v), solved_list, False)
                          for k, v in solver.targets.items()}
    tg = {k: sp.expand(v.xreplace(names)) for k, v in solver.targets.items()}
    functions = [f for f in functions if any(t.has(f) for t in tg.values())
                 or any(e.has(f) for e in remaining)]
    taken = {str(s) for t in tg.values() for s in t.free_symbols}
    k = 0
    for f in sorted(functions, key=lambda h: (rank_of.get(h, len(order)), sort_key(h))):
        if not f.func.__name__.startswith("_f"):
            continue
        while True:
            k += 1
            name = f"f{k}"
            if name not in solver.func_names and name not in taken:
                break
        names[f] = sp.Function(name)(*f.args)
    tg = {key: v.xreplace(names) for key, v in tg.items()}
    functions = sorted((names.get(f, f) for f in functions),
                       key=lambda f: (int(f.func.__name__[1:]) if f.func.__name__[1:].isdigit()
                                      else 10**9, sort_key(f)))
    assumptions = []
    for a in solver.assumptions:
        for f in _nonzero_factors(a):
            if f not in assumptions:
                assumptions.append(f)
    return LinearPDESolution(
        targets=tg,
        constants=[names[c] for c in constants],
        functions=functions,
        conditions=[e.xreplace(names) for e in remaining],
        complete=complete,
        steps=steps,
        log=solver.log,
        assumptions=sorted(assumptions, key=sort_key),
        reason="" if complete else reason,
        generic=list(solver.generic),
    )

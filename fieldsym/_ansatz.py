r"""Shared machinery of the characteristic searches (multipliers, generalized symmetries).

An unknown characteristic :math:`K_s` (one per slot: per equation for multipliers, per field for
generalized symmetries) is sought as a function of the independent variables and the
*parametric* jet coordinates of a system up to a given order: those that are not derivatives of
a principal coordinate, so that a characteristic never vanishes on solutions unless it is zero
(Olver §4.3).  Two ansätze:

* ``degree=None`` (general): :math:`K_s = f_s(x, u^{(q)}_{\text{par}})`, one arbitrary function
  of all of them.  Complete, but the determining system has unknowns of many arguments and only
  low orders finish.
* ``degree=d`` (polynomial): :math:`K_s = \sum_m f_{s,m}(x, u)\, m`, with :math:`m` running over
  the monomials of degree at most :math:`d` in the parametric coordinates of orders
  :math:`1..q`, and :math:`f_{s,m}` arbitrary functions of the independent variables and the
  undifferentiated fields.  Complete within that class.

A condition :math:`C[K] = 0` that must hold identically in the jet space is split by the jet
coordinates on which no unknown depends (it is polynomial in them) and handed to
:func:`~fieldsym.determining.solve_linear_pde_system`; the answer is turned into a basis over the
constants plus families with arbitrary functions.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from ._algebra import _coefficient_rows
from .determining import LinearPDESolution, UnsolvedSystemError, solve_linear_pde_system
from .jets import PDESystem

__all__: list[str] = []  # private module

_ = UnsolvedSystemError  # re-exported for the search modules


def check_order(order, degree):
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be an integer >= 0, got {order!r}")
    if degree is not None and (isinstance(degree, bool) or not isinstance(degree, int)
                               or degree < 0):
        raise ValueError(f"degree must be None (general ansatz) or an integer >= 0, "
                         f"got {degree!r}")


def is_parametric(system: PDESystem, c) -> bool:
    """Whether jet coordinate ``c`` is no derivative of a principal coordinate."""
    jet = system.jet
    f, mi = jet.info(c)
    for p in system.principal:
        pf, pmi = jet.info(p)
        if pf == f and all(a >= b for a, b in zip(mi, pmi)):
            return False
    return True


def parametric_coords(system: PDESystem, order: int) -> list[sp.Symbol]:
    """Parametric coordinates of all fields up to ``order`` (sorted by order, then name)."""
    jet = system.jet
    out = [c for f in jet.fields for c in jet.coords_upto(f, order) if is_parametric(system, c)]
    return sorted(out, key=lambda s: (sum(jet.info(s)[1]), s.name))


def _terms(e):
    """The terms of ``e`` as products without sums inside (expanding only where needed)."""
    out = []
    for a in sp.Add.make_args(e):
        if a.is_Mul and any(f.is_Add for f in a.args):
            out += sp.Add.make_args(sp.expand_mul(a))
        elif a != 0:
            out.append(a)
    return out


class Unknowns:
    r"""Unknown functions and their partial derivatives as plain symbols.

    ``sympy`` derivatives of applied functions are slow to build and compare; here
    :math:`\partial^K f` is a :class:`~sympy.Dummy` registered with ``(f, K)``, partial and
    total derivatives follow the chain rule through the registry, and :meth:`applied` turns the
    result into ``Derivative(f(args), ...)`` for the PDE solver at the end.
    """

    def __init__(self):
        self._info: dict = {}  # symbol -> (name, args, counts tuple)
        self._index: dict = {}  # (name, counts) -> symbol
        self._args: dict = {}  # name -> args

    def function(self, name: str, args: tuple) -> sp.Symbol:
        if name in self._args:
            raise ValueError(f"unknown {name} declared twice")
        self._args[name] = tuple(args)
        return self._symbol(name, (0,) * len(args))

    def constant(self, name: str) -> sp.Symbol:
        return self.function(name, ())

    def _symbol(self, name, counts):
        key = (name, counts)
        s = self._index.get(key)
        if s is None:
            args = self._args[name]
            tag = "".join(f"{a}{k}" for a, k in zip(args, counts) if k)
            s = sp.Dummy(f"{name}_{tag}" if tag else name)
            self._index[key] = s
            self._info[s] = (name, args, counts)
        return s

    def is_unknown(self, s) -> bool:
        return s in self._info

    def symbols_in(self, expr) -> list:
        return [s for s in expr.free_symbols if s in self._info]

    def head(self, s) -> sp.Symbol:
        name, args, _ = self._info[s]
        return self._symbol(name, (0,) * len(args))

    def args(self, s) -> tuple:
        return self._info[s][1]

    def counts(self, s) -> dict:
        name, args, counts = self._info[s]
        return {a: k for a, k in zip(args, counts) if k}

    def shift(self, s, var, k=1):
        r""":math:`\partial_{var}^k` of the unknown symbol ``s`` (0 when it does not depend on
        ``var``)."""
        name, args, counts = self._info[s]
        if var not in args:
            return sp.S.Zero
        i = args.index(var)
        return self._symbol(name, counts[:i] + (counts[i] + k,) + counts[i + 1:])

    def linear_parts(self, expr):
        """``({symbol: coefficient}, rest)`` of an expression linear in the unknowns, or
        ``None`` when it is not linear."""
        parts: dict = {}
        rest = []
        for a in _terms(expr):
            syms = [x for x in a.free_symbols if x in self._info]
            if not syms:
                rest.append(a)
                continue
            if len(syms) > 1:
                return None
            (x,) = syms
            c = a / x
            if x in c.free_symbols:
                return None
            parts[x] = parts.get(x, 0) + c
        return parts, sp.Add(*rest)

    def _apply(self, expr, explicit, of_symbol):
        """Derivation on linear forms: ``explicit`` acts on coefficients, ``of_symbol`` gives
        the derivative of an unknown symbol."""
        lin = self.linear_parts(expr)
        if lin is None:
            out = explicit(expr)
            for x in self.symbols_in(expr):
                out += sp.diff(expr, x) * of_symbol(x)
            return sp.expand(out)
        parts, rest = lin
        out = list(_terms(explicit(rest)))
        for x, c in parts.items():
            out += [a * x for a in _terms(explicit(c))]
            dx = of_symbol(x)
            if dx != 0:
                out += [a * b for a in _terms(c) for b in _terms(dx)]
        return sp.Add(*out)

    def partial(self, expr, var):
        r""":math:`\partial \text{expr} / \partial var` with the unknowns depending on their
        arguments."""
        return self._apply(expr, lambda e: sp.diff(e, var), lambda x: self.shift(x, var))

    def partial_counts(self, expr, counts: dict):
        for v, k in counts.items():
            for _ in range(k):
                expr = self.partial(expr, v)
        return expr

    def total(self, expr, jet, x):
        """Total derivative :math:`D_x` in the jet space, unknowns included."""

        def of_symbol(s_):
            name, args, counts = self._info[s_]
            ds = self.shift(s_, x)
            for a in args:
                if jet.is_coord(a):
                    nxt = jet.shift(a, x)
                    if nxt != 0:
                        ds += nxt * self.shift(s_, a)
            return ds

        return self._apply(sp.sympify(expr), lambda e: jet.D(e, x), of_symbol)

    def total_multi(self, expr, jet, mi, sign=1):
        for var, k in zip(jet.independent, mi):
            for _ in range(k):
                expr = sign * self.total(expr, jet, var)
        return expr

    def applied(self, expr):
        """Replace unknown symbols by ``f(args)`` and ``Derivative(f(args), ...)``."""
        expr = sp.sympify(expr)
        rep = {}
        for s in self.symbols_in(expr):
            name, args, counts = self._info[s]
            if not args:
                rep[s] = sp.Symbol(name)
                continue
            f = sp.Function(name)(*args)
            pairs = [(a, k) for a, k in zip(args, counts) if k]
            rep[s] = sp.Derivative(f, *pairs) if pairs else f
        return expr.xreplace(rep)


@dataclass
class Ansatz:
    """Unknown characteristic components (symbol form, see :class:`Unknowns`)."""

    components: list  # one expression per slot
    unknowns: list  # head symbols
    variables: tuple  # what the unknowns may depend on (solver splits/integrates over these)
    arguments: set  # symbols that occur as arguments of some unknown
    registry: Unknowns


def build_ansatz(system: PDESystem, order: int, degree, slots: int, prefix: str) -> Ansatz:
    jet = system.jet
    par = parametric_coords(system, order)
    base = tuple(jet.independent) + tuple(c for c in par if sum(jet.info(c)[1]) == 0)
    higher = [c for c in par if sum(jet.info(c)[1]) >= 1]
    reg = Unknowns()
    if degree is None:
        args = base + tuple(higher)
        unknowns = [reg.function(f"{prefix}{s}", args) for s in range(slots)]
        return Ansatz(list(unknowns), unknowns, args, set(args), reg)
    monomials = [sp.S.One]
    for d in range(1, degree + 1):
        monomials += [sp.Mul(*m) for m in itertools.combinations_with_replacement(higher, d)]
    comps, unknowns = [], []
    for s in range(slots):
        fs = [reg.function(f"{prefix}{s}_{k}", base) for k in range(len(monomials))]
        unknowns += fs
        comps.append(sp.Add(*[f * m for f, m in zip(fs, monomials)]))
    return Ansatz(comps, unknowns, base, set(base), reg)


def tidy_denominators(expr):
    """``expr`` expanded, with each distinct denominator factored: ``sp.expand`` writes
    :math:`(x^2+y^2)^{3/2}` as ``x**2*sqrt(x**2 + y**2) + y**2*sqrt(x**2 + y**2)``, which hides
    the common base from ``together`` and blows up numerators."""
    expr = sp.expand(expr)
    cache: dict = {}
    terms = []
    for a in sp.Add.make_args(expr):
        n, d = sp.fraction(a)
        if d != 1:
            if d not in cache:
                cache[d] = sp.factor(d)
            d = cache[d]
        terms.append(n / d)
    return sp.Add(*terms)


def split_by(expr, symbols, what="condition") -> list[sp.Expr]:
    """Coefficients of ``expr`` as a polynomial in ``symbols`` (its numerator, expanded)."""
    expr = sp.expand(expr)
    if any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
        num = sp.expand(sp.numer(sp.together(tidy_denominators(expr))))
    else:
        num = expr
    if num == 0:
        return []
    symbols = [s for s in symbols if s in num.free_symbols]
    if not symbols:
        return [num]
    groups: dict = {}
    for term in sp.Add.make_args(num):
        coef, mono = term.as_independent(*symbols, as_Add=False)
        for f in sp.Mul.make_args(mono):
            b, e = f.as_base_exp()
            if f != 1 and not (b in symbols and e.is_Integer and e > 0):
                raise ValueError(f"{what} is not polynomial in the jet coordinates {symbols}: "
                                 f"factor {f} in {term}")
        groups[mono] = groups.get(mono, 0) + coef
    return [g for g in (sp.expand(g) for g in groups.values()) if g != 0]


def jet_symbols(jet, exprs) -> set:
    return set().union(*[set(jet.coords_in(e)) for e in exprs]) if exprs else set()


def _has_radicals(e) -> bool:
    return any((isinstance(a, sp.Pow) and not a.exp.is_Integer) or
               (isinstance(a, sp.Function) and not isinstance(a, AppliedUndef))
               for a in e.atoms(sp.Pow, sp.Function))


def _left(deadline):
    """Seconds left before ``deadline`` (``None``: no limit), at least a millisecond."""
    return None if deadline is None else max(deadline - time.perf_counter(), 1e-3)


def check_deadline(deadline, eqs):
    """Raise :class:`UnsolvedSystemError` (naming the equations left) once past ``deadline``."""
    if deadline is not None and time.perf_counter() > deadline:
        raise UnsolvedSystemError(eqs, f"time limit reached with {len(eqs)} determining "
                                       f"equations left")


def solve(eqs, unknowns, variables, targets, max_steps, deadline=None) -> LinearPDESolution:
    """:func:`solve_linear_pde_system`, staged: when some equations have radical or
    transcendental coefficients (``sqrt(x**2 + y**2)``, ``sin(u)``) and others do not, the
    plain ones are solved first and their general solution is substituted into the rest, so
    the solver never eliminates through a radical coefficient it could avoid."""
    check_deadline(deadline, eqs)
    plain = [e for e in eqs if not _has_radicals(e)]
    if not plain or len(plain) == len(eqs):
        return solve_linear_pde_system(eqs, unknowns, variables, targets, max_steps=max_steps,
                                       timeout=_left(deadline))
    names = {f"_u{k}": u for k, u in enumerate(unknowns)}
    first = solve_linear_pde_system(plain, unknowns, variables, names, max_steps=max_steps,
                                    timeout=_left(deadline))
    if not first.complete:
        return solve_linear_pde_system(eqs, unknowns, variables, targets, max_steps=max_steps,
                                       timeout=_left(deadline))
    consts = {c: sp.Dummy(f"s{k}") for k, c in enumerate(first.constants)}
    values = [(u, first.targets[n].xreplace(consts)) for n, u in names.items()]
    rest = [apply_substitutions(e, values) for e in eqs if _has_radicals(e)]
    heads = set(consts.values()) | set(first.functions)
    rest = [sp.expand(sp.numer(sp.together(tidy_denominators(e)))) for e in rest if e != 0]
    rest = [primitive(e, [o for o, _, _ in _occurrences(e, heads)]) for e in rest]
    conds = [c.xreplace(consts) for c in first.conditions]
    new_targets = {k: apply_substitutions(v, values) for k, v in targets.items()}
    return solve_linear_pde_system(rest + conds, list(consts.values()) + list(first.functions),
                                   variables, new_targets, max_steps=max_steps,
                                   timeout=_left(deadline))


def fresh_constants(solution: LinearPDESolution, tag: str):
    """Replace the solver's ``c1, c2, ...`` by dummies (they may clash with user parameters)."""
    rep = {c: sp.Dummy(f"{tag}{k}") for k, c in enumerate(solution.constants, 1)}
    return rep


def basis_and_families(targets: list, solution_constants, functions, conditions, variables,
                       jet=None):
    """Split a general solution (vector of expressions in constants and functions) into a basis
    over the constants and families of arbitrary functions (functions linked by a condition
    form one family).  Returns ``(basis, families)``; a family is ``(vector, functions,
    conditions)``; the arbitrary functions are renamed ``f1, f2, ...``."""
    taken = {str(a) for e in list(targets) + list(conditions) for a in sp.sympify(e).free_symbols}
    names, k = {}, 0
    for f in functions:
        while True:
            k += 1
            if f"f{k}" not in taken:
                break
        names[f] = sp.Function(f"f{k}")(*f.args)
    targets = [sp.sympify(e).xreplace(names) for e in targets]
    conditions = [sp.sympify(c).xreplace(names) for c in conditions]
    functions = [names[f] for f in functions]
    zero_f = {f: sp.S.Zero for f in functions}
    basis = []
    for c in solution_constants:
        subs = {cc: (sp.S.One if cc == c else sp.S.Zero) for cc in solution_constants} | zero_f
        vec = [sp.expand(sp.sympify(e).xreplace(subs).doit()) for e in targets]
        if all(v == 0 for v in vec):
            continue
        trial = _coefficient_rows(basis + [vec], variables)
        if trial.rank() <= len(basis):
            continue
        basis.append(_normalize(vec, variables))
    if jet is not None:  # display order: by derivative order, then size
        basis.sort(key=lambda vec: (max(jet.order(e) for e in vec),
                                    sum(len(sp.Add.make_args(e)) for e in vec), str(vec)))
    groups: list[set] = []
    for f in functions:
        linked = {f}
        for cnd in conditions:
            if cnd.has(f):
                linked |= {g for g in functions if cnd.has(g)}
        for g in [g for g in groups if g & linked]:
            groups.remove(g)
            linked |= g
        groups.append(linked)
    families = []
    zero_c = {c: sp.S.Zero for c in solution_constants}
    for grp in groups:
        subs = zero_c | {f: sp.S.Zero for f in functions if f not in grp}
        vec = [sp.expand(sp.sympify(e).xreplace(subs).doit()) for e in targets]
        if all(v == 0 for v in vec):
            continue
        conds = [c for c in conditions if any(c.has(f) for f in grp)]
        families.append((vec, [f for f in functions if f in grp], conds))
    return basis, families


def _normalize(vec, variables):
    """Scale so that numeric coefficients are coprime integers, the first one positive."""
    terms = [t for v in vec for t in sp.Add.make_args(sp.expand(v)) if t != 0]
    if not terms:
        return vec
    coefs = [t.as_independent(*variables, as_Add=False)[0] for t in terms]
    nums = [c.as_coeff_Mul()[0] for c in coefs]
    if not all(n.is_Rational for n in nums):
        return vec
    den = sp.Integer(sp.ilcm(*[sp.fraction(n)[1] for n in nums], 1))
    ints = [sp.Integer(n * den) for n in nums]
    g = sp.Integer(sp.igcd(*ints, 0))
    scale = den / g * (1 if ints[0] > 0 else -1)
    return [sp.expand(scale * v) for v in vec]


def applied_functions(exprs) -> set:
    return set().union(*[sp.sympify(e).atoms(AppliedUndef) for e in exprs]) if exprs else set()


def _occurrences(e, heads):
    """``[(occurrence, unknown, {variable: count})]`` for the unknowns and their derivatives."""
    out = []
    for a in e.atoms(sp.Derivative):
        if a.expr in heads:
            out.append((a, a.expr, dict(a.variable_count)))
    rest = e.xreplace({o: sp.Dummy() for o, _, _ in out}) if out else e
    for a in rest.atoms(AppliedUndef):
        if a in heads:
            out.append((a, a, {}))
    for a in rest.free_symbols:
        if a in heads:
            out.append((a, a, {}))
    return out


def presolve(eqs, reg: Unknowns, unknowns, variables, max_rounds=5000, deadline=None):
    """Cheap pass before the general solver, on symbol-form unknowns (see :class:`Unknowns`):

    * ``c f = 0`` gives ``f = 0``;
    * ``c f_{v^k} + R = 0`` with a numeric ``c``, where ``R`` is free of ``f`` and of unknowns
      that depend on ``v``, gives ``f`` = the ``k``-fold ``v``-integral of ``-R/c`` plus a
      polynomial of degree ``< k`` in ``v`` whose coefficients are new unknowns of the other
      arguments;
    * an equation is split by the powers of a variable that it contains explicitly and that
      none of its unknowns depends on;
    * an unknown that occurs undifferentiated, with a numeric coefficient, in an equation whose
      other unknowns and explicit variables are among its arguments is eliminated.

    Every step is an equivalence, so the remaining system has the same solutions.  Returns
    ``(equations, unknowns, substitutions)``; the substitutions ``(head, value)`` apply in
    order (:func:`apply_presolved`)."""
    unknowns = list(unknowns)
    variables = tuple(variables)
    subs = []
    counter = itertools.count()
    info: dict = {}

    def occ_of(e):
        hit = info.get(e)
        if hit is None:
            syms = reg.symbols_in(e)
            heads = {}
            for s_ in syms:
                heads.setdefault(reg.head(s_), []).append(s_)
            hit = info[e] = (syms, heads)
        return hit

    eqs = [e for e in (sp.expand(e) for e in eqs) if e != 0]

    def substitute(h, value):
        nonlocal eqs
        cache: dict = {}

        def d(s_):
            if s_ not in cache:
                cache[s_] = reg.partial_counts(value, reg.counts(s_))
            return cache[s_]

        out = []
        for e in eqs:
            syms, heads = occ_of(e)
            if h not in heads:
                out.append(e)
                continue
            new = sp.Add(*_replace_linear(e, {s_: d(s_) for s_ in heads[h]}))
            if new != 0:
                out.append(new)
        eqs = out
        unknowns.remove(h)
        subs.append((h, value))

    def fresh(h, v, k):
        rest = tuple(a for a in reg.args(h) if a != v)
        name = reg._info[h][0]
        new = [reg.function(f"{name}p{next(counter)}", rest) for _ in range(k)]
        unknowns.extend(new)
        return new

    tried: set = set()
    for _ in range(max_rounds):
        if deadline is not None and time.perf_counter() > deadline:
            break  # the solver gets what is left (and reports the limit)
        # 1. c f = 0, all at once
        zero = set()
        for e in eqs:
            syms, heads = occ_of(e)
            if len(syms) == 1 and not sp.Add.make_args(e)[1:] and syms[0] in heads:
                zero.add(syms[0])
        if zero:
            for h in zero:
                substitute(h, sp.S.Zero)
            continue
        # 2. c f_{v^k} + R = 0, integrated in v
        found = None
        for e in eqs:
            syms, heads = occ_of(e)
            for h, occ in heads.items():
                if len(occ) != 1 or (e, occ[0]) in tried:
                    continue
                o = occ[0]
                counts = reg.counts(o)
                if len(counts) != 1:
                    continue
                ((v, k),) = counts.items()
                if any(v in reg.args(hh) for hh in heads if hh != h):
                    continue
                c = e.coeff(o)
                if not c.is_Number or c == 0:
                    tried.add((e, o))
                    continue
                prim = sp.expand(-(e - c * o) / c)
                for _ in range(k):
                    prim = _integrate(prim, v)
                if prim.has(sp.Integral):
                    tried.add((e, o))
                    continue
                found = (h, v, k, sp.expand(prim))
                break
            if found:
                break
        if found:
            h, v, k, prim = found
            new = fresh(h, v, k)
            substitute(h, prim + sp.Add(*[v**j * g for j, g in enumerate(new)]))
            continue
        # 3. split by a variable that no unknown of the equation depends on
        done = False
        for i, e in enumerate(eqs):
            syms, heads = occ_of(e)
            dep = set().union(*[set(reg.args(h)) for h in heads]) if heads else set()
            for v in [v for v in variables if v not in dep and v in e.free_symbols]:
                try:
                    pieces = split_by(e, [v])
                except ValueError:
                    continue
                if len(pieces) > 1:
                    eqs = eqs[:i] + pieces + eqs[i + 1:]
                    done = True
                    break
            if done:
                break
        if done:
            continue
        # 4. eliminate an undifferentiated unknown with a numeric coefficient
        best = None
        for e in eqs:
            syms, heads = occ_of(e)
            explicit = {v for v in variables if v in e.free_symbols}
            for h, occ in heads.items():
                if occ != [h]:
                    continue
                args = set(reg.args(h))
                if not explicit <= args or not all(set(reg.args(hh)) <= args for hh in heads):
                    continue
                c = e.coeff(h)
                if not c.is_Number or c == 0:
                    continue
                key = (-len(args), len(heads), len(sp.Add.make_args(e)))
                if best is None or key < best[0]:
                    best = (key, h, sp.expand(-(e - c * h) / c))
        if best is None:
            break
        substitute(best[1], best[2])
    return eqs, unknowns, subs


def _replace_linear(e, mapping):
    """Terms of ``e`` (expanded, linear in the keys of ``mapping``) with each key replaced by
    its (expanded) value, distributed term by term without a general ``expand``."""
    out = []
    for a in sp.Add.make_args(e):
        hit = [x for x in mapping if x in a.free_symbols]
        if not hit:
            out.append(a)
            continue
        (x,) = hit
        coef = a / x
        out += [coef * b for b in _terms(mapping[x])]
    return out


def _integrate(expr, v):
    """Antiderivative in ``v``, term by term for polynomial terms (``sp.integrate`` is slow)."""
    out = []
    for a in sp.Add.make_args(expr):
        c, n = a.as_coeff_exponent(v)
        if v in c.free_symbols or n == -1:
            r = sp.integrate(a, v)
            out.append(r)
        else:
            out.append(c * v ** (n + 1) / (n + 1))
    return sp.expand(sp.Add(*out))


def apply_presolved(exprs, reg: Unknowns, subs):
    """Apply :func:`presolve`'s substitutions to expressions in symbol form: each head's value
    is resolved once (later substitutions applied to it), then every occurrence is replaced by
    the matching partial derivative of its resolved value."""
    resolved: dict = {}
    for h, value in reversed(subs):
        resolved[h] = _resolve(value, reg, resolved)
    return [_resolve(e, reg, resolved) for e in exprs]


def _resolve(expr, reg, resolved):
    expr = sp.expand(sp.sympify(expr))
    occ = [x for x in reg.symbols_in(expr) if reg.head(x) in resolved]
    if not occ:
        return expr
    mapping = {x: sp.expand(reg.partial_counts(resolved[reg.head(x)], reg.counts(x)))
               for x in occ}
    return sp.expand(sp.Add(*_replace_linear(expr, mapping)))


def apply_substitutions(expr, subs):
    """Apply :func:`presolve`'s substitutions (derivatives of the replaced functions too)."""
    expr = sp.sympify(expr)
    for h, value in subs:
        mapping = {}
        for o, _hh, cnt in _occurrences(expr, {h}):
            mapping[o] = sp.diff(value, *cnt.items()) if cnt else value
        if mapping:
            expr = expr.xreplace(mapping)
    return sp.expand(expr)


def primitive(eq, occ):
    """``eq`` (linear in the unknown occurrences ``occ``) divided by the common factor of its
    coefficients; radicals and functions are treated as extra polynomial generators, so the
    factor :math:`(x^2+y^2)^{7/2}` of an equation is found and removed."""
    occ = [o for o in occ if eq.has(o)]
    if not occ:
        return eq
    dums = {o: sp.Dummy() for o in occ}
    lin = sp.expand(eq.xreplace(dums))
    coeffs = [lin.coeff(d) for d in dums.values()]
    atoms = {}
    for c in coeffs:
        for a in c.atoms(sp.Pow, sp.Function):
            if isinstance(a, sp.Pow) and a.exp.is_Integer:
                continue
            atoms.setdefault(a, sp.Dummy())
    polys = [sp.expand(c.xreplace(atoms)) for c in coeffs]
    if any(p.has(*atoms.keys()) for p in polys):
        return eq
    try:
        g = sp.gcd_list(polys) if len(polys) > 1 else sp.factor(polys[0])
    except (sp.PolynomialError, NotImplementedError):
        return eq
    if g.is_Number or g == 0:
        return eq
    back = {d: a for a, d in atoms.items()}
    out = sp.Add(*[sp.expand(sp.cancel(p / g)).xreplace(back) * o
                   for p, o in zip(polys, occ)])
    rest = sp.expand(lin - sp.Add(*[c * d for c, d in zip(coeffs, dums.values())]))
    if rest != 0:
        return eq
    return sp.expand(out)


def run_search(jet, an: Ansatz, conditions, targets: dict, max_steps: int, what: str,
               deadline=None):
    """Split symbol-form ``conditions`` (which must vanish identically) by the jet coordinates
    the unknowns do not depend on, presolve, and solve; ``targets`` (symbol form) are
    expressed through the general solution.  Returns ``(solution, number of equations)``."""
    reg = an.registry
    eqs = []
    for e in conditions:
        for piece in split_by(e, [c for c in jet.coords_in(e) if c not in an.arguments], what):
            eqs.append(primitive(piece, reg.symbols_in(piece)))
    count = len(eqs)
    check_deadline(deadline, eqs)
    eqs, unknowns, subs = presolve(eqs, reg, an.unknowns, an.variables, deadline=deadline)
    keys = list(targets)
    values = apply_presolved([targets[k] for k in keys], reg, subs)
    applied_targets = {k: reg.applied(v) for k, v in zip(keys, values)}
    sol = solve([reg.applied(e) for e in eqs], [reg.applied(h) for h in unknowns],
                an.variables, applied_targets, max_steps, deadline)
    return sol, count

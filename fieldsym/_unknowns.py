r"""Unknown functions as plain symbols, and a cheap presolve of linear determining systems.

The characteristic searches (:mod:`fieldsym.conservation`, :mod:`fieldsym.generalized`) produce
hundreds of linear equations in dozens of unknown functions.  ``sympy`` derivatives of applied
functions are slow to build and compare, so here :math:`\partial^K f` is a plain symbol
registered with ``(f, K)`` (:class:`Unknowns`): partial and total derivatives follow the chain
rule through the registry.  :func:`presolve` then removes the easy part of the system by
equivalence transformations (zero unknowns, integrations in one variable, splitting,
eliminations) before the rest goes to :func:`~fieldsym.determining.solve_linear_pde_system`.
"""

from __future__ import annotations

import itertools
import time

import sympy as sp

__all__: list[str] = []  # private module


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

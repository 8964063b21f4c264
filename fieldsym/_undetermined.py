r"""Polynomial solutions of a linear PDE system by undetermined coefficients.

The route that completes the symbolic solver when it stops at linear ODEs it cannot integrate
in closed form (``y'' = x`` leaves a coupled fourth-order system for two functions of ``x``):
each unknown is a polynomial of bounded degree in its arguments, every equation becomes a
linear condition on the coefficients at pseudo-random rational points, and the null space is
computed exactly over the rationals.  Every solution is verified by substitution before it is
returned.  Together with the formal power series bound (:mod:`fieldsym.formal`) this decides a
finite algebra: when the polynomial solutions are as many as the bound allows, they are all.
"""

from __future__ import annotations

import itertools
import random

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.polys.matrices import DomainMatrix

from ._limits import check

__all__ = ["exponential_atoms", "polynomial_solutions"]


def _monomials(args, degree, laurent=False):
    """Monomials of total degree <= degree; with ``laurent``, exponents of either sign with
    the sum of their absolute values <= degree."""
    out = []
    if not laurent:
        for total in range(degree + 1):
            for combo in itertools.combinations_with_replacement(args, total):
                out.append(sp.Mul(*combo))
        return out
    for exps in itertools.product(range(-degree, degree + 1), repeat=len(args)):
        if sum(abs(e) for e in exps) <= degree:
            out.append(sp.Mul(*[a**e for a, e in zip(args, exps)]))
    return out


def _substitute(expr, head, value):
    rep = {}
    for d in expr.atoms(sp.Derivative):
        if d.expr == head:
            rep[d] = sp.diff(value, *d.variable_count)
    expr = expr.xreplace(rep)
    return expr.xreplace({head: value})


def _zero_others(expr, heads, keep):
    rep = {}
    for d in expr.atoms(sp.Derivative):
        if d.expr in heads and d.expr != keep:
            rep[d] = sp.S.Zero
    expr = expr.xreplace(rep)
    return expr.xreplace({h: sp.S.Zero for h in heads if h != keep})


def exponential_atoms(equations, variables):
    """The exponentials ``exp(c*v)`` (``v`` a variable, ``c`` a number) in ``equations``."""
    out = set()
    for e in equations:
        for a in sp.sympify(e).atoms(sp.exp):
            arg = a.args[0]
            syms = arg.free_symbols
            if len(syms) == 1 and next(iter(syms)) in variables and arg.is_Mul | arg.is_Symbol:
                c = arg / next(iter(syms))
                if c.is_Number:
                    out.add(sp.exp(next(iter(syms))))
    return sorted(out, key=sp.default_sort_key)


def _as_symbols(expr, atoms, symbols):
    """Replace ``exp(m*v)`` by ``E_v**m`` (integer ``m``); ``None`` when an exponential is not
    of that form.  Sound because exp(v) is transcendental over the rational functions."""
    bad = []

    def rep(arg):
        for a, E in zip(atoms, symbols):
            m = sp.cancel(arg / a.args[0])
            if m.is_Integer:
                return E**m
        bad.append(arg)
        return sp.exp(arg)

    out = expr.replace(sp.exp, rep)
    return None if bad else out


def _rational_apart_from(expr, atoms) -> bool:
    """Whether ``expr`` is rational in the symbols once unknowns and ``atoms`` are set aside."""
    for p in sp.preorder_traversal(expr):
        if isinstance(p, AppliedUndef | sp.Derivative):
            continue
        if isinstance(p, sp.exp):
            if not atoms:
                return False
            continue
        if isinstance(p, sp.Function):
            return False
        if p.is_Pow and not p.exp.is_Integer:
            return False
    return True


def polynomial_solutions(equations, unknowns, variables, degree, *, max_columns=600,
                         seed=17, laurent=False, atoms=()):
    """A basis of the solutions in which every unknown is a polynomial of total degree at most
    ``degree`` in its arguments (constants: numbers); with ``laurent`` negative powers too; with
    ``atoms`` (exponentials ``exp(v)`` of its arguments) also in those exponentials.

    Returns
    -------
    list of dict unknown -> polynomial, or ``None`` when the equations are not rational in the
    variables (the sampling needs exact values) or the problem is larger than
    ``max_columns`` coefficients.
    """
    heads = list(unknowns)
    columns = []  # (head, monomial)
    for h in heads:
        args = [a for a in (h.args if isinstance(h, AppliedUndef) else ()) if a in variables]
        own = [a for a in atoms if a.args[0].free_symbols <= set(args)]
        for m in _monomials(args + own, degree, laurent):
            columns.append((h, m))
    if len(columns) > max_columns:
        return None
    eqs = [sp.expand(sp.sympify(e)) for e in equations]
    if not all(_rational_apart_from(e, atoms) for e in eqs):
        return None
    # R[e][k]: equation e with column k's monomial put in for its unknown, the others zero
    residuals = []
    for e in eqs:
        row = []
        for h, m in columns:
            check()
            r = _zero_others(e, heads, h)
            row.append(sp.expand(_substitute(r, h, m).doit()))
        residuals.append(row)
    if atoms:
        marks = [sp.Dummy(f"E{k}") for k in range(len(atoms))]
        residuals = [[_as_symbols(r, atoms, marks) for r in row] for row in residuals]
        if any(r is None for row in residuals for r in row):
            return None
    syms = sorted(set().union(*[r.free_symbols for row in residuals for r in row]),
                  key=lambda s: s.name)
    rng = random.Random(seed)
    npoints = len(columns) // max(len(eqs), 1) + 6
    rows = []
    for _ in range(npoints):
        point = {s: sp.Rational(rng.randint(-997, 997), rng.randint(101, 499)) for s in syms}
        for row in residuals:
            vals = []
            for r in row:
                v = r.xreplace(point)
                if not v.is_Rational:
                    return None
                vals.append(v)
            rows.append(vals)
    if not rows:
        return []
    M = DomainMatrix([[sp.QQ.convert(v) for v in r] for r in rows], (len(rows), len(columns)),
                     sp.QQ)
    null = M.nullspace().to_Matrix()
    out = []
    for vec in (null.row(i) for i in range(null.rows)):
        sol = {h: sp.S.Zero for h in heads}
        for (h, m), c in zip(columns, vec):
            if c != 0:
                sol[h] += c * m
        if all(_verify(e, sol) for e in eqs):
            out.append(sol)
    return out


def _verify(eq, sol):
    r = eq
    for h, v in sol.items():
        r = _substitute(r, h, v)
    return sp.expand(r.doit()) == 0

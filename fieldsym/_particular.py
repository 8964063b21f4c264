r"""Particular solutions that free the constants of a passive linear system.

When the determining equations of ``u_t = u_xx - 1`` are reduced, a few constants remain tied
to the arbitrary functions: ``f_tt - f_txx = -5 c/2``.  Such a system is passive but not
solved: the symmetries are ``f = g + c P`` with ``g`` solving the homogeneous conditions and
``P`` one particular solution for ``c = 1``.  This module finds ``P`` by undetermined
coefficients, a polynomial in the arguments of each function of increasing degree; the
candidate is verified by substitution.  When no polynomial of the allowed degree works, nothing
is returned and the caller keeps the system unsolved.
"""

from __future__ import annotations

import itertools

import sympy as sp
from sympy.core.function import AppliedUndef

from ._zerotest import sort_key

__all__ = ["polynomial_particular_solution"]


def _monomials(args, degree):
    out = []
    for total in range(degree + 1):
        for combo in itertools.combinations_with_replacement(args, total):
            out.append(sp.Mul(*combo))
    return out


def _substitute(expr, values):
    """Replace each function and its derivatives by the given expressions."""
    rep = {}
    for d in expr.atoms(sp.Derivative):
        if d.expr in values:
            rep[d] = sp.diff(values[d.expr], *d.variable_count)
    expr = expr.xreplace(rep)
    return expr.xreplace({f: v for f, v in values.items()})


def polynomial_particular_solution(equations, constant, constants, functions, variables,
                                   max_degree: int = 4):
    """Polynomials ``P_f`` with ``equations = 0`` for ``constant = 1``, the other constants 0
    and each function ``f`` replaced by ``P_f``; ``None`` when none of degree <= max_degree.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t, c = sp.symbols("x t c")
    >>> f = sp.Function("f")(x, t)
    >>> P = polynomial_particular_solution([f.diff(t) - f.diff(x, 2) + c], c, [c], [f], [x, t])
    >>> sp.expand(P[f].diff(t) - P[f].diff(x, 2) + 1)
    0
    """
    others = {c: 0 for c in constants if c != constant}
    eqs = [sp.expand(sp.sympify(e).xreplace(others).xreplace({constant: 1})) for e in equations]
    for degree in range(max_degree + 1):
        coeffs, values = [], {}
        for k, f in enumerate(sorted(functions, key=sort_key)):
            monos = _monomials([a for a in f.args if a in variables], degree)
            cs = sp.symbols(f"_p{k}_0:{len(monos)}")
            coeffs += cs
            values[f] = sp.Add(*[c * m for c, m in zip(cs, monos)])
        conditions = []
        for e in eqs:
            r = sp.expand(_substitute(e, values))
            if r.has(AppliedUndef):
                return None
            try:
                poly = sp.Poly(r, *variables)
            except sp.PolynomialError:
                return None
            conditions += [c for c in poly.coeffs() if c != 0]
        sol = sp.linsolve(conditions, coeffs) if conditions else None
        if conditions and not sol:
            continue
        (vals,) = tuple(sol) if sol else (tuple(sp.S.Zero for _ in coeffs),)
        free = {c: 0 for c in coeffs}
        fixed = {c: v.xreplace(free) for c, v in zip(coeffs, vals)}
        out = {f: sp.expand(v.xreplace(fixed)) for f, v in values.items()}
        if all(sp.expand(_substitute(e, out)) == 0 for e in eqs):
            return out
    return None

r"""Splitting a symmetry condition by the jet variables.

A symmetry condition is an identity :math:`\sum_k c_k(x, u)\, g_k(x, u, u^{(n)}) = 0` in the
jet coordinates of order >= 1, with coefficients :math:`c_k` linear in the unknown
infinitesimals.  When the :math:`g_k` are linearly independent over the functions of
:math:`(x, u)`, every :math:`c_k` vanishes.  Polynomial conditions split by monomials; conditions
with ``exp(u_x)``, ``u_x**k`` (symbolic ``k``), ``log(u_xx)`` or ``atan(u_xx)`` split by the
distinct functions of the jet variables that occur, after their products are brought to a
canonical form (powers of one base merged: ``u_x**(k-1)*u_x = u_x**k``; exponentials merged and
their jet-free factors moved to the coefficient).

Linear independence of non-monomial :math:`g_k` is tested at a pseudo-random base point
:math:`(x_0, u_0)` (parameters sampled too): the matrix :math:`g_k(x_0, u_0, p_s)` at as many
random jet points :math:`p_s` has full rank, checked with 40 significant digits.  Full rank at
one base point implies independence over the functions of :math:`(x, u)` (the rank is maximal on
an open set, where every :math:`c_k` must then vanish, hence everywhere by analyticity).  When the
test finds a dependence, the condition is not split and :class:`NotSplittableError` names it:
the caller reports the search as unsolved rather than guessing.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from ._zerotest import sort_key
from .jets import JetSpace

__all__ = ["NotSplittableError", "generic_instances", "independent_functions",
           "split_by_jet_functions"]


class NotSplittableError(ValueError):
    """The functions of the jet variables in a condition are not shown independent."""

    def __init__(self, expr, message):
        self.expr = expr
        super().__init__(message)


def _canonical_jet_factor(part, higher):
    """``(coefficient, key)`` with ``part = coefficient * key``: the coefficient is free of the
    jet coordinates in ``higher``, the key is a canonical product of their functions."""
    powers: dict = {}
    exponent = sp.S.Zero
    coef = sp.S.One
    for f in sp.Mul.make_args(part):
        if isinstance(f, sp.exp):
            exponent += f.args[0]
            continue
        b, e = f.as_base_exp()
        if isinstance(b, sp.exp):
            exponent += b.args[0] * e
            continue
        if b.free_symbols & higher:
            powers[b] = powers.get(b, 0) + e
        else:
            coef *= f
    if exponent != 0:
        exponent = sp.expand(exponent)
        free, dep = exponent.as_independent(*higher, as_Add=True)
        if free != 0:
            coef *= sp.exp(free)
        exponent = dep
    key = sp.S.One
    for b in sorted(powers, key=sort_key):
        e = sp.expand(powers[b])
        if e != 0:
            key *= b**e
    if exponent != 0:
        key *= sp.exp(exponent)
    return coef, key


def _is_monomial(key, higher) -> bool:
    for f in sp.Mul.make_args(key):
        b, e = f.as_base_exp()
        if f == 1:
            continue
        if not (b in higher and e.is_Integer and e > 0):
            return False
    return True


def _rank(rows) -> int:
    """Rank of a list of mpmath rows by Gaussian elimination with partial pivoting, with a
    relative threshold of 1e-30 (values carry 50 digits)."""
    m = [list(r) for r in rows]
    if not m:
        return 0
    scale = max(abs(v) for r in m for v in r) or mpmath.mpf(1)
    tol = scale * mpmath.mpf(10) ** -30
    rank, ncols = 0, len(m[0])
    for col in range(ncols):
        piv = max(range(rank, len(m)), key=lambda i: abs(m[i][col]), default=None)
        if piv is None or abs(m[piv][col]) <= tol:
            continue
        m[rank], m[piv] = m[piv], m[rank]
        for i in range(rank + 1, len(m)):
            f = m[i][col] / m[rank][col]
            if f:
                m[i] = [a - f * b for a, b in zip(m[i], m[rank])]
        rank += 1
        if rank == len(m):
            break
    return rank


def generic_instances(exprs, seed=303):
    """Replace arbitrary functions ``F(z)`` (applied undefined functions) and their derivatives
    by one random analytic function each (a random polynomial of degree 7 plus a random
    exponential): a relation that fails for it fails for a generic ``F``."""
    rng = random.Random(seed)
    funcs = sorted({a.func for e in exprs for a in sp.sympify(e).atoms(AppliedUndef)},
                   key=lambda f: f.__name__)
    if not funcs:
        return list(exprs)
    z = sp.Dummy("z")
    lam = {}
    for f in funcs:
        r = [sp.Rational(rng.randint(-900, 900), rng.randint(300, 700)) for _ in range(10)]
        body = sp.Add(*[r[k] * z**k for k in range(8)]) + r[8] * sp.exp(r[9] * z)
        lam[f] = sp.Lambda(z, body)
    out = []
    for e in exprs:
        e = sp.sympify(e)
        for f, body in lam.items():
            e = e.replace(f, body)
        out.append(e.doit())
    return out


def independent_functions(keys, higher, base, seed=101) -> bool:
    """Numeric test that ``keys`` (functions of the jet coordinates ``higher`` and of ``base``)
    are linearly independent over the functions of ``base``.  Arbitrary functions in the keys
    are replaced by generic instances (:func:`generic_instances`): the test then holds for
    generic arbitrary functions, which is what a classification's generic case assumes."""
    keys = generic_instances(keys)
    syms = sorted(set().union(*[k.free_symbols for k in keys]), key=lambda s: s.name)
    jets = [s for s in syms if s in higher]
    rest = [s for s in syms if s not in higher]
    rng = random.Random(seed)
    with mpmath.workdps(50):
        fn = sp.lambdify(jets + rest, list(keys), modules="mpmath", dummify=True)
        fixed = [mpmath.mpf(rng.randint(300, 1700)) / 997 for _ in rest]
        rows, tries = [], 0
        while len(rows) < len(keys) and tries < 4 * len(keys) + 8:
            tries += 1
            point = [mpmath.mpf(rng.randint(200, 1800)) / 1009 for _ in jets]
            try:
                vals = [mpmath.mpmathify(v) for v in fn(*(point + fixed))]
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                continue
            if all(mpmath.isfinite(v) for v in vals):
                rows.append(vals)
        if len(rows) < len(keys):
            return False
        return _rank(list(map(list, zip(*rows)))) == len(keys)


def split_by_jet_functions(expr, jet: JetSpace, *, clear_denominators: bool = True) -> list:
    """Coefficients of ``expr`` in a basis of the functions of the jet coordinates of order
    >= 1 that occur in it (monomials for polynomial conditions).

    Parameters
    ----------
    expr : sympy expression, linear in the unknown infinitesimals.
    jet : JetSpace
    clear_denominators : multiply by the common denominator first (``together``).

    Returns
    -------
    list of expressions in the base variables, each ``= 0`` (zeros removed), in a
    hash-independent order.

    Raises
    ------
    NotSplittableError
        When the functions that occur are not shown to be linearly independent.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> a, b = sp.symbols("a b")
    >>> split_by_jet_functions(a * sp.exp(jet.coord("u", x)) + b * jet.coord("u", x), jet)
    [b, a]
    """
    expr = sp.sympify(expr)
    if expr.has(sp.log):
        expr = sp.expand_log(expr, force=True)
    expr = sp.expand(expr)
    if clear_denominators:
        expr = sp.expand(sp.numer(sp.together(expr)))
    higher = {c for c in jet.coords_in(expr) if sum(jet.info(c)[1]) >= 1}
    groups: dict = {}
    for term in sp.Add.make_args(expr):
        if term == 0:
            continue
        coef, part = term.as_independent(*higher, as_Add=False) if higher else (term, sp.S.One)
        extra, key = _canonical_jet_factor(part, higher)
        groups[key] = groups.get(key, 0) + coef * extra
    keys = sorted(groups, key=sort_key)
    pieces = [(k, sp.expand(groups[k])) for k in keys]
    pieces = [(k, g) for k, g in pieces if g != 0]
    if len(pieces) > 1 and not all(_is_monomial(k, higher) for k, _ in pieces):
        base = set(jet.independent) | set(jet.fields)
        if not independent_functions([k for k, _ in pieces], higher, base):
            raise NotSplittableError(
                expr, "the functions of the jet variables in this condition are not shown "
                      f"linearly independent: {[k for k, _ in pieces]}")
    return [g for _, g in pieces]

r"""Zero tests for expressions with radicals, trigonometric and other transcendental functions.

``sp.expand(e) == 0`` decides zero for polynomials and ``cancel`` for rational functions, but
not for ``tan(x)*cos(x) - sin(x)`` or ``sqrt(x**2 + y**2)**3 - (x**2 + y**2)*sqrt(x**2 + y**2)``
written in another order.  :func:`is_zero` first tries the exact routes (expand, cancel, trig
and exponential rewrites) and then evaluates the expression at pseudo-random points with 50
significant digits: a value clearly away from zero proves the expression nonzero; an expression
that is zero to 40 digits at three independent random points is declared zero (an analytic
function that is not identically zero vanishes on a set of measure zero; Maple's ``testeq`` and
Mathematica's ``PossibleZeroQ`` make the same decision).

Applied undefined functions and their derivatives are treated as independent variables (an
expression in ``x, f(x), f'(x)`` vanishes for every ``f`` exactly when it vanishes as a
function of independent symbols).  The points are drawn from a fixed generator after sorting the
symbols by name, so the decision never depends on ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

__all__ = ["is_zero", "numeric_samples", "sort_key"]

_DIGITS = 50
_ZERO = mpmath.mpf(10) ** -40
_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc, sp.sinh, sp.cosh, sp.tanh, sp.coth)


def sort_key(expr):
    """A hash-independent total order on sympy objects (``default_sort_key``: class, then
    arguments recursively, symbols by name)."""
    return sp.default_sort_key(expr)


def _atoms_to_symbols(expr):
    """Replace derivatives and applied functions by fresh symbols (independent jet values)."""
    rep = {}
    for d in sorted(expr.atoms(sp.Derivative), key=sort_key):
        rep[d] = sp.Symbol(f"_d{len(rep)}")
    expr = expr.xreplace(rep)
    rep = {}
    for a in sorted(expr.atoms(AppliedUndef), key=sort_key):
        rep[a] = sp.Symbol(f"_a{len(rep)}")
    return expr.xreplace(rep)


def numeric_samples(expr, points: int = 3, seed: int = 20240607):
    """Values of ``expr`` (complex mpmath numbers, 50 digits) at ``points`` pseudo-random points,
    with the largest term magnitude at each point (for a relative threshold).  Points where the
    expression is singular are skipped."""
    expr = _atoms_to_symbols(sp.sympify(expr))
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    rng = random.Random(seed)
    terms = sp.Add.make_args(expr)
    try:
        fn = sp.lambdify(syms, list(terms), modules="mpmath", dummify=True)
    except Exception:  # noqa: BLE001 - anything lambdify cannot print is evaluated by evalf
        fn = None
    out = []
    tries = 0
    with mpmath.workdps(_DIGITS):
        while len(out) < points and tries < 4 * points:
            tries += 1
            vals = [sp.Rational(rng.randint(300, 1700), 1000 + rng.randint(0, 97)) for _ in syms]
            try:
                if fn is not None:
                    parts = [mpmath.mpmathify(p) for p in
                             fn(*[mpmath.mpf(v.p) / v.q for v in vals])]
                else:
                    sub = dict(zip(syms, vals))
                    parts = [_to_mpmath(t.xreplace(sub).evalf(_DIGITS)) for t in terms]
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                continue
            if any(not mpmath.isfinite(p) for p in parts):
                continue
            total = mpmath.fsum(parts)
            scale = max([abs(p) for p in parts] + [mpmath.mpf(1)])
            out.append((total, scale))
    return out


def _to_mpmath(value):
    re_, im_ = value.as_real_imag()
    return mpmath.mpc(mpmath.mpmathify(re_), mpmath.mpmathify(im_))


def _exact_zero(expr) -> bool:
    e = sp.expand(expr)
    if e == 0:
        return True
    if not e.has(sp.Function, sp.Pow):
        return False
    try:
        if sp.cancel(sp.together(e)) == 0:
            return True
        if e.has(*_TRIG, sp.exp):
            r = sp.expand(e.rewrite(sp.exp))
            if r == 0 or sp.cancel(sp.together(sp.powsimp(r))) == 0:
                return True
    except (sp.PolynomialError, TypeError, ValueError, RecursionError):
        return False
    return False


def is_zero(expr, *, numeric: bool = True) -> bool:
    """Whether ``expr`` is identically zero (see the module notes for the decision rule).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> is_zero(sp.tan(x) * sp.cos(x) - sp.sin(x)), is_zero(sp.sin(x) ** 2 - 1)
    (True, False)
    """
    expr = sp.sympify(expr)
    if expr.is_zero is True or sp.expand(expr) == 0:
        return True
    if not numeric:
        return _exact_zero(expr)
    samples = numeric_samples(expr)
    if any(abs(v) > _ZERO * s for v, s in samples):
        return False
    if _exact_zero(expr):
        return True
    return len(samples) >= 2  # zero to 40 digits at independent random points

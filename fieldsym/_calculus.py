r"""Calculus helpers for the determining-equation solver: integrals and linear ODEs solved for
generic parameter values, each result verified before it is used.

Parameters are generic: ``integrate(exp(-2*B*x), x)`` is ``-exp(-2*B*x)/(2*B)``, not the
``Piecewise`` that also covers ``B = 0``.  Every branch choice is recorded as an assumption
(``B != 0``) so that a group classification can revisit the special values.  Results are
checked by differentiation (or substitution into the ODE) with :func:`~fieldsym._zerotest.is_zero`;
a result that fails the check is discarded, never used.
"""

from __future__ import annotations

import sympy as sp

from ._limits import attempt
from ._zerotest import is_zero, sort_key

__all__ = ["generic_branch", "generic_integrate", "solve_linear_ode"]


def _condition_factors(cond) -> list:
    """Expressions ``a`` for conditions ``Ne(a, b)`` (as ``a - b``) inside ``cond``."""
    out = []
    for ne in sorted(cond.atoms(sp.Ne), key=sort_key):
        out.append(sp.expand(ne.lhs - ne.rhs))
    return out


def generic_branch(expr, assumptions: list | None = None):
    """Replace every ``Piecewise`` by its branch for generic parameters (the first branch whose
    condition is not an equality), appending the ``Ne`` conditions it relies on to
    ``assumptions``."""
    expr = sp.sympify(expr)
    if not expr.has(sp.Piecewise):
        return expr
    rep = {}
    for pw in sorted(expr.atoms(sp.Piecewise), key=sort_key):
        chosen = None
        for value, cond in pw.args:
            if cond is sp.false or isinstance(cond, sp.Eq):
                continue
            chosen = value
            if assumptions is not None and cond is not sp.true:
                assumptions.extend(_condition_factors(cond))
            break
        rep[pw] = pw.args[-1][0] if chosen is None else chosen
    return generic_branch(expr.xreplace(rep), assumptions)


def generic_integrate(expr, v, assumptions: list | None = None, seconds: float = 20.0):
    """An antiderivative of ``expr`` in ``v`` for generic parameters, verified by
    differentiation; ``None`` when sympy leaves an integral, times out or the check fails."""
    expr = sp.sympify(expr)
    if not expr.has(v):
        return expr * v
    local: list = []

    def run():
        return sp.integrate(expr, v)

    res = attempt(run, seconds)
    if res is None or res.has(sp.Integral):
        return None
    res = generic_branch(res, local)
    if not is_zero(sp.diff(res, v) - expr):
        return None
    if assumptions is not None:
        assumptions.extend(local)
    return res


def solve_linear_ode(ode, F, v, order: int, *, constant_coefficients: bool,
                     assumptions: list | None = None, seconds: float = 20.0):
    """General solution of a homogeneous linear ODE ``ode = 0`` in ``F(v)`` of ``order``.

    Returns ``(expression, constants)`` with exactly ``order`` integration constants, or
    ``None`` when ``dsolve`` fails, times out, leaves integrals, or its answer does not satisfy
    the ODE.
    """
    hint = "nth_linear_constant_coeff_homogeneous" if constant_coefficients else "default"

    def run():
        return sp.dsolve(ode, F, hint=hint)

    try:
        sol = attempt(run, seconds)
    except (NotImplementedError, ValueError, TypeError, AttributeError, RecursionError):
        return None
    if sol is None or isinstance(sol, list) or not isinstance(sol, sp.Eq) or sol.lhs != F:
        return None
    rhs = sol.rhs
    if rhs.has(sp.Integral, sp.Order, F):
        return None
    local: list = []
    rhs = generic_branch(rhs, local)
    consts = sorted(rhs.free_symbols - ode.free_symbols - {v}, key=lambda s: s.name)
    if len(consts) != order:
        return None
    if not is_zero(ode.subs(F, rhs).doit()):
        return None
    # the constants must enter independently: the solutions they multiply are independent
    basis = [sp.diff(rhs, c) for c in consts]
    if any(b.free_symbols & set(consts) for b in basis):
        return None
    wr = sp.Matrix(order, order, lambda i, j: sp.diff(basis[j], v, i))
    det = wr.det()
    if is_zero(det):
        return None
    # factors of the Wronskian free of v (parameters): the solution basis degenerates where
    # they vanish (c1 + c2 exp(-2 B x) needs B != 0), a generic assumption
    for f in sp.Mul.make_args(sp.factor(det)):
        b = f.as_base_exp()[0]
        if b.free_symbols and v not in b.free_symbols and not b.has(sp.exp):
            local.append(b)
    if assumptions is not None:
        assumptions.extend(local)
    return rhs, consts

"""Truncated multivariate Taylor series of sympy expressions at a point, without symbolic
differentiation (which is slow on radicals): the expression tree is evaluated in the ring of
truncated series, every elementary function by composition with its univariate Taylor
polynomial.

Two coefficient rings: integers modulo the prime ``2**31 - 1`` (exact; for expressions that are
rational functions of the variables with rational values at the point) and float64 (anything
else).  :class:`NotRational` signals that the modular ring cannot represent an expression.
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

__all__ = ["NotRational", "TaylorContext"]

P = 2**31 - 1


class NotRational(ValueError):
    """The expression is not a rational function with rational values at the point."""


def _monomials(nvars, order):
    out = []
    for total in range(order + 1):
        for combo in itertools.combinations_with_replacement(range(nvars), total):
            mi = [0] * nvars
            for i in combo:
                mi[i] += 1
            out.append(tuple(mi))
    return out


class TaylorContext:
    """Series of expressions in ``variables`` at ``point`` to total ``order``.

    Parameters
    ----------
    variables : sequence of Symbol
    point : dict Symbol -> Rational (variables and parameters)
    order : int
    exact : modular arithmetic (raises :class:`NotRational` when impossible) or float64
    seed : for the random Taylor data of arbitrary functions
    """

    def __init__(self, variables, point, order, exact, seed=11):
        self.vars = tuple(variables)
        self.point = dict(point)
        self.order = order
        self.exact = exact
        self.monos = _monomials(len(self.vars), order)
        self.index = {m: k for k, m in enumerate(self.monos)}
        n = len(self.monos)
        I, J, K = [], [], []
        for i, a in enumerate(self.monos):
            for j, b in enumerate(self.monos):
                if sum(a) + sum(b) <= order:
                    I.append(i)
                    J.append(j)
                    K.append(self.index[tuple(x + y for x, y in zip(a, b))])
        self._I, self._J, self._K = np.array(I), np.array(J), np.array(K)
        self.n = n
        self.rng = random.Random(seed)
        self.func_data: dict = {}
        self._cache: dict = {}
        self._factorials = [math.factorial(k) for k in range(order + 1)]

    # ---------------------------------------------------------------- ring operations
    def _num(self, q):
        """A constant of the ring from a sympy number."""
        q = sp.sympify(q)
        if self.exact:
            if not isinstance(q, sp.Rational):
                raise NotRational(q)
            return (int(q.p) % P) * pow(int(q.q) % P, -1, P) % P
        return complex(sp.N(q, 20))

    def constant(self, value):
        s = np.zeros(self.n, dtype=np.int64 if self.exact else complex)
        s[0] = value
        return s

    def mul(self, a, b):
        out = np.zeros(self.n, dtype=a.dtype)
        if self.exact:
            np.add.at(out, self._K, (a[self._I] * b[self._J]) % P)
            return out % P
        np.add.at(out, self._K, a[self._I] * b[self._J])
        return out

    def add(self, a, b):
        return (a + b) % P if self.exact else a + b

    def compose(self, a, coeffs):
        """``sum_k coeffs[k] (a - a_0)^k`` (``coeffs`` in the ring)."""
        h = a.copy()
        h[0] = 0
        out = self.constant(coeffs[0])
        power = self.constant(1)
        for k in range(1, self.order + 1):
            power = self.mul(power, h)
            if not power.any():
                break
            term = (power * coeffs[k]) % P if self.exact else power * coeffs[k]
            out = self.add(out, term)
        return out

    def _univariate(self, fn, a0):
        """Taylor coefficients f^(k)(a0)/k! of a sympy one-argument function class."""
        s = sp.Dummy("s")
        key = (fn, a0)
        hit = self.func_data.get(key)
        if hit is not None:
            return hit
        expr = fn(s)
        out = []
        for k in range(self.order + 1):
            val = expr.subs(s, a0) if self.exact else sp.N(expr.subs(s, a0), 20)
            out.append(self._num(val / self._factorials[k]))
            expr = sp.diff(expr, s)
        self.func_data[key] = out
        return out

    def power(self, a, e):
        if e.is_Integer and e >= 0:
            out = self.constant(1)
            for _ in range(int(e)):
                out = self.mul(out, a)
            return out
        if self.exact:
            if not e.is_Integer:
                raise NotRational(e)
            a0 = int(a[0]) % P
            if a0 == 0:
                raise NotRational("pole at the point")
            inv = pow(a0, -1, P)
            # (a0 + h)^e = sum binom(e, k) a0^(e-k) h^k
            coeffs, c = [], 1
            for k in range(self.order + 1):
                coeffs.append(c * pow(a0, int(e) - k, P) % P if int(e) - k >= 0 else
                              c * pow(inv, k - int(e), P) % P)
                c = c * ((int(e) - k) % P) % P * pow(k + 1, -1, P) % P
            return self.compose(a, coeffs)
        a0 = complex(a[0])
        if a0 == 0:
            raise ValueError("branch point at the sample point")
        ev = float(sp.N(e, 20))
        coeffs, c = [], 1.0
        for k in range(self.order + 1):
            coeffs.append(c * a0 ** (ev - k))
            c = c * (ev - k) / (k + 1)
        return self.compose(a, coeffs)

    # ---------------------------------------------------------------- expressions
    def series(self, expr):
        """Coefficient array of ``expr`` (indexed like :attr:`monos`)."""
        hit = self._cache.get(expr)
        if hit is not None:
            return hit
        out = self._series(expr)
        self._cache[expr] = out
        return out

    def _series(self, e):
        if e.is_Number or e.is_NumberSymbol:
            return self.constant(self._num(e))
        if e.is_Symbol:
            if e in self.vars:
                s = self.constant(self._num(self.point[e]))
                mi = [0] * len(self.vars)
                mi[self.vars.index(e)] = 1
                if self.order >= 1:
                    s[self.index[tuple(mi)]] = 1
                return s
            if e in self.point:
                return self.constant(self._num(self.point[e]))
            raise ValueError(f"no value for the symbol {e}")
        if e.is_Add:
            out = self.constant(0)
            for a in e.args:
                out = self.add(out, self.series(a))
            return out
        if e.is_Mul:
            out = self.constant(1)
            for a in e.args:
                out = self.mul(out, self.series(a))
            return out
        if e.is_Pow:
            if e.base is sp.E:
                return self._apply(sp.exp, self.series(e.exp))
            base = self.series(e.base)
            if not e.exp.free_symbols:
                return self.power(base, e.exp)
            return self._apply(sp.exp, self.series(e.exp * sp.log(e.base)))
        if isinstance(e, AppliedUndef | sp.Derivative):
            return self._arbitrary(e)
        if isinstance(e, sp.Function) and len(e.args) == 1:
            return self._apply(e.func, self.series(e.args[0]))
        raise ValueError(f"cannot expand {e} in a Taylor series")

    def _apply(self, fn, a):
        if self.exact:
            raise NotRational(fn)
        a0 = complex(a[0])
        return self.compose(a, self._univariate(fn, sp.Float(a0.real, 20) + sp.I *
                                                sp.Float(a0.imag, 20) if a0.imag else
                                                sp.Float(a0.real, 20)))

    def _arbitrary(self, e):
        """An arbitrary function of one argument (or its derivative) gets random Taylor
        coefficients at the argument's value, the same for every occurrence."""
        fn = e.expr if isinstance(e, sp.Derivative) else e
        if len(fn.args) != 1:
            raise ValueError(f"arbitrary functions of several arguments are not supported: {e}")
        shift = sum(k for _, k in e.variable_count) if isinstance(e, sp.Derivative) else 0
        arg = self.series(fn.args[0])
        key = (fn.func.__name__, int(arg[0]) if self.exact else round(complex(arg[0]).real, 12))
        data = self.func_data.setdefault(key, [])
        while len(data) < self.order + shift + 1:
            data.append(sp.Rational(self.rng.randint(300, 1700), 997))
        # derivative of order j of f^(shift) at a0 is data[shift + j]
        coeffs = [self._num(data[shift + k] / self._factorials[k]) for k in range(self.order + 1)]
        return self.compose(arg, coeffs)

    def derivative_at(self, expr, K):
        """:math:`\\partial^K` expr at the point (ring element)."""
        s = self.series(expr)
        c = s[self.index[tuple(K)]]
        f = math.prod(math.factorial(k) for k in K)
        return (int(c) * f) % P if self.exact else complex(c) * f

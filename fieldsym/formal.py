r"""Formal power series count of the solutions of a linear PDE system: an upper bound on the
dimension of its solution space, computed without solving it.

This is the independent route that checks the symbolic solver.  At a pseudo-random point
:math:`z_0` the unknowns are replaced by their Taylor coefficients up to order :math:`Q`, the
equations and their derivatives up to total order :math:`Q` become linear equations on those
coefficients, and linear algebra gives, for every :math:`N`,

* :math:`d_N`: the dimension of the projection of the (truncated) formal solutions onto the
  :math:`N`-jets of the projected unknowns, an upper bound on the dimension of the
  :math:`N`-jets of true solutions at :math:`z_0`;
* whether the coefficients of order :math:`N+1` are determined by those of order
  :math:`\le N` ("pinned").

If order :math:`N + 1` is pinned at a generic point it is pinned on a neighbourhood (the ranks
involved are maximal there), so every solution satisfies a closed first-order system for its
:math:`N`-jet and is determined by it: the solution space has dimension at most :math:`d_N`.
This bound does not depend on how the system was solved; when it equals the number of
independent symmetries found, the symbolic answer is complete.

Arithmetic is exact modulo the prime :math:`2^{31} - 1` when every coefficient is rational at
:math:`z_0` (probability of a wrong rank about ``rows/p``); otherwise it is float64 with
partial pivoting, accepted only when the pivots are separated from the discarded values by a
wide margin (else the bound is reported as unavailable).  Parameters are sampled (generic
values); arbitrary functions in the equations get random Taylor coefficients.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from ._limits import check
from ._taylor import NotRational, TaylorContext

__all__ = ["FormalBound", "formal_dimension_bound"]

_P = 2**31 - 1


@dataclass(frozen=True)
class FormalBound:
    """Result of :func:`formal_dimension_bound`.

    Attributes
    ----------
    bound : int or None, upper bound on the dimension of the solution space (projected onto
        the requested unknowns); ``None`` when no order was pinned within the limits
    order : the jet order N at which the bound was found
    prolongation : the truncation order Q used
    exact : whether modular (exact) arithmetic was used
    dims : tuple of d_N for N = 0, 1, ... at the final Q
    """

    bound: int | None
    order: int | None
    prolongation: int
    exact: bool
    dims: tuple


def _multi_indices(nvars, support, order):
    """All count tuples of length ``nvars`` supported on ``support`` with total <= order."""
    out = []
    for total in range(order + 1):
        for combo in itertools.combinations_with_replacement(support, total):
            mi = [0] * nvars
            for i in combo:
                mi[i] += 1
            out.append(tuple(mi))
    return sorted(set(out), key=lambda m: (sum(m), m))


class _Problem:
    def __init__(self, equations, unknowns, variables, project, seed):
        self.vars = tuple(variables)
        self.heads = list(unknowns)
        self.index = {h: k for k, h in enumerate(self.heads)}
        self.support = []
        for h in self.heads:
            args = h.args if isinstance(h, AppliedUndef) else ()
            self.support.append([self.vars.index(a) for a in args])
        self.project = [self.index[h] for h in (project if project is not None else self.heads)]
        self.terms = []  # per equation: list of (head index, multi-index, coefficient)
        for e in equations:
            self.terms.append(self._parse(sp.expand(sp.sympify(e))))
        self.orders = [max((sum(mi) for _, mi, _ in t), default=0) for t in self.terms]
        rng = random.Random(seed)
        self.point = {v: sp.Rational(rng.randint(300, 1700), rng.randint(900, 1100))
                      for v in self.vars}
        syms = set().union(*[c.free_symbols for t in self.terms for _, _, c in t]) \
            if self.terms else set()
        params = sorted(syms - set(self.vars), key=lambda s: s.name)
        self.point.update({p: sp.Rational(rng.randint(300, 1700), rng.randint(900, 1100))
                           for p in params})
        self.exact = True

    def _parse(self, e):
        out: dict = {}
        heads = set(self.heads)
        for term in sp.Add.make_args(e):
            if term == 0:
                continue
            found = None
            for f in sp.Mul.make_args(term):
                if isinstance(f, sp.Derivative) and f.expr in heads:
                    found = (f.expr, f)
                elif f in heads:
                    found = (f, f)
            if found is None:
                raise ValueError(f"term {term} contains no unknown: the system is not "
                                 f"homogeneous")
            h, occ = found
            coef = term / occ
            if coef.has(*heads):
                raise ValueError(f"term {term} is not linear in the unknowns")
            mi = [0] * len(self.vars)
            if isinstance(occ, sp.Derivative):
                for v, k in occ.variable_count:
                    mi[self.vars.index(v)] += k
            key = (self.index[h], tuple(mi))
            out[key] = out.get(key, 0) + coef
        return [(a, mi, c) for (a, mi), c in sorted(out.items(), key=lambda kv: kv[0])]

    def context(self, Q):
        """A Taylor context of order ``Q`` (exact when every coefficient allows it)."""
        if self.exact:
            ctx = TaylorContext(self.vars, self.point, Q, True)
            try:
                for terms in self.terms:
                    for _, _, c in terms:
                        ctx.series(c)
                return ctx
            except NotRational:
                self.exact = False
        ctx = TaylorContext(self.vars, self.point, Q, False)
        return ctx


def _pivots_mod(A):
    """Pivot columns of the row echelon form of ``A`` (int64 entries mod p), columns in order."""
    A = A.copy() % _P
    rows, cols = A.shape
    pivots = []
    r = 0
    for c in range(cols):
        if r == rows:
            break
        nz = np.nonzero(A[r:, c])[0]
        if nz.size == 0:
            continue
        i = r + nz[0]
        if i != r:
            A[[r, i]] = A[[i, r]]
        inv = pow(int(A[r, c]), -1, _P)
        A[r] = (A[r] * inv) % _P
        below = np.nonzero(A[r + 1:, c])[0] + r + 1
        if below.size:
            f = A[below, c][:, None]
            A[below] = (A[below] - (f * A[r]) % _P) % _P
        pivots.append(c)
        r += 1
    return pivots


def _pivots_float(A):
    """Pivot columns by Gaussian elimination with partial pivoting (rows scaled); ``None`` when
    the decision is not clear (no wide gap between accepted and discarded pivots)."""
    A = np.array(A, dtype=complex)
    norms = np.abs(A).max(axis=1)
    norms[norms == 0] = 1.0
    A = A / norms[:, None]
    rows, cols = A.shape
    pivots, r = [], 0
    smallest_kept, largest_dropped = math.inf, 0.0
    for c in range(cols):
        if r == rows:
            break
        col = np.abs(A[r:, c])
        i = int(np.argmax(col))
        if col[i] <= 1e-9:
            largest_dropped = max(largest_dropped, float(col[i]))
            continue
        smallest_kept = min(smallest_kept, float(col[i]))
        i += r
        if i != r:
            A[[r, i]] = A[[i, r]]
        A[r + 1:] -= np.outer(A[r + 1:, c] / A[r, c], A[r])
        pivots.append(c)
        r += 1
    if largest_dropped > 0 and smallest_kept < 1e4 * max(largest_dropped, 1e-13):
        return None
    return pivots


def _attempt(problem, Q):
    nvars = len(problem.vars)
    proj = set(problem.project)
    cols = []  # (head, multi-index)
    for a in range(len(problem.heads)):
        order = Q if problem.support[a] or not isinstance(problem.heads[a], sp.Symbol) else 0
        for mi in _multi_indices(nvars, problem.support[a], order):
            cols.append((a, mi))
    # column order: non-projected unknowns, then projected ones from the highest order down
    cols.sort(key=lambda am: (am[0] in proj, -sum(am[1]) if am[0] in proj else 0, am))
    col_index = {am: k for k, am in enumerate(cols)}
    ctx = problem.context(Q)
    exact = ctx.exact
    rows = []
    for j, terms in enumerate(problem.terms):
        for K in _multi_indices(nvars, list(range(nvars)), Q - problem.orders[j]):
            check()
            row: dict = {}
            for a, J, c in terms:
                sup = problem.support[a]
                for L in _multi_indices(nvars, sup, sum(K)):
                    if any(l > k for l, k in zip(L, K)):
                        continue
                    target = (a, tuple(x + y for x, y in zip(J, L)))
                    if target not in col_index:
                        continue
                    KL = tuple(k - l for k, l in zip(K, L))
                    val = ctx.derivative_at(c, KL)
                    if val == 0:
                        continue
                    binom = math.prod(math.comb(k, l) for k, l in zip(K, L))
                    if exact:
                        val = binom * val % _P
                    else:
                        val = binom * val
                    row[col_index[target]] = row.get(col_index[target], 0) + val
            if row:
                rows.append(row)
    n = len(cols)
    if exact:
        A = np.zeros((max(len(rows), 1), n), dtype=np.int64)
        for i, row in enumerate(rows):
            for k, v in row.items():
                A[i, k] = v % _P
        pivots = _pivots_mod(A)
    else:
        A = np.zeros((max(len(rows), 1), n), dtype=complex)
        for i, row in enumerate(rows):
            for k, v in row.items():
                A[i, k] = v
        pivots = _pivots_float(A)
        if pivots is None:
            return None, exact, cols
    pivset = set(pivots)
    total_free = n - len(pivots)
    # prefix[N]: columns that are non-projected or of projected order > N
    dims, kernel = [], []
    for N in range(-1, Q + 1):
        prefix = [k for k, (a, mi) in enumerate(cols) if a not in proj or sum(mi) > N]
        rk = sum(1 for k in prefix if k in pivset)
        kernel.append(len(prefix) - rk)  # dim of solutions with projected N-jet zero
        dims.append(total_free - kernel[-1])
    return (dims, kernel), exact, cols


def formal_dimension_bound(equations, unknowns: Sequence, variables: Sequence, *,
                           project: Sequence | None = None, max_extra_order: int = 10,
                           max_columns: int = 2500, seed: int = 7,
                           target: int | None = None) -> FormalBound:
    r"""Upper bound on the dimension of the solution space of a linear homogeneous system.

    Parameters
    ----------
    equations : expressions (``= 0``) linear and homogeneous in ``unknowns``
    unknowns : applied functions of some of ``variables``, or symbols (constants)
    variables : the independent variables of the unknowns
    project : the unknowns whose solution space is counted (default all; auxiliary unknowns
        such as divergence terms are left out)
    max_extra_order : how far beyond the equations' order to prolong
    max_columns : the largest number of Taylor coefficients tried
    target : stop as soon as the bound is at most ``target`` (the number of solutions already
        known); otherwise prolong further while the limits allow, since a bound found at a low
        prolongation need not be tight

    Returns
    -------
    FormalBound

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> f = sp.Function("f")(x, t)
    >>> formal_dimension_bound([f.diff(x, 2), f.diff(t)], [f], [x, t]).bound
    2
    """
    problem = _Problem(equations, unknowns, variables, project, seed)
    top = max(problem.orders, default=0)
    best = FormalBound(None, None, top, True, ())
    for Q in range(top + 1, top + max_extra_order + 1):
        ncols = sum(len(_multi_indices(len(problem.vars), s, Q)) for s in problem.support)
        if ncols > max_columns:
            break
        res, exact, _ = _attempt(problem, Q)
        if res is None:
            return FormalBound(None, None, Q, exact, ())
        dims, kernel = res
        # dims[k] and kernel[k] belong to N = k - 1
        found = None
        for k in range(1, len(kernel) - 1):
            if kernel[k] == kernel[k + 1]:  # order N+1 = k pinned by the N-jet (N = k-1)
                cand = dims[k]
                if found is None or cand < found[0]:
                    found = (cand, k - 1)
        shown = tuple(dims[1:])
        if found is not None and (best.bound is None or found[0] <= best.bound):
            best = FormalBound(found[0], found[1], Q, exact, shown)
        else:
            best = FormalBound(best.bound, best.order, Q, exact, shown)
        if best.bound is not None:
            if target is not None and best.bound <= target:
                return best
            if target is None and best.order + 2 <= Q:
                return best
    return best

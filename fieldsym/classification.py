r"""Group classification: the symmetry algebra of an equation with parameters or arbitrary
functions, case by case.

The generic case is what :func:`~fieldsym.symmetries.lie_point_symmetries` computes: symbolic
parameters are treated as generic and every expression in them that the solver divides by is
recorded (:attr:`SymmetryAlgebra.assumptions`); arbitrary functions ``f(u)`` are split as if
the functions of ``u`` they form (``1, u, f, f', u f'``) were linearly independent, and those
sets are recorded (:attr:`LinearPDESolution.generic`).  The special cases are where these
assumptions fail:

* **parameters**: each recorded factor is set to zero and solved for a parameter
  (``3n + 4 = 0`` gives ``n = -4/3``); the specialised equation is classified again, to a given
  depth;
* **arbitrary functions**: for each recorded set ``g_1, ..., g_m`` and each subset of two or
  three of them that involves ``f``, the classifying relation ``sum_k lambda_k g_k = 0`` with
  nonzero constants is an ODE for ``f``, solved by ``dsolve`` (``u f' + lambda f = 0`` gives
  powers, ``f' + lambda f = 0`` exponentials, ``f' + lambda = 0`` linear functions); the
  equation with that ``f`` has new parameters and is classified as above.

Every case carries the conditions that define it and its algebra (complete, or unsolved with
the remaining equations).  Cases are found by the machinery above, not looked up; the list is
as complete as those relations are (the relations of degree higher than three in the recorded
functions are not tried).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

from ._limits import attempt
from ._zerotest import sort_key
from .jets import PDESystem
from .symmetries import SymmetryAlgebra, lie_point_symmetries

__all__ = ["ClassificationCase", "classify"]


@dataclass
class ClassificationCase:
    """One case of a classification.

    Attributes
    ----------
    conditions : tuple of sympy relations (``Eq(n, -4/3)``, ``Ne(3*n + 4, 0)``,
        ``Eq(f(u), C1*exp(lambda1*u))``)
    equations : the specialised equations
    algebra : SymmetryAlgebra (``algebra.complete`` False when unsolved)
    """

    conditions: tuple
    equations: list
    algebra: SymmetryAlgebra
    notes: list = field(default_factory=list)

    @property
    def dimension(self):
        """Number of finite generators, and whether infinite families are present."""
        return len(self.algebra.basis), bool(self.algebra.families)

    def __str__(self):
        cond = ", ".join(sp.sstr(c) for c in self.conditions) or "generic"
        dim, inf = self.dimension
        state = "" if self.algebra.complete else f"  [unsolved: {self.algebra.reason}]"
        return f"{cond}: {dim} generators" + (" + families" if inf else "") + state


def _parameters(system: PDESystem, extra=()):
    jet = system.jet
    known = set(jet.independent) | {c for e in system.equations for c in jet.coords_in(e)}
    syms = set().union(*[e.free_symbols for e in system.equations]) - known
    return sorted(syms | set(extra), key=lambda s: s.name)


def _arbitrary(system: PDESystem):
    names = {f.name for f in system.jet.fields}
    found = {a.func for e in system.equations for a in e.atoms(AppliedUndef)
             if a.func.__name__ not in names}
    return sorted(found, key=lambda f: f.__name__)


def _specialise(system, mapping):
    eqs = [sp.expand(e.subs(mapping).doit()) for e in system.equations]
    return PDESystem(system.jet, eqs)


def classify(system: PDESystem, *, depth: int = 2, timeout: float = 60.0,
             max_cases: int = 40) -> list[ClassificationCase]:
    """Classify the point symmetries of ``system`` by its parameters and arbitrary functions.

    Parameters
    ----------
    system : PDESystem whose equations contain symbols (parameters) or applied undefined
        functions of the dependent variables (arbitrary elements)
    depth : how many times a special case is specialised further
    timeout : seconds per symmetry search
    max_cases : stop after this many cases

    Returns
    -------
    list of ClassificationCase, the generic case first.

    Examples
    --------
    >>> import sympy as sp
    >>> from fieldsym import JetSpace, PDESystem
    >>> x, t, n = sp.symbols("x t n")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, ux = jet.coord("u"), jet.coord("u", x)
    >>> cases = classify(PDESystem(jet, [jet.coord("u", t) - jet.D(u**n * ux, x)]), depth=1)
    >>> [(sp.sstr(c.conditions[0]), c.dimension[0]) for c in cases[1:]]
    [('Eq(n, 0)', 6), ('Eq(n, -4/3)', 5)]
    """
    cases: list[ClassificationCase] = []
    seen: set = set()
    _visit(system, (), depth, timeout, cases, seen, max_cases)
    return cases


def _visit(system, conditions, depth, timeout, cases, seen, max_cases):
    key = tuple(sp.srepr(sp.expand(e)) for e in system.equations)
    if key in seen or len(cases) >= max_cases:
        return
    seen.add(key)
    alg = lie_point_symmetries(system, allow_incomplete=True, timeout=timeout)
    params = set(_parameters(system))
    factors = [a for a in alg.assumptions if a.free_symbols and a.free_symbols <= params]
    generic = tuple(sp.Ne(a, 0) for a in factors)
    case = ClassificationCase(tuple(conditions) + generic, list(system.equations), alg)
    cases.append(case)
    if depth <= 0:
        return
    for a in factors:
        p = sorted(a.free_symbols, key=lambda s: s.name)[0]
        for root in sorted(sp.solve(a, p), key=sort_key):
            special = _specialise(system, {p: root})
            if any(e == 0 for e in special.equations):
                continue
            _visit(special, tuple(conditions) + (sp.Eq(p, root),), depth - 1, timeout, cases,
                   seen, max_cases)
    for fn in _arbitrary(system):
        for cond, value in _function_cases(alg, fn):
            special = _specialise(system, {fn: value})
            _visit(special, tuple(conditions) + (cond,), depth - 1, timeout, cases, seen,
                   max_cases)


def _function_cases(alg, fn):
    """``(condition, Lambda)`` for the functions ``fn`` that make a recorded set of classifying
    functions linearly dependent (subsets of two or three, every coefficient nonzero)."""
    out, done = [], set()
    for v, funcs in alg.solution.generic:
        involved = [g for g in funcs if any(a.func == fn for a in g.atoms(AppliedUndef))]
        if not involved:
            continue
        F = sp.Function("_F")(v)
        for size in (2, 3):
            for subset in itertools.combinations(funcs, size):
                if not any(g in involved for g in subset):
                    continue
                lams = sp.symbols(f"lambda1:{size}")
                rel = subset[0] + sp.Add(*[lam * g for lam, g in zip(lams, subset[1:])])
                ode = rel.replace(fn, sp.Lambda(v, F)).doit() if rel.has(fn) else rel
                ode = sp.expand(ode.subs({a: F for a in ode.atoms(AppliedUndef)
                                          if a.func == fn}))
                if not ode.has(F):
                    continue
                for sol in _solve(ode, F):
                    rhs = sp.powsimp(sp.simplify(sol), force=True)
                    key = sp.srepr(rhs)
                    if key in done or rhs.has(sp.Integral, sp.re, sp.im):
                        continue
                    done.add(key)
                    z = sp.Dummy("z")
                    value = sp.Lambda(z, rhs.subs(v, z))
                    out.append((sp.Eq(fn(v), rhs), value))
    return out


def _solve(ode, F):
    def run():
        return sp.dsolve(ode, F)

    try:
        sol = attempt(run, 20.0)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return []
    if sol is None:
        return []
    sols = sol if isinstance(sol, list) else [sol]
    return [s.rhs for s in sols if isinstance(s, sp.Eq) and s.lhs == F
            and not s.rhs.has(sp.Integral)]

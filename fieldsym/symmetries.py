r"""Lie point symmetries of PDE systems and variational (divergence) symmetries of Lagrangians.

Determining equations (Olver §2.4 and §4.2):

* point symmetries of :math:`\Delta_k = 0`: :math:`\mathrm{pr}\,v(\Delta_k) = 0` on solutions,
  where "on solutions" means reduced modulo the equations solved for principal derivatives
  (:class:`~fieldsym.jets.PDESystem`);
* variational symmetries of :math:`L`: :math:`\mathrm{pr}\,v(L) + L\,D_i\xi^i = D_i B^i`
  identically, with :math:`B^i(x, u)`; :math:`B = 0` is a strict symmetry.

The infinitesimals :math:`\xi^i(x,u), \phi_\alpha(x,u)` (and :math:`B^i(x,u)`) are unknown
functions (for a field on a subset of the variables, such as :math:`\Theta(\phi)`, its
:math:`\phi_\Theta` and the :math:`\xi^i` of its variables depend only on its own fiber, so the
transformation keeps :math:`\Theta` a function of :math:`\phi`).  The conditions are
polynomial in the jet coordinates of order >= 1, so they split into an overdetermined linear
system that :func:`~fieldsym.determining.solve_linear_pde_system` solves.  The answer is a
:class:`SymmetryAlgebra`: a basis (one generator per free constant), families with arbitrary
functions and the conditions they obey, and the commutator table.
"""

from __future__ import annotations

import math

import sympy as sp

from ._algebra import (
    SymmetryAlgebra,
    _assemble,
    _normalize,  # noqa: F401 - re-exported for callers of the former location
    _short,  # noqa: F401 - used by the command line
    _variables,
    same_span,
    span_contains,
)
from ._limits import SolverTimeout, remaining, time_limit
from ._undetermined import exponential_atoms, polynomial_solutions
from ._zerotest import is_zero
from .determining import LinearPDESolution, UnsolvedSystemError, solve_linear_pde_system
from .formal import formal_dimension_bound
from .jets import JetSpace, PDESystem
from .splitting import NotSplittableError, split_by_jet_functions
from .vector_fields import VectorField

__all__ = [
    "SymmetryAlgebra",
    "lie_point_symmetries",
    "variational_symmetries",
    "point_determining_equations",
    "variational_determining_equations",
    "is_point_symmetry",
    "variational_defect",
    "span_contains",
    "same_span",
    "expanded_terms",
    "check_size",
]


def _fiber_args(jet: JetSpace, field) -> set:
    """What a transformation of ``field``'s graph may depend on: its own variables and the
    fields whose variables are among them (``Theta(phi)`` may not see ``u`` or ``N(u, phi)``)."""
    own = set(jet.field_args(field))
    return own | {g for g in jet.fields if set(jet.field_args(g)) <= own}


def _ansatz(jet: JetSpace, with_B: bool):
    """Unknown infinitesimals.  With fields on subsets of the variables, xi^i and phi_alpha are
    restricted so that each field's graph is mapped to itself (see :func:`_fiber_args`)."""
    base = tuple(jet.independent) + tuple(jet.fields)

    def args_for(allowed):
        return tuple(s for s in base if s in allowed)

    xi = {}
    for v in jet.independent:
        allowed = set(base)
        for f in jet.fields:
            if v in jet.field_args(f):
                allowed &= _fiber_args(jet, f)
        xi[v] = sp.Function(f"xi_{v.name}")(*args_for(allowed))
    phi = {f: sp.Function(f"phi_{f.name}")(*args_for(_fiber_args(jet, f))) for f in jet.fields}
    B = {v: sp.Function(f"B_{v.name}")(*base) for v in jet.independent} if with_B else {}
    return xi, phi, B


def split_by_jet_monomials(expr, jet: JetSpace) -> list[sp.Expr]:
    """Coefficients of ``expr`` (made polynomial in jet coordinates of order >= 1)."""
    num = sp.expand(sp.numer(sp.together(sp.expand(expr))))
    higher = [c for c in jet.coords_in(num) if sum(jet.info(c)[1]) >= 1]
    groups: dict = {}
    for term in sp.Add.make_args(num):
        coef, mono = term.as_independent(*higher, as_Add=False) if higher else (term, sp.S.One)
        for f in sp.Mul.make_args(mono):
            b, e = f.as_base_exp()
            if f != 1 and not (b in higher and e.is_Integer and e > 0):
                raise ValueError(f"determining equations are not polynomial in the jet "
                                 f"coordinates: factor {f} in {term}")
        groups[mono] = groups.get(mono, 0) + coef
    return [g for g in (sp.expand(g) for g in groups.values()) if g != 0]


def expanded_terms(expr) -> int:
    """An estimate (exact for sums and products of sums) of the number of terms of
    ``expand(expr)``, computed without expanding."""
    expr = sp.sympify(expr)
    if expr.is_Add:
        return sum(expanded_terms(a) for a in expr.args)
    if expr.is_Mul:
        return math.prod(expanded_terms(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1:
        k = expanded_terms(expr.base)
        return math.comb(int(expr.exp) + k - 1, k - 1)
    return 1


def check_size(equations, max_terms: int):
    """Refuse equations whose expansion would exceed ``max_terms`` terms (their symmetry
    conditions grow by a further factor), with a clear message."""
    for k, e in enumerate(equations):
        n = expanded_terms(e)
        if n > max_terms:
            raise ValueError(f"equation {k} expands to about {n} terms; the limit is "
                             f"max_terms={max_terms} (raise it to try anyway)")


def _check_implicit(system: PDESystem):
    """Implicit equations must be squarefree in their leading coordinate (distinct roots), so
    that a condition of lower degree vanishing on the equation vanishes identically."""
    for lead, eq in system.implicit.items():
        disc = sp.discriminant(sp.expand(eq), lead)
        if is_zero(disc):
            raise ValueError(f"the implicit equation {eq} = 0 has a repeated root in {lead}; "
                             f"give its square-free part")


def point_determining_equations(system: PDESystem):
    """``(equations, unknowns, v)`` for Lie point symmetries of ``system``.

    Each condition :math:`\\mathrm{pr}\\,v(\\Delta) = 0` is reduced on the explicit equations,
    divided by the implicit ones (:meth:`PDESystem.remainder`) and split by the functions of
    the jet variables (:func:`~fieldsym.splitting.split_by_jet_functions`).
    """
    jet = system.jet
    _check_implicit(system)
    xi, phi, _ = _ansatz(jet, False)
    v = VectorField(jet, xi, phi)
    eqs = []
    for delta in system.equations:
        eqs += split_by_jet_functions(system.remainder(v.prolong(delta)), jet)
    return eqs, list(xi.values()) + list(phi.values()), v


def variational_defect(v: VectorField, L) -> sp.Expr:
    r""":math:`\mathrm{pr}\,v(L) + L\,D_i\xi^i`; a total divergence :math:`D_i B^i` exactly
    when ``v`` is a variational symmetry."""
    jet = v.jet
    return sp.expand(v.prolong(L) + L * jet.div(v.xi))


def variational_determining_equations(L, jet: JetSpace):
    """``(equations, unknowns, v, B)`` for variational symmetries of ``L``."""
    xi, phi, B = _ansatz(jet, True)
    v = VectorField(jet, xi, phi)
    expr = variational_defect(v, L) - jet.div(B)
    eqs = split_by_jet_functions(expr, jet)
    return eqs, list(xi.values()) + list(phi.values()) + list(B.values()), v, B


def is_point_symmetry(v: VectorField, system: PDESystem) -> bool:
    """Whether ``pr v(Δ) = 0`` on solutions for every equation (zero test:
    :func:`fieldsym._zerotest.is_zero`, which knows trigonometric identities and radicals)."""
    for d in system.equations:
        r = system.remainder(v.prolong(d))
        if sp.expand(r) == 0 or sp.cancel(sp.together(r)) == 0:
            continue
        if not is_zero(r):
            return False
    return True


def _finish(jet, kind, v, B, eqs, unknowns, project, system, *, allow_incomplete, max_steps,
            timeout, certify):
    """Solve the determining equations, assemble the algebra, verify every generator and
    compare the dimension with the formal count (the independent route)."""
    targets = {str(u.func): u for u in unknowns}
    left = remaining()
    if left is not None:  # keep time to assemble and report what remains
        timeout = max(0.8 * left, 1e-3)
    sol = solve_linear_pde_system(eqs, unknowns, _variables(jet), targets, max_steps=max_steps,
                                  timeout=timeout)
    alg = _assemble(jet, kind, v, B, sol)
    alg.complete, alg.reason = sol.complete, sol.reason
    if system is not None:
        bad = [g for g in alg.basis if not is_point_symmetry(g, system)]
        if bad and alg.complete:  # a solver defect: never return a non-symmetry
            raise UnsolvedSystemError(sol.conditions, f"internal check failed: generator "
                                                      f"{bad[0]} fails the symmetry test")
        if bad:  # an unfinished answer: keep only the generators that are symmetries
            alg.basis = [g for g in alg.basis if not any(g is b for b in bad)]
    if certify and (not alg.families or _ode_families(alg)):
        left = remaining()
        try:
            with time_limit(None if left is None else max(left - 0.5, 1e-3)):
                _count(alg, eqs, unknowns, project, jet, kind, v, B, system)
        except SolverTimeout:
            if alg.families:
                alg.complete = False
                alg.reason = "time limit reached while counting the solutions of linear ODEs"
    if not alg.complete and not allow_incomplete:
        raise UnsolvedSystemError(sol.conditions, f"unsolved ({alg.reason}); remaining: "
                                  + "; ".join(f"{sp.sstr(e)} = 0" for e in sol.conditions[:12]))
    return alg


def _ode_families(alg) -> bool:
    """Families whose functions all depend on one variable and are all tied by conditions
    (linear ODEs): a finite-dimensional space, not arbitrary functions."""
    for _vf, _B, funcs, conds in alg.families:
        if any(len(f.args) > 1 for f in funcs):
            return False
        if any(not any(c.has(f) for c in conds) for f in funcs):
            return False
    return True


def _count(alg, eqs, unknowns, project, jet, kind, v, B, system):
    """The independent route: the formal count bounds the dimension; a finite answer must
    reach it.  When the solver stopped short (unsolved, or linear ODEs for functions of one
    variable left as families), polynomial solutions by undetermined coefficients may reach
    the bound; then they are the algebra.  Otherwise the answer is marked incomplete."""
    variables = _variables(jet)
    finished = alg.complete and not alg.families
    bound = formal_dimension_bound(eqs, unknowns, variables, project=project,
                                   target=len(alg.basis) if finished else None)
    alg.bound = bound
    if bound.bound is None:
        if alg.families and alg.complete:  # single-variable families of unknown dimension
            alg.complete = False
            alg.reason = ("linear ODEs for functions of one variable remain and the formal "
                          "count did not bound their solution space")
        return
    if finished and bound.bound == len(alg.basis):
        return
    found = _polynomial_algebra(eqs, unknowns, project, jet, kind, v, B, system, bound.bound)
    if found is not None and len(found.basis) < bound.bound:
        bound = formal_dimension_bound(eqs, unknowns, variables, project=project,
                                       target=len(found.basis))
    if found is not None and bound.bound == len(found.basis):
        alg.__dict__.update(found.__dict__)
        alg.bound = bound
        return
    alg.complete = False
    alg.reason = (f"the formal power series count allows up to {bound.bound} independent "
                  f"symmetries (jet order {bound.order}, prolongation {bound.prolongation}); "
                  f"the solver found {len(alg.basis)}"
                  + (" and families of functions of one variable" if alg.families else ""))


def _polynomial_algebra(eqs, unknowns, project, jet, kind, v, B, system, target,
                        max_degree=6):
    """The algebra spanned by the polynomial (then Laurent polynomial) solutions of the
    determining equations (verified symmetries), of the lowest degree that gives ``target``
    independent generators."""
    best = None
    atoms = exponential_atoms(eqs, _variables(jet))
    plan = [(d, False, ()) for d in range(1, max_degree + 1)]
    plan += [(d, True, ()) for d in range(1, max_degree - 1)]
    if atoms:
        plan += [(d, False, atoms) for d in range(1, max_degree)]
    for degree, laurent, extra in plan:
        sols = polynomial_solutions(eqs, unknowns, _variables(jet), degree, laurent=laurent,
                                    atoms=extra)
        if sols is None:
            continue
        consts = sp.symbols(f"c1:{len(sols) + 1}")
        targets = {str(u.func): sp.Add(*[c * s[u] for c, s in zip(consts, sols)])
                   for u in unknowns}
        sol = LinearPDESolution(targets=targets, constants=list(consts), functions=[],
                                conditions=[], complete=True, steps=0,
                                log=[f"polynomial solutions of degree <= {degree}"])
        alg = _assemble(jet, kind, v, B, sol)
        if system is not None:
            alg.basis = [g for g in alg.basis if is_point_symmetry(g, system)]
        best = alg
        if len(alg.basis) >= target:
            return alg
    return best


def _guarded(fn, timeout):
    try:
        with time_limit(timeout):
            return fn()
    except SolverTimeout:
        raise UnsolvedSystemError([], f"time limit of {timeout} s reached before the "
                                      f"determining equations were solved") from None
    except NotSplittableError as err:
        raise UnsolvedSystemError([err.expr], f"unsolved: {err}") from None


def lie_point_symmetries(system: PDESystem, *, allow_incomplete: bool = False,
                         max_steps: int = 400, timeout: float | None = None,
                         certify: bool = True, max_terms: int = 500) -> SymmetryAlgebra:
    """Lie point symmetry algebra of a PDE system, derived by solving the determining
    equations.

    Parameters
    ----------
    system : PDESystem
    allow_incomplete : return an incomplete answer (``result.complete`` False, ``reason`` and
        the remaining equations in ``result.solution.conditions``) instead of raising.
    max_steps, timeout : limits of the search (steps, seconds); reaching one leaves the answer
        incomplete, never wrong.
    certify : compare a finite answer's dimension with the formal power series count
        (:func:`~fieldsym.formal.formal_dimension_bound`); a larger count marks it incomplete.
    max_terms : refuse equations whose expansion has more terms (:func:`expanded_terms`).

    Raises
    ------
    UnsolvedSystemError
        When the solver cannot finish (unless ``allow_incomplete``), with the remaining
        equations.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> heat = PDESystem(jet, [jet.coord("u", t) - jet.coord("u", (x, x))])
    >>> len(lie_point_symmetries(heat).basis)
    6
    """
    check_size(system.equations, max_terms)

    def run():
        eqs, unknowns, v = point_determining_equations(system)
        return _finish(system.jet, "point", v, None, eqs, unknowns, None, system,
                       allow_incomplete=allow_incomplete, max_steps=max_steps, timeout=timeout,
                       certify=certify)

    return _guarded(run, timeout)


def variational_symmetries(L, jet: JetSpace, *, allow_incomplete: bool = False,
                           max_steps: int = 400, timeout: float | None = None,
                           certify: bool = True, max_terms: int = 500) -> SymmetryAlgebra:
    r"""Variational (divergence) point symmetries of ``L``:
    :math:`\mathrm{pr}\,v(L) + L\,\mathrm{Div}\,\xi = \mathrm{Div}\,B`.

    Generators that change only ``B`` (null divergences) are dropped.  Options as in
    :func:`lie_point_symmetries`; the formal count is projected onto :math:`(\xi, \phi)`.
    """
    check_size([L], max_terms)

    def run():
        eqs, unknowns, v, B = variational_determining_equations(L, jet)
        project = unknowns[:len(jet.independent) + len(jet.fields)]
        return _finish(jet, "variational", v, B, eqs, unknowns, project, None,
                       allow_incomplete=allow_incomplete, max_steps=max_steps, timeout=timeout,
                       certify=certify)

    return _guarded(run, timeout)

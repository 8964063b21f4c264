r"""Shared machinery of the characteristic searches (multipliers, generalized symmetries).

An unknown characteristic :math:`K_s` (one per slot: per equation for multipliers, per field for
generalized symmetries) is sought as a function of the independent variables and the
*parametric* jet coordinates of a system up to a given order: those that are not derivatives of
a principal coordinate, so that a characteristic never vanishes on solutions unless it is zero
(Olver §4.3).  Two ansätze:

* ``degree=None`` (general): :math:`K_s = f_s(x, u^{(q)}_{\text{par}})`, one arbitrary function
  of all of them.  Complete, but the determining system has unknowns of many arguments and only
  low orders finish.
* ``degree=d`` (polynomial): :math:`K_s = \sum_m f_{s,m}(x, u)\, m`, with :math:`m` running over
  the monomials of degree at most :math:`d` in the parametric coordinates of orders
  :math:`1..q`, and :math:`f_{s,m}` arbitrary functions of the independent variables and the
  undifferentiated fields.  Complete within that class.

A condition :math:`C[K] = 0` that must hold identically in the jet space is split by the jet
coordinates on which no unknown depends (it is polynomial in them) and handed to
:func:`~fieldsym.determining.solve_linear_pde_system`; the answer is turned into a basis over the
constants plus families with arbitrary functions.  The unknowns are handled as plain symbols and
the easy part of the system is solved first (:mod:`fieldsym._unknowns`).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from ._algebra import _coefficient_rows
from ._unknowns import Unknowns, apply_presolved, presolve, split_by, tidy_denominators
from .determining import LinearPDESolution, UnsolvedSystemError, solve_linear_pde_system
from .jets import PDESystem

__all__: list[str] = []  # private module

_ = UnsolvedSystemError  # re-exported for the search modules


def check_order(order, degree):
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be an integer >= 0, got {order!r}")
    if degree is not None and (isinstance(degree, bool) or not isinstance(degree, int)
                               or degree < 0):
        raise ValueError(f"degree must be None (general ansatz) or an integer >= 0, "
                         f"got {degree!r}")


def is_parametric(system: PDESystem, c) -> bool:
    """Whether jet coordinate ``c`` is no derivative of a principal coordinate."""
    jet = system.jet
    f, mi = jet.info(c)
    for p in system.principal:
        pf, pmi = jet.info(p)
        if pf == f and all(a >= b for a, b in zip(mi, pmi)):
            return False
    return True


def parametric_coords(system: PDESystem, order: int) -> list[sp.Symbol]:
    """Parametric coordinates of all fields up to ``order`` (sorted by order, then name)."""
    jet = system.jet
    out = [c for f in jet.fields for c in jet.coords_upto(f, order) if is_parametric(system, c)]
    return sorted(out, key=lambda s: (sum(jet.info(s)[1]), s.name))


@dataclass
class Ansatz:
    """Unknown characteristic components (symbol form, see :class:`Unknowns`)."""

    components: list  # one expression per slot
    unknowns: list  # head symbols
    variables: tuple  # what the unknowns may depend on (solver splits/integrates over these)
    arguments: set  # symbols that occur as arguments of some unknown
    registry: Unknowns


def build_ansatz(system: PDESystem, order: int, degree, slots: int, prefix: str) -> Ansatz:
    jet = system.jet
    par = parametric_coords(system, order)
    base = tuple(jet.independent) + tuple(c for c in par if sum(jet.info(c)[1]) == 0)
    higher = [c for c in par if sum(jet.info(c)[1]) >= 1]
    reg = Unknowns()
    if degree is None:
        args = base + tuple(higher)
        unknowns = [reg.function(f"{prefix}{s}", args) for s in range(slots)]
        return Ansatz(list(unknowns), unknowns, args, set(args), reg)
    monomials = [sp.S.One]
    for d in range(1, degree + 1):
        monomials += [sp.Mul(*m) for m in itertools.combinations_with_replacement(higher, d)]
    comps, unknowns = [], []
    for s in range(slots):
        fs = [reg.function(f"{prefix}{s}_{k}", base) for k in range(len(monomials))]
        unknowns += fs
        comps.append(sp.Add(*[f * m for f, m in zip(fs, monomials)]))
    return Ansatz(comps, unknowns, base, set(base), reg)


def jet_symbols(jet, exprs) -> set:
    return set().union(*[set(jet.coords_in(e)) for e in exprs]) if exprs else set()


def _has_radicals(e) -> bool:
    return any((isinstance(a, sp.Pow) and not a.exp.is_Integer) or
               (isinstance(a, sp.Function) and not isinstance(a, AppliedUndef))
               for a in e.atoms(sp.Pow, sp.Function))


def _left(deadline):
    """Seconds left before ``deadline`` (``None``: no limit), at least a millisecond."""
    return None if deadline is None else max(deadline - time.perf_counter(), 1e-3)


def check_deadline(deadline, eqs):
    """Raise :class:`UnsolvedSystemError` (naming the equations left) once past ``deadline``."""
    if deadline is not None and time.perf_counter() > deadline:
        raise UnsolvedSystemError(eqs, f"time limit reached with {len(eqs)} determining "
                                       f"equations left")


def solve(eqs, unknowns, variables, targets, max_steps, deadline=None) -> LinearPDESolution:
    """:func:`solve_linear_pde_system`, staged: when some equations have radical or
    transcendental coefficients (``sqrt(x**2 + y**2)``, ``sin(u)``) and others do not, the
    plain ones are solved first and their general solution is substituted into the rest, so
    the solver never eliminates through a radical coefficient it could avoid."""
    check_deadline(deadline, eqs)
    plain = [e for e in eqs if not _has_radicals(e)]
    if not plain or len(plain) == len(eqs):
        return solve_linear_pde_system(eqs, unknowns, variables, targets, max_steps=max_steps,
                                       timeout=_left(deadline))
    names = {f"_u{k}": u for k, u in enumerate(unknowns)}
    first = solve_linear_pde_system(plain, unknowns, variables, names, max_steps=max_steps,
                                    timeout=_left(deadline))
    if not first.complete:
        return solve_linear_pde_system(eqs, unknowns, variables, targets, max_steps=max_steps,
                                       timeout=_left(deadline))
    consts = {c: sp.Dummy(f"s{k}") for k, c in enumerate(first.constants)}
    values = [(u, first.targets[n].xreplace(consts)) for n, u in names.items()]
    rest = [apply_substitutions(e, values) for e in eqs if _has_radicals(e)]
    heads = set(consts.values()) | set(first.functions)
    rest = [sp.expand(sp.numer(sp.together(tidy_denominators(e)))) for e in rest if e != 0]
    rest = [primitive(e, [o for o, _, _ in _occurrences(e, heads)]) for e in rest]
    conds = [c.xreplace(consts) for c in first.conditions]
    new_targets = {k: apply_substitutions(v, values) for k, v in targets.items()}
    return solve_linear_pde_system(rest + conds, list(consts.values()) + list(first.functions),
                                   variables, new_targets, max_steps=max_steps,
                                   timeout=_left(deadline))


def fresh_constants(solution: LinearPDESolution, tag: str):
    """Replace the solver's ``c1, c2, ...`` by dummies (they may clash with user parameters)."""
    rep = {c: sp.Dummy(f"{tag}{k}") for k, c in enumerate(solution.constants, 1)}
    return rep


def basis_and_families(targets: list, solution_constants, functions, conditions, variables,
                       jet=None):
    """Split a general solution (vector of expressions in constants and functions) into a basis
    over the constants and families of arbitrary functions (functions linked by a condition
    form one family).  Returns ``(basis, families)``; a family is ``(vector, functions,
    conditions)``; the arbitrary functions are renamed ``f1, f2, ...``."""
    taken = {str(a) for e in list(targets) + list(conditions) for a in sp.sympify(e).free_symbols}
    names, k = {}, 0
    for f in functions:
        while True:
            k += 1
            if f"f{k}" not in taken:
                break
        names[f] = sp.Function(f"f{k}")(*f.args)
    targets = [sp.sympify(e).xreplace(names) for e in targets]
    conditions = [sp.sympify(c).xreplace(names) for c in conditions]
    functions = [names[f] for f in functions]
    zero_f = {f: sp.S.Zero for f in functions}
    basis = []
    for c in solution_constants:
        subs = {cc: (sp.S.One if cc == c else sp.S.Zero) for cc in solution_constants} | zero_f
        vec = [sp.expand(sp.sympify(e).xreplace(subs).doit()) for e in targets]
        if all(v == 0 for v in vec):
            continue
        trial = _coefficient_rows(basis + [vec], variables)
        if trial.rank() <= len(basis):
            continue
        basis.append(_normalize(vec, variables))
    if jet is not None:  # display order: by derivative order, then size
        basis.sort(key=lambda vec: (max(jet.order(e) for e in vec),
                                    sum(len(sp.Add.make_args(e)) for e in vec), str(vec)))
    groups: list[set] = []
    for f in functions:
        linked = {f}
        for cnd in conditions:
            if cnd.has(f):
                linked |= {g for g in functions if cnd.has(g)}
        for g in [g for g in groups if g & linked]:
            groups.remove(g)
            linked |= g
        groups.append(linked)
    families = []
    zero_c = {c: sp.S.Zero for c in solution_constants}
    for grp in groups:
        subs = zero_c | {f: sp.S.Zero for f in functions if f not in grp}
        vec = [sp.expand(sp.sympify(e).xreplace(subs).doit()) for e in targets]
        if all(v == 0 for v in vec):
            continue
        conds = [c for c in conditions if any(c.has(f) for f in grp)]
        families.append((vec, [f for f in functions if f in grp], conds))
    return basis, families


def _normalize(vec, variables):
    """Scale so that numeric coefficients are coprime integers, the first one positive."""
    terms = [t for v in vec for t in sp.Add.make_args(sp.expand(v)) if t != 0]
    if not terms:
        return vec
    coefs = [t.as_independent(*variables, as_Add=False)[0] for t in terms]
    nums = [c.as_coeff_Mul()[0] for c in coefs]
    if not all(n.is_Rational for n in nums):
        return vec
    den = sp.Integer(sp.ilcm(*[sp.fraction(n)[1] for n in nums], 1))
    ints = [sp.Integer(n * den) for n in nums]
    g = sp.Integer(sp.igcd(*ints, 0))
    scale = den / g * (1 if ints[0] > 0 else -1)
    return [sp.expand(scale * v) for v in vec]


def applied_functions(exprs) -> set:
    return set().union(*[sp.sympify(e).atoms(AppliedUndef) for e in exprs]) if exprs else set()


def _occurrences(e, heads):
    """``[(occurrence, unknown, {variable: count})]`` for the unknowns and their derivatives."""
    out = []
    for a in e.atoms(sp.Derivative):
        if a.expr in heads:
            out.append((a, a.expr, dict(a.variable_count)))
    rest = e.xreplace({o: sp.Dummy() for o, _, _ in out}) if out else e
    for a in rest.atoms(AppliedUndef):
        if a in heads:
            out.append((a, a, {}))
    for a in rest.free_symbols:
        if a in heads:
            out.append((a, a, {}))
    return out


def apply_substitutions(expr, subs):
    """Apply :func:`presolve`'s substitutions (derivatives of the replaced functions too)."""
    expr = sp.sympify(expr)
    for h, value in subs:
        mapping = {}
        for o, _hh, cnt in _occurrences(expr, {h}):
            mapping[o] = sp.diff(value, *cnt.items()) if cnt else value
        if mapping:
            expr = expr.xreplace(mapping)
    return sp.expand(expr)


def primitive(eq, occ):
    """``eq`` (linear in the unknown occurrences ``occ``) divided by the common factor of its
    coefficients; radicals and functions are treated as extra polynomial generators, so the
    factor :math:`(x^2+y^2)^{7/2}` of an equation is found and removed."""
    occ = [o for o in occ if eq.has(o)]
    if not occ:
        return eq
    dums = {o: sp.Dummy() for o in occ}
    lin = sp.expand(eq.xreplace(dums))
    coeffs = [lin.coeff(d) for d in dums.values()]
    atoms = {}
    for c in coeffs:
        for a in c.atoms(sp.Pow, sp.Function):
            if isinstance(a, sp.Pow) and a.exp.is_Integer:
                continue
            atoms.setdefault(a, sp.Dummy())
    polys = [sp.expand(c.xreplace(atoms)) for c in coeffs]
    if any(p.has(*atoms.keys()) for p in polys):
        return eq
    try:
        g = sp.gcd_list(polys) if len(polys) > 1 else sp.factor(polys[0])
    except (sp.PolynomialError, NotImplementedError):
        return eq
    if g.is_Number or g == 0:
        return eq
    back = {d: a for a, d in atoms.items()}
    out = sp.Add(*[sp.expand(sp.cancel(p / g)).xreplace(back) * o
                   for p, o in zip(polys, occ)])
    rest = sp.expand(lin - sp.Add(*[c * d for c, d in zip(coeffs, dums.values())]))
    if rest != 0:
        return eq
    return sp.expand(out)


def determining_system(jet, an: Ansatz, conditions, what: str):
    """``(equations, unknowns, variables)`` in applied-function form: the split conditions,
    before any solving (for independent checks such as :mod:`fieldsym.formal`)."""
    reg = an.registry
    eqs = []
    for e in conditions:
        eqs += split_by(e, [c for c in jet.coords_in(e) if c not in an.arguments], what)
    return ([reg.applied(e) for e in eqs], [reg.applied(h) for h in an.unknowns],
            list(an.variables))


def run_search(jet, an: Ansatz, conditions, targets: dict, max_steps: int, what: str,
               deadline=None):
    """Split symbol-form ``conditions`` (which must vanish identically) by the jet coordinates
    the unknowns do not depend on, presolve, and solve; ``targets`` (symbol form) are
    expressed through the general solution.  Returns ``(solution, number of equations)``."""
    reg = an.registry
    eqs = []
    for e in conditions:
        for piece in split_by(e, [c for c in jet.coords_in(e) if c not in an.arguments], what):
            eqs.append(primitive(piece, reg.symbols_in(piece)))
    count = len(eqs)
    check_deadline(deadline, eqs)
    eqs, unknowns, subs = presolve(eqs, reg, an.unknowns, an.variables, deadline=deadline)
    keys = list(targets)
    values = apply_presolved([targets[k] for k in keys], reg, subs)
    applied_targets = {k: reg.applied(v) for k, v in zip(keys, values)}
    sol = solve([reg.applied(e) for e in eqs], [reg.applied(h) for h in unknowns],
                an.variables, applied_targets, max_steps, deadline)
    return sol, count

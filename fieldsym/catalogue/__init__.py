r"""A catalogue of differential equations with their published point-symmetry algebras.

Every :class:`Entry` holds an equation (or system, or Lagrangian) as text, the generators its
source lists, and the source.  :func:`check_entry` runs the solver on it and compares:

* the published generators must be symmetries (:func:`~fieldsym.symmetries.is_point_symmetry`;
  a failure is a defect of the entry, reported as ``"entry-error"``);
* the solver's answer must be complete, span the published finite generators up to a change of
  basis, have as many infinite families as published, and contain the published members of
  those families (``"matched"``);
* an incomplete answer is ``"unsolved"`` (with the reason and remaining equations);
  a complete answer that differs is ``"wrong"`` -- the outcome the solver must never give.

Generators are written with ``d_x``, ``d_t``, ``d_u`` for the basis vector fields, e.g.
``"4*t*x*d_x + 4*t**2*d_t - (x**2 + 2*t)*u*d_u"``, and parsed with the safe parser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp

from .._algebra import SymmetryAlgebra, member_of
from .._limits import cpu_clock
from ..jets import JetSpace, PDESystem
from ..parsing import parse_equation, parse_expression, parse_field_declarations
from ..symmetries import (
    is_point_symmetry,
    lie_point_symmetries,
    same_span,
    span_contains,
    variational_symmetries,
)
from ..vector_fields import VectorField

__all__ = ["Entry", "Outcome", "check_entry", "entries", "vector_field"]


@dataclass(frozen=True)
class Entry:
    """One catalogue entry.

    Attributes
    ----------
    name : short name
    source : where the published algebra comes from (book and section, or paper)
    vars, fields, params : declarations as on the command line (``"x t"``, ``"u"`` or
        ``"N(u,phi)"``, ``"k n"``)
    equations : equations as text (``"u_t = u_xx"``); empty for a Lagrangian entry
    generators : the published finite generators (``d_x``-notation)
    families : number of infinite families (arbitrary functions) published (compared as
        present or absent: how the functions group into families is a presentation choice)
    members : published members of the families (generators in ``d_x``-notation)
    lagrangian : for variational symmetries, the Lagrangian as text
    solve_for : principal derivatives, when the entry fixes them
    """

    name: str
    source: str
    vars: str
    fields: str
    equations: tuple = ()
    generators: tuple = ()
    params: str = ""
    families: int = 0
    members: tuple = ()
    lagrangian: str = ""
    solve_for: tuple = ()
    tags: tuple = field(default_factory=tuple)


@dataclass
class Outcome:
    """Result of :func:`check_entry`: ``status`` is matched, unsolved, wrong, entry-error (a
    published generator fails the symmetry test) or entry-incomplete (the solver finds verified
    symmetries beyond the entry's list)."""

    entry: Entry
    status: str
    seconds: float
    cpu_seconds: float
    found: int = 0
    published: int = 0
    certified: bool = False
    detail: str = ""


def _jet(entry):
    names = entry.vars.split()
    decl = parse_field_declarations(_split_fields(entry.fields), names)
    return JetSpace([sp.Symbol(v) for v in names],
                    {k: [sp.Symbol(a) for a in v] for k, v in decl.items()})


def _split_fields(text):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == " " and depth == 0:
            if cur:
                out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur:
        out.append(cur)
    return out


def vector_field(text, jet, params=()):
    """Parse ``"x*d_x + 2*t*d_t"`` into a :class:`VectorField` on ``jet``."""
    marks = {v: sp.Symbol(f"d_{v.name}") for v in jet.independent}
    marks.update({f: sp.Symbol(f"d_{f.name}") for f in jet.fields})
    expr = sp.expand(parse_expression(text, jet, list(params) + list(marks.values())))
    comps = {s: expr.coeff(m) for s, m in marks.items()}
    rest = sp.expand(expr - sum(c * marks[s] for s, c in comps.items()))
    if rest != 0:
        raise ValueError(f"generator {text!r}: a term without d_...: {rest}")
    return VectorField(jet, {v: comps[v] for v in jet.independent},
                       {f: comps[f] for f in jet.fields})


def check_entry(entry: Entry, *, timeout: float = 60.0, cpu: bool = True) -> Outcome:
    """Run the solver on ``entry`` and compare with the published algebra.  ``timeout`` is in
    CPU seconds when ``cpu`` (independent of the load of a shared machine), else wall-clock."""
    if cpu:
        with cpu_clock():
            return _check(entry, timeout)
    return _check(entry, timeout)


def _check(entry: Entry, timeout: float) -> Outcome:
    jet = _jet(entry)
    params = [sp.Symbol(p) for p in entry.params.split()]
    gens = [vector_field(g, jet, params) for g in entry.generators]
    members = [vector_field(g, jet, params) for g in entry.members]
    system = None
    if entry.equations:
        eqs = [parse_equation(e, jet, params) for e in entry.equations]
        solve_for = [parse_expression(s, jet, params) for s in entry.solve_for] or None
        system = PDESystem(jet, eqs, solve_for=solve_for)
        bad = [g for g in gens + members if not is_point_symmetry(g, system)]
        if bad:
            return Outcome(entry, "entry-error", 0.0, 0.0, detail=f"not a symmetry: {bad[0]}")
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        if system is not None:
            alg = lie_point_symmetries(system, allow_incomplete=True, timeout=timeout)
        else:
            L = parse_expression(entry.lagrangian, jet, params)
            alg = variational_symmetries(L, jet, allow_incomplete=True, timeout=timeout)
    except Exception as err:  # noqa: BLE001 - every failure is reported, never hidden
        return Outcome(entry, "unsolved", time.perf_counter() - t0, time.process_time() - c0,
                       published=len(gens), detail=f"{type(err).__name__}: {err}"[:400])
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = Outcome(entry, "unsolved", secs, cpu, found=len(alg.basis), published=len(gens),
                  certified=alg.bound is not None and alg.bound.bound == len(alg.basis))
    if not alg.complete:
        out.detail = alg.reason
        return out
    problems = []
    if not _same_modulo_families(alg, gens):
        if gens and all(span_contains(alg.basis, g) for g in gens):
            out.status = "entry-incomplete"  # every found generator is a verified symmetry
            out.detail = f"found {len(alg.basis)} generators, the entry lists {len(gens)}"
            return out
        problems.append(f"finite part: found {len(alg.basis)}, published {len(gens)}")
    if bool(alg.families) != bool(entry.families):  # infinite part present on both or none
        problems.append(f"families: found {len(alg.families)}, published {entry.families}")
    missing = [m for m in members if not alg.contains(m, families=True)]
    if missing:
        problems.append(f"published member not in the answer: {missing[0]}")
    if problems:
        out.status, out.detail = "wrong", "; ".join(problems)
    else:
        out.status = "matched"
    return out


def _same_modulo_families(alg, gens) -> bool:
    """The found basis and the published generators span the same space, or (with families)
    the same space modulo members of the families."""
    if not gens and not alg.basis:
        return True
    if same_span(alg.basis, gens):
        return True
    if not alg.families or len(alg.basis) != len(gens):
        return False
    published = SymmetryAlgebra(alg.jet, alg.kind, list(gens), [], alg.families, alg.solution)
    return (all(alg.contains(g, families=True) for g in gens)
            and all(member_of(published, b) for b in alg.basis))


def entries() -> list[Entry]:
    """All catalogue entries, in a fixed order."""
    from . import _more, _odes, _pdes, _systems

    return (list(_odes.ENTRIES) + list(_pdes.ENTRIES) + list(_systems.ENTRIES)
            + list(_more.ENTRIES))


def transported(generators, old, new_of_old, new):
    """Generators written in coordinates ``new`` (text, ``d_<name>`` notation) pushed to the
    coordinates ``old`` through the published point transformation ``new = new_of_old(old)``.

    ``old`` and ``new`` are sequences of names; ``new_of_old`` are expressions (text) in the
    old names.  Used for equations that a source maps to a known one (a linearization):
    the images of the known generators are that equation's algebra.
    """
    olds = [sp.Symbol(n) for n in old]
    news = [sp.Symbol(n) for n in new]
    loc = {s.name: s for s in olds}
    exprs = [sp.sympify(e, locals=loc) for e in new_of_old]  # package constants, not input
    J = sp.Matrix([[e.diff(o) for o in olds] for e in exprs])
    Jinv = sp.simplify(J.inv())
    marks = [sp.Symbol(f"d_{n}") for n in new]
    back = dict(zip(news, exprs))
    out = []
    for g in generators:
        e = sp.expand(sp.sympify(g, locals={s.name: s for s in news + marks}))
        comps = sp.Matrix([e.coeff(m).xreplace(back) for m in marks])
        old_comps = (Jinv * comps).applyfunc(sp.simplify)
        out.append(" + ".join(f"({sp.sstr(c)})*d_{o}" for c, o in zip(old_comps, old)))
    return tuple(out)

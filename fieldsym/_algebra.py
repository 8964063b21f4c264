r"""The answer of a symmetry search: a basis, families with arbitrary functions, divergence
terms, completeness, and the commutator table; spans compared up to a change of basis.

Spans are compared by splitting every component into its coefficients with respect to the
functions of the variables that occur; trigonometric and hyperbolic functions are first written
through exponentials so that identities such as :math:`\sin^2 + \cos^2 = 1` hold term by term.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import mpmath
import sympy as sp

from ._zerotest import is_zero
from .determining import LinearPDESolution
from .splitting import _rank as mp_rank
from .vector_fields import VectorField

__all__ = ["SymmetryAlgebra", "span_contains", "same_span", "member_of"]


# ---------------------------------------------------------------------------- linear algebra
_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc, sp.sinh, sp.cosh, sp.tanh, sp.coth)


def _canonical_component(e):
    """Trigonometric and hyperbolic functions through exponentials, so that identities such as
    ``sin**2 + cos**2 = 1`` hold term by term."""
    e = sp.expand(e)
    if e.has(*_TRIG):
        e = sp.expand(sp.powsimp(sp.expand(e.rewrite(sp.exp))))
    return e


def _coefficient_rows(vectors: Sequence[Sequence[sp.Expr]], variables):
    keys: dict = {}
    rows = []
    for vec in vectors:
        row: dict = {}
        for i, comp in enumerate(vec):
            for term in sp.Add.make_args(_canonical_component(comp)):
                if term == 0:
                    continue
                coef, key = term.as_independent(*variables, as_Add=False)
                k = keys.setdefault((i, key), len(keys))
                row[k] = row.get(k, 0) + coef
        rows.append(row)
    return sp.Matrix(len(rows), len(keys), lambda r, c: rows[r].get(c, 0)) if keys else \
        sp.zeros(len(rows), 0)


def _variables(jet):
    return tuple(jet.independent) + tuple(jet.fields)


def _rank(vectors, variables, seed=29) -> int:
    """Rank over the constants of vector fields' component tuples: the components at as many
    pseudo-random points of the ``variables`` as there are vectors plus three (parameters
    fixed at one generic value: the constants may depend on them), by elimination with 50
    digits (independent of how the components are written: trig identities, radicals and
    rational forms need no canonical form)."""
    vectors = [tuple(sp.sympify(c) for c in v) for v in vectors]
    if not vectors:
        return 0
    syms = sorted(set().union(*[c.free_symbols for v in vectors for c in v]),
                  key=lambda s: s.name)
    rng = random.Random(seed)
    fixed = {s: mpmath.mpf(rng.randint(300, 1700)) / 997 for s in syms if s not in variables}
    rows = [[] for _ in vectors]
    fns = [sp.lambdify(syms, list(v), modules="mpmath", dummify=True) for v in vectors]
    points = len(vectors) + 3
    taken = 0
    with mpmath.workdps(50):
        while taken < points:
            pt = [fixed[s] if s in fixed else mpmath.mpf(rng.randint(300, 1700)) / 1013
                  for s in syms]
            try:
                vals = [[mpmath.mpmathify(c) for c in f(*pt)] for f in fns]
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                continue
            if not all(mpmath.isfinite(c) for row in vals for c in row):
                continue
            for r, val in zip(rows, vals):
                r.extend(val)
            taken += 1
        return mp_rank(rows)


def span_contains(basis: Sequence[VectorField], v: VectorField) -> bool:
    """Whether ``v`` is a constant-coefficient combination of ``basis`` (numeric rank, see
    :func:`_rank`)."""
    if not basis:
        return v.is_zero()
    comps = [b.components() for b in basis]
    var = set(_variables(v.jet))
    return _rank(comps + [v.components()], var) == _rank(comps, var)


def same_span(a: Sequence[VectorField], b: Sequence[VectorField]) -> bool:
    """Whether two lists of vector fields span the same space over the constants."""
    if not a and not b:
        return True
    var = set(_variables((list(a) + list(b))[0].jet))
    ca, cb = [x.components() for x in a], [x.components() for x in b]
    ra, rb = _rank(ca, var), _rank(cb, var)
    return ra == rb == _rank(ca + cb, var)


def _coordinates_in(basis, v):
    """Constants ``a`` with ``v = sum a_k basis_k``, or ``None``."""
    M = _coefficient_rows([b.components() for b in basis] + [v.components()],
                          _variables(v.jet))
    A, rhs = M[:-1, :].T, M[-1, :].T
    a = sp.symbols(f"a0:{len(basis)}")
    sol = sp.linsolve((A, rhs), *a)
    if not sol:
        return None
    (vals,) = tuple(sol)
    vals = [sp.nsimplify(x) if not x.free_symbols else x.subs({s: 0 for s in a}) for x in vals]
    vals = [sp.expand(sp.simplify(x)) if x.has(sp.I, sp.exp) else x for x in vals]
    combo = [sp.Add(*[c * b.components()[i] for c, b in zip(vals, basis)])
             for i in range(len(v.components()))]
    if not all(is_zero(sp.expand(cm - vc)) for cm, vc in zip(combo, v.components())):
        return None
    return vals


def _linear_solve_by_sampling(residuals, unknowns, variables, points=6, seed=5):
    """Values of ``unknowns`` (symbols entering linearly) that make every residual vanish
    identically in ``variables``: linear equations from random rational points, then an exact
    check; ``None`` when there is none."""
    rng = random.Random(seed)
    eqs = []
    for _ in range(points):
        sub = {w: sp.Rational(rng.randint(300, 1700), rng.randint(900, 1100)) for w in variables}
        eqs += [sp.expand(r.xreplace(sub)) for r in residuals]
    eqs = [e for e in eqs if e != 0]
    if not eqs:
        return {a: sp.S.Zero for a in unknowns}
    sol = sp.linsolve(eqs, list(unknowns))
    if not sol:
        return None
    (vals,) = tuple(sol)
    fixed = {a: sp.S.Zero for a in unknowns}
    values = {a: sp.simplify(val.xreplace(fixed)) for a, val in zip(unknowns, vals)}
    if all(is_zero(r.xreplace(values)) for r in residuals):
        return values
    return None


def member_of(algebra, v: VectorField) -> bool:
    """Whether ``v = sum a_k v_k + (a member of the families)``.  Families whose vector field
    has components that are a bare function (``f(x, t) d_u``, ``f1 d_x + f2 d_t``) are matched by
    reading those functions off the remainder; the other components and the families'
    conditions must then hold identically.  Returns False when a family has no bare
    component to read from."""
    jet = v.jet
    a = sp.symbols(f"_a0:{len(algebra.basis)}")
    rest = list(v.components())
    for ak, b in zip(a, algebra.basis):
        rest = [r - ak * c for r, c in zip(rest, b.components())]
    values = {}
    family_parts = [sp.S.Zero] * len(rest)
    for vf, _B, funcs, _conds in algebra.families:
        comps = vf.components()
        for i, c in enumerate(comps):
            coef, f = sp.S.One, c
            if c.is_Mul and c.args[0].is_Number:
                coef, f = c.args[0], c / c.args[0]
            if f in funcs and f not in values:
                values[f] = rest[i] / coef
        if any(f not in values for f in funcs):
            return False
    for vf, _B, _funcs, _conds in algebra.families:
        member = vf.map(lambda e: _put(e, values))
        family_parts = [p + m for p, m in zip(family_parts, member.components())]
    residuals = [sp.expand(r - p) for r, p in zip(rest, family_parts)]
    for _vf, _B, _funcs, conds in algebra.families:
        residuals += [sp.expand(_put(cnd, values)) for cnd in conds]
    return _linear_solve_by_sampling(residuals, a, _variables(jet)) is not None


def _put(expr, values):
    """Substitute functions (and their derivatives) by expressions."""
    rep = {}
    for d in sp.sympify(expr).atoms(sp.Derivative):
        if d.expr in values:
            rep[d] = sp.diff(values[d.expr], *d.variable_count)
    out = sp.sympify(expr).xreplace(rep)
    return out.xreplace(values)


# ---------------------------------------------------------------------------- result
class SymmetryAlgebra:
    """Symmetries found by the solver: a basis, families with arbitrary functions, and for
    variational symmetries the divergence terms ``B``.

    Attributes
    ----------
    basis : list of VectorField
    B : list of dict var -> expression (variational symmetries; zero dicts for strict ones)
    families : list of (VectorField, dict B, list of functions, list of conditions)
    solution : LinearPDESolution, the raw solver output
    kind : ``"point"`` or ``"variational"``
    complete : bool, False when the search stopped early or the formal count disagrees
    reason : str, why the answer is incomplete ("" when complete)
    bound : FormalBound or None, the independent dimension count of a finite answer
    """

    def __init__(self, jet, kind, basis, B, families, solution: LinearPDESolution):
        self.jet = jet
        self.kind = kind
        self.basis = basis
        self.B = B
        self.families = families
        self.solution = solution
        self.complete = solution.complete
        self.reason = solution.reason
        self.bound = None  # FormalBound of the independent count, when computed

    @property
    def assumptions(self) -> list:
        """Expressions in the parameters assumed nonzero (the generic case)."""
        return list(self.solution.assumptions)

    def __len__(self):
        return len(self.basis)

    def contains(self, v: VectorField, *, families: bool = False) -> bool:
        """Whether ``v`` lies in the span of the finite basis (``families``: or in the span
        plus a member of the families, see :func:`member_of`)."""
        if span_contains(self.basis, v):
            return True
        return families and bool(self.families) and member_of(self, v)

    def specialize(self, family: int, values) -> tuple[VectorField, dict]:
        """The member of family ``family`` (0-based) with its functions set to ``values``
        (mapping applied function -> expression); raises ValueError when a condition fails."""
        vf, B, funcs, conds = self.families[family]
        unknown = [f for f in values if f not in funcs]
        if unknown:
            raise ValueError(f"family {family} has functions {funcs}, got values for {unknown}")

        def put(e):
            for f, val in values.items():
                e = e.subs(f, sp.sympify(val))
            return sp.expand(e.doit())

        for c in conds:
            r = put(c)
            if r != 0:
                raise ValueError(f"condition {c} = 0 fails for these values: it gives {r}")
        missing = [f for f in funcs if f not in values]
        if missing:
            raise ValueError(f"give values for every function of the family; missing {missing}")
        return vf.map(put), {v: put(b) for v, b in B.items()}

    def commutator_table(self):
        """``table[i][j]``: ``[v_i, v_j]`` as a dict ``k -> coefficient`` in the basis, or the
        raw vector field when the bracket leaves the span (it then lies in a family)."""
        n = len(self.basis)
        table = [[{} for _ in range(n)] for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                br = self.basis[i].bracket(self.basis[j])
                if br.is_zero():
                    continue
                coords = _coordinates_in(self.basis, br)
                if coords is None:
                    table[i][j], table[j][i] = br, -br
                else:
                    table[i][j] = {k: c for k, c in enumerate(coords) if c != 0}
                    table[j][i] = {k: -c for k, c in table[i][j].items()}
        return table

    @staticmethod
    def _entry_text(entry, latex=False):
        if isinstance(entry, VectorField):
            return entry.latex() if latex else str(entry)
        if not entry:
            return "0"
        fmt = (lambda k: f"v_{{{k + 1}}}") if latex else (lambda k: f"v{k + 1}")
        expr = sp.Add(*[c * sp.Symbol(fmt(k)) for k, c in entry.items()])
        return sp.latex(expr) if latex else sp.sstr(expr)

    def _B_text(self, B, latex):
        nz = {v: b for v, b in B.items() if sp.expand(b) != 0}
        if not nz:
            return ""
        show = sp.latex if latex else sp.sstr
        body = ", ".join(f"B^{{{v}}} = {show(b)}" if latex else f"B^{v} = {show(b)}"
                         for v, b in nz.items())
        return f"  ({body})"

    def __str__(self):
        lines = [f"{self.kind} symmetries on {self.jet}: {len(self.basis)} generators"
                 + (f", {len(self.families)} families" if self.families else "")]
        for k, v in enumerate(self.basis):
            lines.append(f"  v{k + 1} = {v}" + (self._B_text(self.B[k], False) if self.B else ""))
        for k, (v, B, funcs, conds) in enumerate(self.families):
            cond = "; ".join(f"{sp.sstr(_short(c))} = 0" for c in conds) or "none"
            Bs = {x: _short(b) for x, b in B.items()}
            lines.append(f"  family {k + 1}: {v.map(_short)}{self._B_text(Bs, False)}   "
                         f"[{', '.join(map(str, funcs))} arbitrary with: {cond}]")
        if self.basis:
            lines.append("commutators [v_i, v_j]:")
            table = self.commutator_table()
            for i in range(len(self.basis)):
                for j in range(i + 1, len(self.basis)):
                    if table[i][j]:
                        lines.append(f"  [v{i + 1}, v{j + 1}] = {self._entry_text(table[i][j])}")
        return "\n".join(lines)

    def latex(self) -> str:
        """A LaTeX ``align*`` block with generators, families and nonzero commutators."""
        rows = []
        for k, v in enumerate(self.basis):
            rows.append(f"v_{{{k + 1}}} &= {v.latex()}"
                        + (r"\quad " + self._B_text(self.B[k], True) if self.B and
                           self._B_text(self.B[k], True) else ""))
        for v, B, _funcs, conds in self.families:
            cond = r",\ ".join(sp.latex(c) + " = 0" for c in conds)
            rows.append(f"&{v.latex()}" + (r"\quad " + self._B_text(B, True) if
                                           self._B_text(B, True) else "")
                        + (r"\quad " + cond if cond else ""))
        if self.basis:
            table = self.commutator_table()
            for i in range(len(self.basis)):
                for j in range(i + 1, len(self.basis)):
                    if table[i][j]:
                        rows.append(f"[v_{{{i + 1}}}, v_{{{j + 1}}}] &= "
                                    f"{self._entry_text(table[i][j], True)}")
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _normalize(vf: VectorField, B: dict, variables):
    """Scale a generator for presentation (spans are unchanged): multiply by the denominators
    its coefficients have in the parameters (parameters are nonzero), then by a number so that
    the first term's numeric factor is one and every numeric coefficient is an integer. It never
    divides by a parameter: that would give a generator undefined where an expression of the
    parameters vanishes (``(A x/B + 1) ∂_x`` for ``(A x + B) ∂_x``)."""
    comps = [c for c in vf.components() if c != 0]
    if not comps:
        return vf, B

    def coefficients(scale):
        return [t.as_independent(*variables, as_Add=False)[0]
                for c in comps for t in sp.Add.make_args(sp.expand(scale * c))]

    dens = [sp.fraction(sp.together(k))[1] for k in coefficients(1)]
    scale = sp.lcm_list(dens) if dens else sp.S.One
    scale /= scale.as_coeff_Mul()[0]
    coeffs = coefficients(scale)
    scale /= coeffs[0].as_coeff_Mul()[0]
    rational = [sp.fraction(k.as_coeff_Mul()[0])[1] for k in coefficients(scale)]
    scale *= sp.ilcm(*rational) if len(rational) > 1 else rational[0]

    def tidy(e):
        e = sp.expand(scale * e)
        if not any(t.as_numer_denom()[1].has(*variables) for t in sp.Add.make_args(e)):
            return e
        c = sp.cancel(e)  # (A x + B)**2/(A x + B) -> A x + B
        return sp.expand(c) if not sp.fraction(c)[1].has(*variables) else e

    return vf.map(tidy), {x: tidy(b) for x, b in B.items()}


def _short(expr):
    """Display form: ``Derivative(f(x, t), x, x)`` -> ``f_xx`` (text output only)."""
    rep = {}
    for d in sp.sympify(expr).atoms(sp.Derivative):
        names = [str(v) for v, k in d.variable_count for _ in range(k)]
        sep = "" if all(len(n) == 1 for n in names) else "_"
        head = d.expr.func.__name__ if hasattr(d.expr, "func") else str(d.expr)
        rep[d] = sp.Symbol(f"{head}_{sep.join(names)}")
    return sp.sympify(expr).xreplace(rep)


def _assemble(jet, kind, v, B, solution: LinearPDESolution):
    targets = solution.targets
    names_xi = {x: f"xi_{x.name}" for x in jet.independent}
    names_phi = {f: f"phi_{f.name}" for f in jet.fields}
    names_B = {x: f"B_{x.name}" for x in jet.independent} if B else {}

    def build(subs):
        vf = VectorField(jet, {x: targets[n].xreplace(subs).doit() for x, n in names_xi.items()},
                         {f: targets[n].xreplace(subs).doit() for f, n in names_phi.items()})
        bb = {x: sp.expand(targets[n].xreplace(subs).doit()) for x, n in names_B.items()}
        return vf.map(sp.expand), bb

    zero_f = {f: sp.S.Zero for f in solution.functions}
    gens, Bs = [], []
    for c in solution.constants:
        subs = {cc: (sp.S.One if cc == c else sp.S.Zero) for cc in solution.constants} | zero_f
        vf, bb = build(subs)
        if vf.is_zero():
            continue  # only B changes: a trivial (null) divergence term
        if gens and span_contains(gens, vf):
            continue
        vf, bb = _normalize(vf, bb, _variables(jet))
        gens.append(vf)
        Bs.append(bb)
    # families: functions linked through shared conditions form one family
    groups: list[set] = []
    for f in solution.functions:
        linked = {f}
        for cnd in solution.conditions:
            if cnd.has(f):
                linked |= {g for g in solution.functions if cnd.has(g)}
        merged = [g for g in groups if g & linked]
        for g in merged:
            groups.remove(g)
            linked |= g
        groups.append(linked)
    families = []
    zero_c = {c: sp.S.Zero for c in solution.constants}
    for grp in groups:
        subs = zero_c | {f: sp.S.Zero for f in solution.functions if f not in grp}
        vf, bb = build(subs)
        if vf.is_zero():
            continue
        conds = [c for c in solution.conditions if any(c.has(f) for f in grp)]
        funcs = [f for f in solution.functions if f in grp]
        families.append((vf, bb, funcs, conds))
    return SymmetryAlgebra(jet, kind, gens, Bs if B else [], families, solution)



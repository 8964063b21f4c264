r"""The charge algebra of an asymptotic symmetry analysis and its central extension, and the
same algebra in a mode basis the user chooses (re-exported by
:mod:`fieldsym.asymptotic_pipeline`).

Conventions (Barnich & Troessaert 2010; Barnich & Compère 2007): the parameters of the
modified bracket :math:`[\xi_1,\xi_2]_M = [\xi_1,\xi_2] - \delta_{\xi_1}\xi_2 +
\delta_{\xi_2}\xi_1` (the fields' variation acts on field-dependent vectors) define the
bracket of parameters; the charges represent it up to a central extension,
:math:`\{Q_1, Q_2\} = \delta_{\xi_2} Q_1 = Q_{[1,2]} + K_{1,2}`. In a mode basis
:math:`X_m` (parameters given as functions of the angle and of the mode index ``m``)
:math:`i\{X_m, Y_n\} = \sum_Z c_Z(m,n)\,Z_{m+n} + C(m)\,\delta_{n, n_0(m)}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ._pipeline_steps import SurfaceCharges, name_of, renamed, slice_at
from ._solver import Condition, reduce_on_shell, solve_system
from .asymptotics import linearize
from .charges import euler_operator_1d, virasoro_cocycle
from .tensors import lie_bracket

__all__ = [
    "ChargeAlgebra",
    "ModeBasis",
    "ModeBracket",
    "ModeAlgebra",
    "derive_charge_algebra",
    "derive_mode_algebra",
]


@dataclass(frozen=True)
class ChargeAlgebra:
    r"""Bracket of two generic asymptotic symmetries and the central extension.

    Attributes
    ----------
    charges : SurfaceCharges
    first, second : tuple
        Generic slice parameters of :math:`\xi_1, \xi_2` (``<name>_1(phi)``, ``<name>_2(phi)``).
    bracket : tuple
        Slice parameters of :math:`[\xi_1, \xi_2]_M`, in terms of ``first`` and ``second``.
    central : sympy.Expr
        :math:`K_{1,2}` density on the slice (field independent).
    """

    charges: SurfaceCharges
    first: tuple
    second: tuple
    bracket: tuple
    central: sp.Expr

    def _rep(self, p1, p2):
        return {**dict(zip(self.first, p1)), **dict(zip(self.second, p2))}

    def bracket_of(self, p1, p2) -> tuple:
        """Bracket parameters for given parameter values (expressions of the angle)."""
        rep = self._rep(p1, p2)
        return tuple(sp.expand(b.subs(rep).doit()) for b in self.bracket)

    def central_of(self, p1, p2) -> sp.Expr:
        """Central density for given parameter values."""
        return sp.expand(self.central.subs(self._rep(p1, p2)).doit())


def derive_charge_algebra(charges: SurfaceCharges) -> ChargeAlgebra:
    """Solve :math:`[\\xi_1,\\xi_2]_M = \\xi[\\,p_{12}]` order by order for the bracket
    parameters, then :math:`K = \\delta_2 Q_1 - Q_{[1,2]}` on the slice."""
    laws = charges.laws
    sym = laws.symmetries
    space, p = sym.space, sym.space.problem
    F = space.fields
    p1, ev1 = sym.copies("1")
    p2, ev2 = sym.copies("2")
    p12 = tuple(renamed(q, "12") for q in sym.parameters)
    ev = sym.evolution_of_all(ev1, ev2)
    x1, x2 = sym.vector(*p1), sym.vector(*p2)
    d1, d2 = laws.of(*p1), laws.of(*p2)
    lie = lie_bracket(x1, x2, p.coords)
    br = [
        lie[a] - linearize(x2[a], F, [d1[f] for f in F]) + linearize(x1[a], F, [d2[f] for f in F])
        for a in range(p.dim)
    ]
    target = sym.vector(*p12)
    conds = [
        Condition(br[a] - target[a], p.radial, None, f"[xi_1, xi_2]^{c}")
        for a, c in enumerate(p.coords)
    ]
    res = solve_system(conds, p12, variables=p.coords, time=p.time, evolution=ev)
    left = [q for q in res.free if q in p12]
    if left:
        raise ValueError(f"the bracket does not fix the parameters {left}")
    B = [sp.expand(res.solution[q]) for q in p12]
    # {Q_1, Q_2} = delta_2 Q_1 = Q_[1,2] + K
    dQ1 = charges.density.subs(dict(zip(sym.parameters, p1))).doit()
    dQ1 = dQ1.subs({v: d2[f] for f, v in zip(F, laws.variations)}).doit()
    Q12 = charges.charge_any_time.subs(dict(zip(sym.parameters, B))).doit()
    sl = lambda e: sp.expand(slice_at(e, p.time, p.slice_value, ev))  # noqa: E731
    K = sl(reduce_on_shell(dQ1 - Q12, ev, p.time))
    fields = space.slice_fields
    dep = [f for f in fields if euler_operator_1d(K, f, charges.angle) != 0]
    if dep:
        raise ValueError(f"the charge bracket is not a central extension: K depends on {dep}: {K}")
    K0 = sp.expand(K.subs({f: 0 for f in fields}).doit())
    return ChargeAlgebra(
        charges, tuple(sl(q) for q in p1), tuple(sl(q) for q in p2), tuple(sl(b) for b in B), K0
    )


@dataclass(frozen=True)
class ModeBasis:
    r"""A mode basis chosen by the user: named families of symmetry parameters on the slice,
    as functions of the angle and of the mode index.

    ``families`` maps a family name (e.g. ``"J"``) to its parameter values, either a sequence
    in the order of :attr:`AsymptoticSymmetries.parameters` or a mapping from parameter names
    (or slice parameter functions) to values; missing parameters are 0. Each value must be a
    sum of terms :math:`c\,e^{ik\phi}` (``k`` may contain ``index``).

    Examples
    --------
    >>> import sympy as sp
    >>> m, phi = sp.Symbol("m", integer=True), sp.Symbol("phi")
    >>> e = sp.exp(sp.I * m * phi)
    >>> ModeBasis({"J": {"Y": e}, "P": {"alpha": e}}, m).names
    ('J', 'P')
    """

    families: Mapping
    index: sp.Symbol = field(default_factory=lambda: sp.Symbol("m", integer=True))

    def __post_init__(self):
        if not isinstance(self.families, (Mapping, tuple)):
            raise TypeError(f"expected a mapping name -> parameter values, got {self.families!r}")
        items = []
        for name, vals in dict(self.families).items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"expected a family name that is an identifier, got {name!r}")
            if isinstance(vals, Mapping):
                pairs = tuple((k, sp.sympify(v)) for k, v in vals.items())
                items.append((name, "named", pairs))
            elif isinstance(vals, Sequence) and not isinstance(vals, str):
                items.append((name, "ordered", tuple(sp.sympify(v) for v in vals)))
            else:
                raise TypeError(f"family {name}: expected a sequence or mapping, got {vals!r}")
        if not isinstance(self.index, sp.Symbol):
            raise TypeError(f"expected a Symbol for the mode index, got {self.index!r}")
        object.__setattr__(self, "families", tuple(items))

    @property
    def names(self) -> tuple:
        return tuple(n for n, _, _ in self.families)

    def resolve(self, parameters) -> dict:
        """``{family: values in the order of parameters}``."""
        out = {}
        for name, kind, vals in self.families:
            if kind == "named":
                given = dict(vals)
                row = []
                for q in parameters:
                    key = q if q in given else name_of(q)
                    row.append(given.pop(key, sp.S.Zero))
                if given:
                    raise ValueError(
                        f"family {name}: unknown parameters {list(given)}; the parameters are "
                        f"{[name_of(q) for q in parameters]}"
                    )
                out[name] = tuple(row)
            else:
                if len(vals) != len(parameters):
                    raise ValueError(
                        f"family {name}: expected {len(parameters)} values (for "
                        f"{list(parameters)}), got {len(vals)}"
                    )
                out[name] = vals
        return out


@dataclass(frozen=True)
class ModeBracket:
    r""":math:`i\{A_m, B_n\} = \sum_C c_C\,C_{m+n} + \text{central}`.

    Attributes
    ----------
    left, right : str
    structure : tuple of (str, sympy.Expr)
        The coefficients :math:`c_C(m, n)` (times ``i``) of the families at index ``m + n``.
    central : sympy.Expr
        The central term (with its Kronecker delta).
    central_function : sympy.Expr or None
        The central term on the support of its delta (``n = support``), a function of ``m``.
    support : sympy.Expr or None
    central_charge, shift : sympy.Expr or None
        The fit :math:`C(m) = \frac{c}{12}(m^3 - m) + 2ms` where ``support = -m``.
    """

    left: str
    right: str
    structure: tuple
    central: sp.Expr
    central_function: sp.Expr | None
    support: sp.Expr | None
    central_charge: sp.Expr | None
    shift: sp.Expr | None
    m: sp.Symbol
    n: sp.Symbol

    @property
    def value(self) -> sp.Expr:
        k = self.m + self.n
        return sp.expand(sum((c * sp.Function(z)(k) for z, c in self.structure), sp.S.Zero)) + (
            self.central
        )

    def coefficient(self, family: str) -> sp.Expr:
        return dict(self.structure).get(family, sp.S.Zero)


@dataclass(frozen=True)
class ModeAlgebra:
    """All brackets :math:`i\\{A_m, B_n\\}` of a mode basis."""

    basis: ModeBasis
    brackets: tuple
    m: sp.Symbol
    n: sp.Symbol

    def bracket(self, left: str, right: str) -> ModeBracket:
        for b in self.brackets:
            if (b.left, b.right) == (left, right):
                return b
        raise KeyError(f"no bracket ({left}, {right}); families are {self.basis.names}")

    def limit(self, symbol, value) -> ModeAlgebra:
        """Every coefficient, central function and central charge at ``symbol -> value``."""
        lim = lambda e: None if e is None else sp.simplify(sp.limit(e, symbol, value))  # noqa: E731
        out = []
        for b in self.brackets:
            struct = tuple((z, lim(c)) for z, c in b.structure)
            cf = lim(b.central_function)
            central = (
                sp.limit(b.central, symbol, value)
                if cf is None
                else cf * sp.KroneckerDelta(sp.expand(b.n - b.support), 0)
            )
            out.append(
                ModeBracket(
                    b.left,
                    b.right,
                    struct,
                    central,
                    cf,
                    b.support,
                    lim(b.central_charge),
                    lim(b.shift),
                    b.m,
                    b.n,
                )
            )
        return ModeAlgebra(self.basis, tuple(out), self.m, self.n)


def _fourier(expr, angle) -> dict:
    """``{k: c}`` for a sum of ``c * exp(i k angle)``."""
    e = sp.expand(sp.powsimp(sp.expand(expr), combine="exp"))
    out: dict = {}
    for term in sp.Add.make_args(e):
        if term == 0:
            continue
        fac = sp.Mul.make_args(term)
        exps = [f for f in fac if isinstance(f, sp.exp)]
        coeff = sp.Mul(*[f for f in fac if not isinstance(f, sp.exp)])
        k = sp.expand(sum((f.args[0] for f in exps), sp.S.Zero) / (sp.I * angle))
        if coeff.has(angle) or k.has(angle):
            raise ValueError(f"expected terms c * exp(i k {angle}), got {term}")
        out[k] = out.get(k, sp.S.Zero) + coeff
    return out


def _decompose(br, fam, k_index, m, angle):
    cs = {z: sp.Dummy(f"c_{z}") for z in fam}
    eqs = []
    for j, b in enumerate(br):
        expr = b - sum(cs[z] * fam[z][j].subs(m, k_index) for z in fam)
        eqs += [sp.expand(c) for c in _fourier(expr, angle).values()]
    eqs = [q for q in eqs if q != 0]
    if not eqs:
        return {z: sp.S.Zero for z in fam}
    sol = sp.solve(eqs, list(cs.values()), dict=True)
    if len(sol) != 1 or any(c not in sol[0] for c in cs.values() if any(q.has(c) for q in eqs)):
        raise ValueError(f"the bracket {br} is not a unique combination of the basis {list(fam)}")
    return {z: sp.factor(sp.simplify(sol[0].get(cs[z], sp.S.Zero))) for z in fam}


def _central(K, angle, n):
    """Circle integral of ``K`` (a Fourier sum): its delta support ``n = n0(m)`` and value."""
    terms = _fourier(K, angle)
    zero = sp.S.Zero
    supports = {}
    for k, c in terms.items():
        if k == 0:
            zero += 2 * sp.pi * c
        elif k.has(n):
            (n0,) = sp.solve(k, n)
            supports[n0] = supports.get(n0, sp.S.Zero) + 2 * sp.pi * c.subs(n, n0)
        elif not k.is_number:
            raise ValueError(f"central term with a mode exp(i {k} {angle}) independent of n")
    return sp.expand(zero), supports


def derive_mode_algebra(algebra: ChargeAlgebra, basis: ModeBasis) -> ModeAlgebra:
    """:math:`i\\{A_m, B_n\\}` for every ordered pair of families of ``basis``."""
    sym = algebra.charges.laws.symmetries
    angle = algebra.charges.angle
    m = basis.index
    n = sp.Symbol("n" if m.name != "n" else "k", integer=True)
    fam = basis.resolve(sym.slice_parameters)
    out = []
    for A in fam:
        for B in fam:
            vb = tuple(v.subs(m, n) for v in fam[B])
            br = algebra.bracket_of(fam[A], vb)
            coeffs = _decompose(br, fam, m + n, m, angle)
            struct = tuple((z, sp.factor(sp.expand(sp.I * c))) for z, c in coeffs.items() if c != 0)
            zero, supports = _central(sp.I * algebra.central_of(fam[A], vb), angle, n)
            if zero != 0 or len(supports) > 1:
                central, cf, sup = (
                    zero
                    + sum(
                        (v * sp.KroneckerDelta(sp.expand(n - s), 0) for s, v in supports.items()),
                        sp.S.Zero,
                    ),
                    None,
                    None,
                )
            elif supports:
                ((sup, cf),) = supports.items()
                cf = sp.simplify(cf)
                central = cf * sp.KroneckerDelta(sp.expand(n - sup), 0)
            else:
                central, cf, sup = sp.S.Zero, sp.S.Zero, -m
            c_fit = s_fit = None
            if cf is not None and sp.expand(sup + m) == 0:
                try:
                    c_fit, s_fit = virasoro_cocycle(cf, m)
                except ValueError:
                    pass
            out.append(ModeBracket(A, B, struct, central, cf, sup, c_fit, s_fit, m, n))
    return ModeAlgebra(basis, tuple(out), m, n)

r"""Steps of the asymptotic pipeline (re-exported by :mod:`fieldsym.asymptotic_pipeline`):
the problem as data, the solution space of Einstein's equations with a cosmological constant,
asymptotic Killing vectors, transformation laws and Barnich–Brandt charges, each a frozen
dataclass of sympy expressions.

Time dependence. Where the field equations couple the fields' time derivatives
(:math:`\Lambda \ne 0`: :math:`\partial_u M = \tfrac{2}{\ell^2}\partial_\phi N`,
:math:`\partial_u N = \tfrac12\partial_\phi M`) the fields stay functions of ``(time, angle)``
with *evolution equations*; the same happens to the parameters of the asymptotic Killing
vectors. Every derived expression is reduced on shell (no time derivative of an evolving
function is left), so it holds at each time; charges and algebras are read on the *slice*
``time = slice_value``, where the evolving functions become their Cauchy data, functions of
the angle with the same names (``M(u, phi) -> M(phi)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

from ._solver import Condition, laurent_coefficients, reduce_on_shell, solve_system
from .asymptotics import Falloffs, linearize
from .charges import (
    charge_density,
    integrability_obstruction,
    integrate_charge,
    is_total_derivative,
)
from .tensors import Metric

__all__ = [
    "MetricFalloffs",
    "AsymptoticProblem",
    "SolutionSpace",
    "AsymptoticSymmetries",
    "TransformationLaws",
    "SurfaceCharges",
    "derive_solution_space",
    "derive_symmetries",
    "derive_transformation_laws",
    "derive_charges",
    "slice_at",
    "preserved_falloffs",
]


def _frozen_map(d) -> sp.Dict:
    return sp.Dict({k: sp.sympify(v) for k, v in dict(d).items()})


@dataclass(frozen=True)
class MetricFalloffs:
    r"""Boundary conditions on the metric as data: :math:`g_{ab} = \ell_{ab} + O(r^{k_{ab}})`.

    ``spec`` maps a component ``(a, b)`` to ``k`` (leading part 0), to ``(leading, k)``, or to
    ``(leading, None)`` (:math:`g_{ab} = \ell_{ab}` exactly). Unlisted components are free.

    Examples
    --------
    >>> import sympy as sp
    >>> r = sp.Symbol("r")
    >>> bc = MetricFalloffs({(0, 1): (-1, -1), (0, 2): 0})
    >>> [(c.label, c.max_order) for c in bc.conditions(sp.Matrix(3, 3, [0] * 9), r, "urp")]
    [('g_ur', -1), ('g_up', 0)]
    """

    spec: Mapping = field(default_factory=dict)

    def __post_init__(self):
        items = []
        for key, val in dict(self.spec).items():
            if not (
                isinstance(key, tuple) and len(key) == 2 and all(isinstance(i, int) for i in key)
            ):
                raise TypeError(f"expected a component (a, b) of two ints, got {key!r}")
            lead, order = val if isinstance(val, tuple) else (0, val)
            if order is not None and not isinstance(order, int):
                raise TypeError(f"expected an int order or None for {key}, got {order!r}")
            items.append((tuple(sorted(key)), sp.sympify(lead), order))
        object.__setattr__(self, "spec", tuple(sorted(items, key=lambda t: t[0])))

    def conditions(self, g, r, names) -> list[Condition]:
        """The conditions :math:`g_{ab} - \\ell_{ab} = O(r^k)` on a metric matrix ``g``."""
        n = g.shape[0]
        out = []
        for (a, b), lead, order in self.spec:
            if b >= n:
                raise ValueError(f"boundary condition on component {(a, b)} of a {n} x {n} metric")
            out.append(Condition(g[a, b] - lead, r, order, f"g_{names[a]}{names[b]}"))
        return out


@dataclass(frozen=True)
class AsymptoticProblem:
    r"""A metric ansatz with its unknown functions, a cosmological constant and boundary
    conditions, all as data.

    Parameters
    ----------
    metric : sympy.Matrix, shape=[n, n]
        The ansatz; gauge conditions are its fixed entries (e.g. :math:`g_{rr} = 0`).
    coords : sequence of Symbol, shape=[n]
    unknowns : sequence of applied undefined functions
        The functions in ``metric`` to solve for (of all coordinates, or of some).
    radial, time : Symbol
        The expansion coordinate (:math:`r \to \infty`) and the evolution coordinate.
    cosmological_constant : sympy.Expr
        :math:`\Lambda`; the field equations are :math:`R_{ab} = \frac{2\Lambda}{n-2} g_{ab}`.
    boundary_conditions : MetricFalloffs or mapping
    names : mapping, optional
        ``{default_name: name}`` for the functions the solver introduces (see
        :func:`fieldsym.asymptotics.solve_system`); asymptotic Killing vector components are
        ``xi^<coordinate>``.
    newton_constant : sympy.Expr
    slice_value : sympy.Expr
        The time at which charges and algebras are read.
    """

    metric: sp.ImmutableMatrix
    coords: tuple
    unknowns: tuple
    radial: sp.Symbol
    time: sp.Symbol
    cosmological_constant: sp.Expr = sp.S.Zero
    boundary_conditions: MetricFalloffs = field(default_factory=MetricFalloffs)
    names: tuple = ()
    newton_constant: sp.Expr = sp.Symbol("G", positive=True)
    slice_value: sp.Expr = sp.S.Zero

    def __post_init__(self):
        coords = tuple(sp.sympify(c) for c in self.coords)
        if not all(isinstance(c, sp.Symbol) for c in coords) or len(set(coords)) != len(coords):
            raise TypeError(f"expected distinct coordinate symbols, got {self.coords!r}")
        g = sp.ImmutableMatrix(self.metric)
        if g.shape != (len(coords), len(coords)):
            raise ValueError(f"expected a {len(coords)} x {len(coords)} metric, got {g.shape}")
        for what, x in (("radial", self.radial), ("time", self.time)):
            if x not in coords:
                raise ValueError(f"expected the {what} coordinate among {coords}, got {x}")
        unknowns = tuple(self.unknowns)
        bad = [f for f in unknowns if not isinstance(f, AppliedUndef) or not g.has(f)]
        if bad:
            raise TypeError(f"expected undefined functions that occur in the metric, got {bad}")
        lam = sp.sympify(self.cosmological_constant)
        if lam.free_symbols & set(coords):
            raise ValueError(f"the cosmological constant depends on the coordinates: {lam}")
        bc = self.boundary_conditions
        if not isinstance(bc, MetricFalloffs):
            bc = MetricFalloffs(bc)
        names = tuple(sorted(dict(self.names).items()))
        for k, v in (
            ("coords", coords),
            ("metric", g),
            ("unknowns", unknowns),
            ("cosmological_constant", lam),
            ("boundary_conditions", bc),
            ("names", names),
        ):
            object.__setattr__(self, k, v)

    @property
    def dim(self) -> int:
        return len(self.coords)

    @property
    def angles(self) -> tuple:
        return tuple(c for c in self.coords if c not in (self.radial, self.time))

    @property
    def name_map(self) -> dict:
        return dict(self.names)

    def field_equations(self, metric: Metric) -> sp.ImmutableMatrix:
        r""":math:`E_{ab} = R_{ab} - \frac{2\Lambda}{n-2} g_{ab}` of ``metric``."""
        k = 2 * self.cosmological_constant / (self.dim - 2)
        return sp.ImmutableMatrix(metric.ricci_tensor - k * metric.g)


def slice_at(expr, time, value, evolution=None):
    r"""``expr`` on the slice ``time = value``: functions of ``time`` become functions of the
    other arguments with the same name (their data on the slice); ``evolution`` first removes
    time derivatives. ``ValueError`` when a time derivative is left.

    Examples
    --------
    >>> import sympy as sp
    >>> u, x = sp.symbols("u x")
    >>> M = sp.Function("M")
    >>> slice_at(u + sp.diff(M(u, x), x), u, 0)
    Derivative(M(x), x)
    """
    e = sp.sympify(expr)
    if evolution:
        e = reduce_on_shell(e, evolution, time)
    reps = {}
    for d in e.atoms(sp.Derivative):
        if isinstance(d.expr, AppliedUndef) and time in d.expr.args:
            if time in d.variables:
                raise ValueError(f"cannot slice {d}: a {time}-derivative without evolution")
            reps[d] = sp.Derivative(_sliced(d.expr, time), *d.variable_count)
    for f in e.atoms(AppliedUndef):
        if time in f.args:
            reps.setdefault(f, _sliced(f, time))
    return e.xreplace(reps).subs(time, value)


def name_of(f) -> str:
    """The name of an undefined function application or of a symbol."""
    return f.name if isinstance(f, sp.Symbol) else f.func.__name__


def renamed(f, suffix: str):
    """``F(x) -> F_<suffix>(x)``, ``c -> c_<suffix>``."""
    if isinstance(f, sp.Symbol):
        return sp.Symbol(f"{f.name}_{suffix}", **f.assumptions0)
    return sp.Function(f"{f.func.__name__}_{suffix}")(*f.args)


def _sliced(f, time):
    return sp.Function(f.func.__name__)(*[a for a in f.args if a != time])


@dataclass(frozen=True)
class SolutionSpace:
    r"""The general solution of the field equations with the boundary conditions.

    Attributes
    ----------
    problem : AsymptoticProblem
    metric : sympy.ImmutableMatrix
        The ansatz on shell, in terms of ``fields``.
    solution : sympy.Dict
        ``{unknown: expression}``.
    fields : tuple
        The free functions (the data of the solution space).
    evolution : sympy.Dict
        ``{field: d_time field}`` for the fields whose time dependence is an evolution
        equation (empty when the equations integrate in closed form).
    constants : tuple
    steps : tuple of str
    """

    problem: AsymptoticProblem
    metric: sp.ImmutableMatrix
    solution: sp.Dict
    fields: tuple
    evolution: sp.Dict
    constants: tuple
    steps: tuple

    @property
    def on_shell_metric(self) -> Metric:
        return Metric(self.metric, self.problem.coords)

    def on_shell(self, expr):
        """Reduce with the evolution equations of the fields."""
        return reduce_on_shell(expr, self.evolution, self.problem.time)

    def variations(self) -> tuple:
        r""":math:`\delta F` for each field: ``delta_<name>`` with the field's arguments."""
        return tuple(sp.Function(f"delta_{f.func.__name__}")(*f.args) for f in self.fields)

    @property
    def slice_fields(self) -> tuple:
        p = self.problem
        return tuple(slice_at(f, p.time, p.slice_value) for f in self.fields)


def derive_solution_space(problem: AsymptoticProblem) -> SolutionSpace:
    r"""Solve :math:`R_{ab} = \frac{2\Lambda}{n-2} g_{ab}` with the boundary conditions,
    order by order in ``radial``, combining coupled equations into evolution equations."""
    p = problem
    metric = Metric(p.metric, p.coords)
    E = p.field_equations(metric)
    x = [str(c) for c in p.coords]
    conds = [
        Condition(E[a, b], p.radial, None, f"E_{x[a]}{x[b]}")
        for a in range(p.dim)
        for b in range(a, p.dim)
    ]
    conds += p.boundary_conditions.conditions(p.metric, p.radial, x)
    res = solve_system(conds, p.unknowns, names=p.name_map, variables=p.coords, time=p.time)
    g = p.metric.subs(dict(res.solution)).doit()
    free = [f for f in res.free if isinstance(f, AppliedUndef)]
    fields = []
    for f in p.unknowns:  # in the order of the unknowns they came from
        fields += [x_ for x_ in free if res.solution[f].has(x_) and x_ not in fields]
    fields += [f for f in free if f not in fields]
    return SolutionSpace(
        p,
        sp.ImmutableMatrix(g),
        res.solution,
        tuple(fields),
        res.evolution,
        tuple(c for c in res.free if isinstance(c, sp.Symbol)),
        res.steps,
    )


@dataclass(frozen=True)
class AsymptoticSymmetries:
    r"""Asymptotic Killing vectors :math:`\xi` preserving the solution space.

    Attributes
    ----------
    space : SolutionSpace
    xi : tuple, shape=[n]
        Components in terms of ``parameters`` (and the fields).
    parameters : tuple
        The free functions of the general solution, ordered by the component of :math:`\xi`
        whose leading (:math:`r^0`) term on the slice first contains them (for Bondi gauge:
        :math:`\xi^u|_{u=0}` then :math:`\lim\xi^\phi`).
    evolution : sympy.Dict
        ``{parameter: d_time parameter}`` (empty when integrated in closed form).
    falloffs : Falloffs
        The conditions on :math:`\mathcal L_\xi g` that were solved.
    steps : tuple of str
    """

    space: SolutionSpace
    xi: tuple
    parameters: tuple
    evolution: sp.Dict
    falloffs: Falloffs
    steps: tuple

    def vector(self, *values) -> tuple:
        """:math:`\\xi` with the parameters replaced by ``values`` (expressions)."""
        if len(values) != len(self.parameters):
            raise ValueError(f"expected {len(self.parameters)} parameter values, got {len(values)}")
        rep = dict(zip(self.parameters, values))
        return tuple(sp.expand(sp.sympify(c).subs(rep).doit()) for c in self.xi)

    def copies(self, suffix: str):
        """Generic parameters ``<name>_<suffix>`` and their evolution equations."""
        new = tuple(renamed(p, suffix) for p in self.parameters)
        rep = dict(zip(self.parameters, new))
        ev = {rep[k]: sp.sympify(v).subs(rep) for k, v in self.evolution.items()}
        return new, ev

    @property
    def slice_parameters(self) -> tuple:
        p = self.space.problem
        return tuple(slice_at(q, p.time, p.slice_value) for q in self.parameters)

    def evolution_of_all(self, *copies) -> dict:
        """Fields' evolution together with that of these parameter copies."""
        out = dict(self.space.evolution)
        for ev in copies:
            out.update(ev)
        return out


def preserved_falloffs(space: SolutionSpace) -> Falloffs:
    r"""The falloffs that keep :math:`\mathcal L_\xi g` tangent to the solution space:
    :math:`O(r^k)` with ``k`` the highest power of ``r`` in :math:`\delta g_{ab}`, and exactly
    zero where :math:`\delta g_{ab} = 0`."""
    p = space.problem
    dg = space.variations()
    orders = {}
    for a in range(p.dim):
        for b in range(a, p.dim):
            h = sp.cancel(linearize(space.metric[a, b], space.fields, dg))
            orders[(a, b)] = None if h == 0 else max(laurent_coefficients(h, p.radial))
    return Falloffs(orders, p.radial, tuple(str(c) for c in p.coords))


def derive_symmetries(
    space: SolutionSpace, falloffs: Falloffs | None = None
) -> AsymptoticSymmetries:
    r"""Solve :math:`\mathcal L_\xi g` = ``falloffs`` (default :func:`preserved_falloffs`)."""
    p = space.problem
    falloffs = preserved_falloffs(space) if falloffs is None else falloffs
    metric = space.on_shell_metric
    comps = [sp.Function(f"xi^{c}")(*p.coords) for c in p.coords]
    conds = falloffs.conditions(metric.lie_derivative(comps))
    res = solve_system(
        conds,
        comps,
        names=p.name_map,
        variables=p.coords,
        time=p.time,
        evolution=space.evolution,
    )
    ev = {**dict(space.evolution), **dict(res.evolution)}
    xi = tuple(sp.expand(reduce_on_shell(res.solution[c], ev, p.time)) for c in comps)
    params = _reading_order(xi, res.free, p)
    return AsymptoticSymmetries(space, xi, params, res.evolution, falloffs, res.steps)


def _reading_order(xi, free, p):
    out = []
    for a, c in enumerate(p.coords):
        if c == p.radial:
            continue
        lead = laurent_coefficients(sp.sympify(xi[a]).subs(p.time, p.slice_value), p.radial)
        lead = lead.get(0, sp.S.Zero)
        out += sorted((f for f in free if lead.has(f) and f not in out), key=sp.default_sort_key)
    return tuple(out) + tuple(f for f in free if f not in out)


@dataclass(frozen=True)
class TransformationLaws:
    r""":math:`\delta_\xi F` read off from :math:`\delta g = \mathcal L_\xi g`.

    Attributes
    ----------
    symmetries : AsymptoticSymmetries
    variations : tuple
        The :math:`\delta F` functions used.
    laws : sympy.Dict
        ``{field: delta field}`` in terms of the parameters (reduced on shell).
    """

    symmetries: AsymptoticSymmetries
    variations: tuple
    laws: sp.Dict
    steps: tuple

    def of(self, *values) -> dict:
        """The laws with the parameters replaced by ``values``."""
        rep = dict(zip(self.symmetries.parameters, values))
        return {f: sp.expand(sp.sympify(v).subs(rep).doit()) for f, v in self.laws.items()}


def derive_transformation_laws(sym: AsymptoticSymmetries) -> TransformationLaws:
    """Every component of :math:`\\mathcal L_\\xi g - \\delta g` vanishes at every order."""
    space, p = sym.space, sym.space.problem
    var = space.variations()
    L = space.on_shell_metric.lie_derivative(sym.xi)
    x = [str(c) for c in p.coords]
    conds = [
        Condition(
            L[a, b] - linearize(space.metric[a, b], space.fields, var),
            p.radial,
            None,
            f"(L_xi g - dg)_{x[a]}{x[b]}",
        )
        for a in range(p.dim)
        for b in range(a, p.dim)
    ]
    res = solve_system(
        conds,
        var,
        variables=p.coords,
        time=p.time,
        evolution=sym.evolution_of_all(sym.evolution),
    )
    left = [f for f in res.free if f in var]
    if left:
        raise ValueError(f"L_xi g does not determine the variations {left}")
    laws = {f: sp.expand(res.solution[d]) for f, d in zip(space.fields, var)}
    return TransformationLaws(sym, var, _frozen_map(laws), res.steps)


@dataclass(frozen=True)
class SurfaceCharges:
    r"""Barnich–Brandt charges :math:`\delta Q_\xi = \oint k^{tr}` at :math:`r \to \infty`.

    Attributes
    ----------
    laws : TransformationLaws
    density : sympy.Expr
        :math:`\delta Q` density (linear in the variations), at any time.
    charge_any_time : sympy.Expr
        :math:`Q` density integrated over solution space from the zero fields (whose charge is
        set to zero), at any time.
    charge : sympy.Expr
        The same on the slice: a density in the angle, in the slice fields and parameters.
    angle : sympy.Symbol
    """

    laws: TransformationLaws
    density: sp.Expr
    charge_any_time: sp.Expr
    charge: sp.Expr
    angle: sp.Symbol

    def of(self, *values, fields=None) -> sp.Expr:
        """Slice charge density with parameters ``values`` (slice functions or expressions of
        the angle) and optionally field values ``{slice field: expression}``."""
        sym = self.laws.symmetries
        dens = self.charge.subs(dict(zip(sym.slice_parameters, values)))
        if fields:
            dens = dens.subs(fields)
        return dens.doit()


def derive_charges(laws: TransformationLaws) -> SurfaceCharges:
    """Barnich–Brandt density, its integrability on the slice, and the integrated charge."""
    sym = laws.symmetries
    space, p = sym.space, sym.space.problem
    if p.dim != 3 or len(p.angles) != 1:
        raise ValueError(
            f"charges on a circle need 3 coordinates (time, radial, angle), got {p.coords}"
        )
    (angle,) = p.angles
    h = sp.Matrix(
        p.dim, p.dim, lambda a, b: linearize(space.metric[a, b], space.fields, laws.variations)
    )
    ev = sym.evolution_of_all(sym.evolution)
    dens = charge_density(
        space.on_shell_metric,
        sym.xi,
        h,
        p.coords.index(p.time),
        p.coords.index(p.radial),
        p.radial,
        p.newton_constant,
    )
    dens = sp.expand(reduce_on_shell(dens, ev, p.time))
    sl = lambda e: sp.expand(slice_at(e, p.time, p.slice_value, ev))  # noqa: E731
    fs, vs = space.slice_fields, tuple(sl(v) for v in laws.variations)
    obstruction = integrability_obstruction(sl(dens), fs, vs, angle)
    if not is_total_derivative(obstruction, angle):
        raise ValueError(f"the charges are not integrable: obstruction {obstruction}")
    full = integrate_charge(dens, space.fields, laws.variations)
    return SurfaceCharges(laws, dens, full, sl(full), angle)

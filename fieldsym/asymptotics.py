r"""Asymptotic expansions, falloff conditions as data, conformal completion, and an
order-by-order solver for the PDE systems that solution spaces and asymptotic Killing vectors
lead to.

The solver, :func:`solve_order_by_order`, takes *conditions* ``(expr, var, max_order)``:
the Laurent coefficients of ``expr`` in ``var`` above ``max_order`` must vanish
(``max_order=None``: all of them, i.e. ``expr == 0`` identically). While an unknown in
``expr`` still depends on ``var`` the condition is used whole (an exact PDE); once none does,
it is split into its coefficients. Each step takes the equation with the fewest unknowns and
solves it by one of three moves:

- algebraic: an unknown appears linearly and underived -> solve for it;
- integration: an unknown appears only through one first derivative ``c * d_x F + rest``
  with ``c, rest`` free of unknowns depending on ``x`` -> ``F = -int rest/c dx + F0(others)``
  with a fresh arbitrary function ``F0`` of the remaining arguments;
- ODE: one unknown of one variable -> :func:`sympy.dsolve`, constants become symbols.

A condition that reduces to ``0 = c`` with ``c != 0`` raises ``ValueError`` naming it: the
falloffs admit no solution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from .tensors import Metric

__all__ = [
    "laurent_coefficients",
    "inverse_power_expansion",
    "Falloffs",
    "Condition",
    "solve_order_by_order",
    "conformal_completion",
    "ConformalCompletion",
    "solution_space",
    "asymptotic_killing_vectors",
    "linearize",
    "transformation_laws",
]


def laurent_coefficients(expr, var) -> dict[int, sp.Expr]:
    r"""Coefficients :math:`c_k` of a Laurent polynomial :math:`\sum_k c_k\,\mathrm{var}^k`.

    Raises
    ------
    ValueError
        When ``expr`` is not a Laurent polynomial in ``var`` (use
        :func:`inverse_power_expansion` for general rational functions).

    Examples
    --------
    >>> import sympy as sp
    >>> r, a = sp.symbols("r a")
    >>> laurent_coefficients(a * r + 3 - 1 / r**2, r)
    {-2: -1, 0: 3, 1: a}
    """
    e = sp.cancel(sp.together(sp.sympify(expr)))
    if e == 0:
        return {}
    num, den = sp.fraction(e)
    dpoly = sp.Poly(den, var)
    if len(dpoly.terms()) != 1:
        raise ValueError(f"expected a Laurent polynomial in {var}, got denominator {den}")
    (dk,), dc = dpoly.terms()[0]
    out = {}
    for (k,), c in sp.Poly(num, var).terms():
        c = sp.cancel(c / dc)
        if c != 0:
            out[k - dk] = c
    return dict(sorted(out.items()))


def inverse_power_expansion(expr, var, order: int) -> dict[int, sp.Expr]:
    r"""Coefficients :math:`c_k` of :math:`\sum_{k} c_k\,\mathrm{var}^{-k}` up to ``k = order``,
    by a series in :math:`\Omega = 1/\mathrm{var}` at :math:`\Omega = 0`.

    Examples
    --------
    >>> import sympy as sp
    >>> r, M = sp.symbols("r M", positive=True)
    >>> inverse_power_expansion(1 / (1 - 2 * M / r), r, 2)
    {0: 1, 1: 2*M, 2: 4*M**2}
    """
    om = sp.Dummy("Omega", positive=True)
    ser = sp.series(sp.sympify(expr).subs(var, 1 / om), om, 0, order + 1).removeO()
    out = {}
    for k, c in laurent_coefficients(ser, om).items():
        if k <= order:
            out[k] = sp.cancel(c)
    return out


@dataclass(frozen=True)
class Condition:
    """Laurent coefficients of ``expr`` in ``var`` above ``max_order`` vanish (None: all)."""

    expr: sp.Expr
    var: sp.Symbol
    max_order: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Falloffs:
    r"""Falloff conditions as data: ``{(a, b): k}`` means component ``(a, b)`` is
    :math:`O(\mathrm{var}^k)`; ``None`` means it vanishes identically. Unlisted components are
    free.

    Examples
    --------
    >>> import sympy as sp
    >>> r = sp.Symbol("r")
    >>> f = Falloffs({(0, 0): 0, (1, 1): None}, r)
    >>> [c.max_order for c in f.conditions(sp.Matrix([[r, 0], [0, 0]]))]
    [0, None]
    """

    orders: Mapping[tuple[int, int], int | None]
    var: sp.Symbol
    names: Sequence[str] = field(default=())

    def conditions(self, tensor) -> list[Condition]:
        """Conditions on the components of a rank-2 tensor (e.g. :math:`\\mathcal L_\\xi g`)."""
        n = tensor.shape[0]
        out = []
        for (a, b), k in self.orders.items():
            if not (0 <= a < n and 0 <= b < n):
                raise ValueError(f"falloff for component {(a, b)} but the tensor is {n} x {n}")
            lab = f"({self.names[a]},{self.names[b]})" if self.names else f"({a},{b})"
            out.append(Condition(tensor[a, b], self.var, k, lab))
        return out


def _unknowns_in(expr, live):
    return [f for f in live if expr.has(f)]


def _derivatives_of(expr, f):
    return [d for d in expr.atoms(sp.Derivative) if d.expr == f]


def _fresh(name, args, taken):
    base, k = name, 1
    while (name, args) in taken:
        name = f"{base}_{k}"
        k += 1
    return sp.Function(name)(*args)


class _Solver:
    def __init__(self, unknowns, names, simplify):
        self.live = list(unknowns)
        self.solution = {f: f for f in unknowns}
        self.names = dict(names or {})
        self.simplify = simplify
        self.constants: list[sp.Symbol] = []
        self.steps: list[str] = []

    def substitute(self, e):
        return sp.sympify(e).subs(self.solution).doit() if self.solution else e

    def _apply(self, f, sol, how):
        self.steps.append(f"{how}: {f} = {sol}")
        self.live.remove(f)
        self.solution = {k: sp.sympify(v).subs(f, sol).doit() for k, v in self.solution.items()}
        for g in sorted(self._new, key=str):
            if g not in self.live and sp.sympify(sol).has(g):
                self.live.append(g)

    def equations(self, conditions):
        eqs = []
        for cond in conditions:
            e = self.simplify(self.substitute(cond.expr))
            if e == 0:
                continue
            deps = [f for f in _unknowns_in(e, self.live) if cond.var in f.args]
            if deps:
                if cond.max_order is None:
                    eqs.append((e, cond.label))
                continue
            for k, c in laurent_coefficients(e, cond.var).items():
                if cond.max_order is None or k > cond.max_order:
                    eqs.append((self.simplify(c), f"{cond.label}[{cond.var}^{k}]"))
        return eqs

    def try_algebraic(self, e, f):
        if _derivatives_of(e, f):
            return None
        poly = sp.Poly(e, f)
        if poly.degree() != 1:
            return None
        sol = self.simplify(-poly.coeff_monomial(1) / poly.coeff_monomial(f))
        if sol.has(f) or not sol.free_symbols <= set(f.args) | self._params(sol):
            return None
        return sol

    def _params(self, e):
        return {s for s in e.free_symbols if s not in self.variables}

    def try_integrate(self, e, f):
        ds = _derivatives_of(e, f)
        if len(ds) != 1 or ds[0].derivative_count != 1:
            return None
        d = ds[0]
        (x,) = d.variables
        rest_poly = sp.Poly(e, d)
        if rest_poly.degree() != 1:
            return None
        c, rest = rest_poly.coeff_monomial(d), rest_poly.coeff_monomial(1)
        if c.has(f) or rest.has(f):
            return None
        if any(x in g.args for g in _unknowns_in(c, self.live) + _unknowns_in(rest, self.live)):
            return None
        prim = sp.integrate(sp.expand(self.simplify(-rest / c)), x)
        if prim.has(sp.Integral):
            return None
        others = tuple(a for a in f.args if a != x)
        name = self.names.get(
            f.func.__name__, f.func.__name__ if prim == 0 else f.func.__name__ + "0"
        )
        taken = {(g.func.__name__, g.args) for g in self.live}
        new = _fresh(name, others, taken) if others else self._constant(name)
        if others:
            self._new.add(new)
        return self.simplify(prim) + new

    def _constant(self, name):
        c = sp.Symbol(name)
        self.constants.append(c)
        return c

    def try_ode(self, e, f):
        if len(f.args) != 1 or _unknowns_in(e, self.live) != [f]:
            return None
        try:
            sol = sp.dsolve(e, f)
        except (NotImplementedError, ValueError):
            return None
        if isinstance(sol, list):
            return None
        rhs = sol.rhs
        cs = sorted(
            (s for s in rhs.free_symbols if s.name.startswith("C") and s not in self.variables),
            key=str,
        )
        ren = {c: self._constant(f"{f.func.__name__}_{c.name[1:]}") for c in cs}
        return sp.expand(rhs.xreplace(ren))


def solve_order_by_order(
    conditions, unknowns, *, names=None, simplify=sp.cancel, variables=None, max_steps=200
):
    r"""Solve conditions for unknown functions, one equation at a time (see module docstring).

    Parameters
    ----------
    conditions : sequence of Condition
    unknowns : sequence of applied undefined functions, e.g. ``[Theta(u, phi)]``
    names : dict, optional
        ``{old_name: new_name}`` for the arbitrary functions integration introduces
        (default: the same name when the integrand vanishes, else ``old_name + "0"``).
    simplify : callable
        Applied to each equation and each solved expression.
    variables : iterable of Symbol, optional
        The independent variables (default: the unknowns' arguments and the conditions'
        expansion variables); an algebraic solution may only depend on its unknown's arguments
        among them.

    Returns
    -------
    solution : dict
        ``{unknown: expression}`` in terms of the arbitrary functions left.
    free : list
        The arbitrary functions and constants of the general solution.
    steps : list of str
        The moves made, for reports.

    Raises
    ------
    ValueError
        A condition reduces to ``0 = c != 0`` (the falloffs admit no solution), or equations
        remain that no move solves.
    """
    s = _Solver(unknowns, names, simplify)
    s._new = set()
    s.variables = set().union(*(set(f.args) for f in unknowns), {c.var for c in conditions})
    if variables is not None:
        s.variables |= set(variables)
    for _ in range(max_steps):
        eqs = s.equations(conditions)
        if not eqs:
            free = [f for f in s.live] + s.constants
            return s.solution, free, s.steps
        for e, lab in eqs:
            if not _unknowns_in(e, s.live):
                raise ValueError(f"condition {lab} admits no solution: it requires 0 = {e}")
        eqs.sort(key=lambda el: (len(_unknowns_in(el[0], s.live)), sp.count_ops(el[0])))
        for e, lab in eqs:
            done = False
            for f in _unknowns_in(e, s.live):
                for move, how in (
                    (s.try_algebraic, "algebraic"),
                    (s.try_integrate, "integrate"),
                    (s.try_ode, "ode"),
                ):
                    sol = move(e, f)
                    if sol is not None:
                        s._apply(f, sol, f"{how} {lab}")
                        done = True
                        break
                if done:
                    break
            if done:
                break
        else:
            rest = "; ".join(f"{lab}: {e} = 0" for e, lab in eqs[:4])
            raise ValueError(f"no move solves the remaining equations ({len(eqs)}): {rest}")
    raise ValueError(f"solver did not finish in {max_steps} steps")


@dataclass(frozen=True)
class ConformalCompletion:
    r"""Result of :func:`conformal_completion`: :math:`\tilde g = \Omega^2 g` in coordinates with
    ``r`` replaced by ``Omega``, its value at :math:`\Omega = 0`, the induced (degenerate)
    metric on :math:`\mathscr I` in the remaining coordinates, its rank, and
    :math:`\tilde g^{\Omega\Omega}|_{\Omega=0}` (zero: the boundary is null)."""

    metric: sp.ImmutableMatrix
    coords: tuple
    boundary_metric: sp.ImmutableMatrix
    induced: sp.ImmutableMatrix
    induced_coords: tuple
    induced_rank: int
    normal_norm: sp.Expr


def conformal_completion(metric: Metric, r, omega=None) -> ConformalCompletion:
    r"""Conformally complete at :math:`r \to \infty` with :math:`\Omega = 1/r`.

    Raises
    ------
    ValueError
        When :math:`\Omega^2 g` (in coordinates with :math:`d r = -d\Omega/\Omega^2`) is not
        regular at :math:`\Omega = 0`, or ``r`` is not a coordinate.
    """
    if r not in metric.coords:
        raise ValueError(f"expected the radial coordinate among {metric.coords}, got {r}")
    om = sp.Symbol("Omega", positive=True) if omega is None else omega
    i = metric.coords.index(r)
    n = metric.dim
    jac = [sp.S.One] * n
    jac[i] = -1 / om**2
    gt = sp.zeros(n, n)
    for a in range(n):
        for b in range(a, n):
            e = sp.cancel(om**2 * metric.g[a, b].subs(r, 1 / om) * jac[a] * jac[b])
            coeffs = laurent_coefficients(e, om) if e != 0 else {}
            if coeffs and min(coeffs) < 0:
                raise ValueError(
                    f"Omega^2 g is not regular at Omega = 0: component {(a, b)} "
                    f"~ Omega^{min(coeffs)}"
                )
            gt[a, b] = gt[b, a] = e
    coords = tuple(om if c == r else c for c in metric.coords)
    g0 = gt.subs(om, 0)
    keep = [k for k in range(n) if k != i]
    induced = g0.extract(keep, keep)
    inv = metric.inverse
    # \tilde g^{ab} = Omega^{-2} g^{ab}; d Omega = -Omega^2 dr  ->  \tilde g^{OO} = Omega^2 g^{rr}.
    nn = sp.cancel(om**2 * inv[i, i].subs(r, 1 / om))
    return ConformalCompletion(
        sp.ImmutableMatrix(gt),
        coords,
        sp.ImmutableMatrix(g0),
        sp.ImmutableMatrix(induced),
        tuple(metric.coords[k] for k in keep),
        induced.rank(),
        sp.limit(nn, om, 0),
    )


def solution_space(metric: Metric, unknowns, r, *, names=None, equations="ricci"):
    r"""Solve the vacuum Einstein equations :math:`R_{\mu\nu} = 0` for the unknown functions of a
    metric ansatz, order by order in ``r``.

    Returns
    -------
    solution, free, steps : see :func:`solve_order_by_order`
    """
    Ric = metric.ricci_tensor if equations == "ricci" else metric.einstein_tensor
    n = metric.dim
    conds = [Condition(Ric[a, b], r, None, f"R[{a}{b}]") for a in range(n) for b in range(a, n)]
    return solve_order_by_order(conds, unknowns, names=names, variables=metric.coords)


def asymptotic_killing_vectors(metric: Metric, falloffs: Falloffs, *, names=None, vector_name="xi"):
    r"""Solve :math:`\mathcal L_\xi g` = allowed falloffs for :math:`\xi`.

    Returns
    -------
    xi : list of sympy.Expr, shape=[n]
        General solution in terms of arbitrary functions/constants.
    free : list
    steps : list of str
    """
    x = metric.coords
    comps = [sp.Function(f"{vector_name}^{c}")(*x) for c in x]
    L = metric.lie_derivative(comps)
    conds = falloffs.conditions(L)
    sol, free, steps = solve_order_by_order(conds, comps, names=names, variables=x)
    return [sol[c] for c in comps], free, steps


def linearize(expr, fields, variations):
    r"""Gateaux derivative :math:`\frac{d}{d\epsilon}\,\mathrm{expr}[F + \epsilon\,\delta F]|_0`."""
    eps = sp.Dummy("epsilon")
    shifted = sp.sympify(expr).subs(
        {f: f + eps * d for f, d in zip(fields, variations)}, simultaneous=True
    )
    return sp.diff(shifted, eps).subs(eps, 0).doit()


def transformation_laws(metric: Metric, xi, fields, variations, r):
    r"""Read off :math:`\delta_\xi F` from :math:`\delta g = \mathcal L_\xi g` on a solution space.

    ``metric`` is the on-shell metric in terms of ``fields`` (e.g. ``Theta(phi), N(phi)``);
    ``variations`` are unknown functions with the same arguments. Every component of
    :math:`\mathcal L_\xi g - \delta g` must vanish at every order in ``r``.

    Returns
    -------
    dict
        ``{field: delta field}``.
    """
    L = metric.lie_derivative(xi)
    n = metric.dim
    conds = []
    for a in range(n):
        for b in range(a, n):
            dg = linearize(metric.g[a, b], fields, variations)
            conds.append(Condition(L[a, b] - dg, r, None, f"(L g - dg)[{a}{b}]"))
    sol, free, _ = solve_order_by_order(conds, list(variations), variables=metric.coords)
    leftover = [f for f in free if f in variations]
    if leftover:
        raise ValueError(f"L_xi g does not determine the variations {leftover}")
    return {f: sp.expand(sol[d]) for f, d in zip(fields, variations)}

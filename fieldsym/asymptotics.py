r"""Asymptotic expansions, falloff conditions as data, conformal completion, and an
order-by-order solver for the PDE systems that solution spaces and asymptotic Killing vectors
lead to.

The solver (:func:`solve_system`, and :func:`solve_order_by_order` with the old tuple
result) takes *conditions* ``(expr, var, max_order)``: the Laurent coefficients of ``expr``
in ``var`` above ``max_order`` must vanish (``max_order=None``: ``expr == 0`` identically).
It solves one equation at a time (algebraic, integration, ODE moves) and, where equations are
coupled, combines them by Gauss–Jordan elimination into evolution equations
:math:`\partial_t F = E[F]`; the moves are described in :mod:`fieldsym._solver`. A condition
that reduces to ``0 = c`` with ``c != 0`` raises ``ValueError`` naming it: the falloffs admit
no solution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ._solver import Condition, SolvedSystem, laurent_coefficients, reduce_on_shell, solve_system
from .tensors import Metric

__all__ = [
    "laurent_coefficients",
    "inverse_power_expansion",
    "Falloffs",
    "Condition",
    "solve_order_by_order",
    "solve_system",
    "SolvedSystem",
    "reduce_on_shell",
    "conformal_completion",
    "ConformalCompletion",
    "solution_space",
    "asymptotic_killing_vectors",
    "linearize",
    "transformation_laws",
]


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


def solve_order_by_order(
    conditions, unknowns, *, names=None, simplify=sp.cancel, variables=None, max_steps=200
):
    r"""Solve conditions for unknown functions, one equation at a time (see
    :mod:`fieldsym._solver` for the moves; :func:`solve_system` also combines coupled
    equations into evolution equations and returns a typed result).

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
        remain that no move solves (coupled equations need :func:`solve_system` with
        ``time``).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> F = sp.Function("F")(x)
    >>> sol, free, _ = solve_order_by_order([Condition(sp.diff(F, x) - 2 * x, x)], [F])
    >>> sol[F], free
    (F0 + x**2, [F0])
    """
    res = solve_system(
        conditions,
        unknowns,
        names=names,
        simplify=simplify,
        variables=variables,
        max_steps=max_steps,
    )
    return dict(res.solution), list(res.free), list(res.steps)


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


def solution_space(
    metric: Metric, unknowns, r, *, names=None, equations="ricci", cosmological_constant=0
):
    r"""Solve Einstein's equations for the unknown functions of a metric ansatz, order by
    order in ``r``: :math:`R_{\mu\nu} = \frac{2\Lambda}{n-2} g_{\mu\nu}` (``"ricci"``) or
    :math:`G_{\mu\nu} + \Lambda g_{\mu\nu} = 0` (``"einstein"``).

    Coupled equations (e.g. :math:`\Lambda \ne 0` in Bondi gauge) raise here: the typed
    pipeline (:func:`fieldsym.asymptotic_pipeline.derive_solution_space`) combines them into
    evolution equations.

    Returns
    -------
    solution, free, steps : see :func:`solve_order_by_order`
    """
    lam = sp.sympify(cosmological_constant)
    n = metric.dim
    if equations == "ricci":
        E = metric.ricci_tensor - 2 * lam / (n - 2) * metric.g
    elif equations == "einstein":
        E = metric.einstein_tensor + lam * metric.g
    else:
        raise ValueError(f"expected equations 'ricci' or 'einstein', got {equations!r}")
    conds = [Condition(E[a, b], r, None, f"R[{a}{b}]") for a in range(n) for b in range(a, n)]
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

r"""Generalized (higher-order) symmetries in evolutionary form, and variational ones (Noether in
characteristic form).

An evolutionary vector field :math:`v_Q = Q_\alpha \partial_{u^\alpha}` with characteristic
:math:`Q(x, u^{(q)})` is a symmetry of :math:`\Delta = 0` when the linearization vanishes on
solutions (Olver §5.1):

.. math:: \mathrm{pr}\,v_Q(\Delta_k) = \sum_{\alpha,J} \frac{\partial \Delta_k}{\partial
    u^\alpha_J} D_J Q_\alpha = 0 \quad\text{on solutions}.

Characteristics depend on parametric coordinates only (so none vanishes on solutions unless it is
zero; a point symmetry appears through its characteristic :math:`\phi - \xi^i u_i`).  The
condition is reduced on shell, split by the jet coordinates the unknowns do not depend on and
solved by :func:`~fieldsym.determining.solve_linear_pde_system` (ansätze as in
:mod:`fieldsym._ansatz`).

For a Lagrangian :math:`L`, :math:`v_Q` is a variational symmetry
(:math:`\mathrm{pr}\,v_Q(L) = D_i B^i`) exactly when :math:`Q` is a multiplier of the
Euler–Lagrange equations, :math:`Q\cdot E(L) = D_i(B^i - h^i(Q, L))` (Olver §5.3, Noether's
theorem in characteristic form); :func:`variational_characteristics` searches those, and
:func:`~fieldsym.noether.noether_current` turns each into its conserved current.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass

import sympy as sp

from . import _ansatz
from .conservation import MultiplierSearch, _count, find_multipliers
from .jets import JetSpace, PDESystem
from .variational import euler_lagrange
from .vector_fields import VectorField

__all__ = [
    "GeneralizedSymmetries",
    "linearization",
    "is_generalized_symmetry",
    "generalized_symmetries",
    "generalized_determining_equations",
    "evolutionary_field",
    "variational_characteristics",
]


def _as_characteristic(jet: JetSpace, Q) -> dict:
    if isinstance(Q, VectorField):
        return Q.characteristic()
    if isinstance(Q, dict):
        return {jet._field(f): sp.sympify(q) for f, q in Q.items()} | {
            f: sp.S.Zero for f in jet.fields if f not in {jet._field(g) for g in Q}}
    Q = list(Q) if not isinstance(Q, str) else [Q]
    if len(Q) != len(jet.fields):
        raise ValueError(f"expected one characteristic component per field {jet.fields}, "
                         f"got {len(Q)}")
    return {f: sp.sympify(q) for f, q in zip(jet.fields, Q)}


def evolutionary_field(jet: JetSpace, Q) -> VectorField:
    r"""The evolutionary vector field :math:`v_Q = Q_\alpha\partial_{u^\alpha}`.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_x = jet.coord("u"), jet.coord("u", x)
    >>> evolutionary_field(jet, [u_x]).prolong(jet.coord("u", t) + u * u_x)
    u*u_xx + u_x**2 + u_xt
    """
    return VectorField(jet, phi=_as_characteristic(jet, Q))


def linearization(system: PDESystem, Q, *, on_shell: bool = True) -> list:
    r""":math:`\mathrm{pr}\,v_Q(\Delta_k)`, one entry per equation (reduced on solutions by
    default).

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> heat = PDESystem(jet, [jet.coord("u", t) - jet.coord("u", (x, x))])
    >>> linearization(heat, [jet.coord("u", x)])
    [0]
    """
    jet = system.jet
    Qd = _as_characteristic(jet, Q)
    out = []
    for d in system.equations:
        e = sp.expand(sp.Add(*[jet.D_multi(Qd[jet.info(c)[0]], jet.info(c)[1]) * sp.diff(d, c)
                               for c in jet.coords_in(d)]))
        out.append(system.reduce(e) if on_shell else e)
    return out


def is_generalized_symmetry(Q, system: PDESystem) -> bool:
    """Whether the linearized equations vanish on solutions for characteristic ``Q``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> is_generalized_symmetry([u_x], kdv), is_generalized_symmetry([u], kdv)
    (True, False)
    """
    return all(sp.expand(e) == 0 or sp.cancel(sp.together(e)) == 0
               for e in linearization(system, Q))


@dataclass(frozen=True)
class GeneralizedSymmetries:
    """Characteristics found up to an order: a basis over the constants and families
    ``(characteristic, functions, conditions)``; each characteristic is a dict field -> Q."""

    system: PDESystem
    order: int
    degree: int | None
    basis: tuple
    families: tuple
    complete: bool
    seconds: float

    def __len__(self):
        return len(self.basis)

    def vector_fields(self) -> list[VectorField]:
        return [evolutionary_field(self.system.jet, Q) for Q in self.basis]

    def __str__(self):
        jet = self.system.jet
        eqs = ", ".join(f"{sp.sstr(e)} = 0" for e in self.system.equations)
        ans = ("general ansatz" if self.degree is None
               else f"polynomial of degree <= {self.degree} in the derivatives")
        lines = [f"generalized symmetries of {eqs} up to order {self.order} ({ans}): "
                 f"{_count(len(self.basis), 'characteristic')}"
                 + (f", {_count(len(self.families), 'family', 'families')}"
                    if self.families else "")
                 + f" ({self.seconds:.1f} s)"]
        for k, Q in enumerate(self.basis):
            lines.append(f"  Q{k + 1} = (" + ", ".join(sp.sstr(Q[f]) for f in jet.fields) + ")")
        for k, (Q, funcs, conds) in enumerate(self.families):
            cond = "; ".join(f"{sp.sstr(c)} = 0" for c in conds) or "none"
            lines.append(f"  family {k + 1}: Q = (" + ", ".join(sp.sstr(Q[f]) for f in jet.fields)
                         + f")   [{', '.join(map(str, funcs))} arbitrary with: {cond}]")
        return "\n".join(lines)

    def latex(self) -> str:
        jet = self.system.jet
        rows = [f"Q_{{{k + 1}}} &= \\left(" + ", ".join(sp.latex(Q[f]) for f in jet.fields)
                + r"\right)" for k, Q in enumerate(self.basis)]
        rows += [r"&\left(" + ", ".join(sp.latex(Q[f]) for f in jet.fields) + r"\right)\quad "
                 + r",\ ".join(sp.latex(c) + " = 0" for c in conds)
                 for Q, _f, conds in self.families]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def generalized_symmetries(system: PDESystem, order: int, *, degree: int | None = 2,
                           max_steps: int = 2000, timeout: float | None = None,
                           allow_incomplete: bool = False) -> GeneralizedSymmetries:
    r"""All evolutionary symmetries with characteristics up to ``order`` in the chosen ansatz.

    Parameters
    ----------
    system : PDESystem
    order : int
        Highest derivative order in the characteristic.
    degree : int or None
        Polynomial degree in the derivative coordinates (coefficients arbitrary functions of the
        independent variables and the fields); ``None`` for an arbitrary function.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> [Q[u] for Q in generalized_symmetries(kdv, 1).basis]  # translation, Galilean boost
    [u_x, -6*t*u_x + 1]
    """
    if not isinstance(system, PDESystem):
        raise TypeError(f"expected a PDESystem, got {type(system).__name__}")
    _ansatz.check_order(order, degree)
    t0 = _time.perf_counter()
    deadline = None if timeout is None else t0 + timeout
    jet = system.jet
    an, conditions = _linearized_conditions(system, order, degree)
    sol, _ = _ansatz.run_search(jet, an, conditions,
                                {f"Q{k}": c for k, c in enumerate(an.components)}, max_steps,
                                "the linearized equation", deadline)
    comps = an.components
    if not sol.complete and not allow_incomplete:
        raise _ansatz.UnsolvedSystemError(sol.conditions)
    qs = [sol.targets[f"Q{k}"] for k in range(len(comps))]
    keys = tuple(jet.independent) + tuple(_ansatz.jet_symbols(jet, qs))
    basis, families = _ansatz.basis_and_families(qs, sol.constants, sol.functions,
                                                 sol.conditions, keys, jet)
    as_dict = lambda vec: dict(zip(jet.fields, vec))  # noqa: E731
    return GeneralizedSymmetries(
        system, order, degree, tuple(as_dict(b) for b in basis),
        tuple((as_dict(v), tuple(f), tuple(c)) for v, f, c in families),
        sol.complete, _time.perf_counter() - t0)


def _linearized_conditions(system, order, degree):
    jet = system.jet
    an = _ansatz.build_ansatz(system, order, degree, len(jet.fields), "Q")
    reg = an.registry
    conditions = []
    for d in system.equations:
        e = sp.Add(*[reg.total_multi(an.components[jet.fields.index(jet.info(c)[0])], jet,
                                     jet.info(c)[1]) * sp.diff(d, c)
                     for c in jet.coords_in(d)])
        conditions.append(system.reduce(sp.expand(e)))
    return an, conditions


def generalized_determining_equations(system: PDESystem, order: int, *,
                                      degree: int | None = 2):
    """The determining system of :func:`generalized_symmetries` (linearized equations on
    solutions, split) as ``(equations, unknowns, variables)`` with applied functions, before
    any solving (for :func:`fieldsym.formal.formal_dimension_bound`).

    Examples
    --------
    >>> import sympy as sp
    >>> from fieldsym.formal import formal_dimension_bound
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    >>> formal_dimension_bound(*generalized_determining_equations(kdv, 1)).bound  # u_x, 1 - 6tu_x
    2
    """
    _ansatz.check_order(order, degree)
    an, conditions = _linearized_conditions(system, order, degree)
    return _ansatz.determining_system(system.jet, an, conditions, "the linearized equation")


def variational_characteristics(L, jet: JetSpace, order: int, *, degree: int | None = 2,
                                solve_for=None, max_steps: int = 2000,
                                timeout: float | None = None) -> MultiplierSearch:
    r"""Characteristics :math:`Q` of generalized variational symmetries of ``L`` up to
    ``order``: the multipliers of the Euler–Lagrange system :math:`E_\alpha(L) = 0` (Noether's
    theorem in characteristic form, Olver §5.3).  Each basis element (one entry per
    field, in the order of ``jet.fields``) is a characteristic that
    :func:`~fieldsym.noether.noether_current` accepts as ``evolutionary_field(jet, Q)``.

    Examples
    --------
    >>> import sympy as sp
    >>> t, m = sp.symbols("t m")
    >>> jet = JetSpace([t], ["q"])
    >>> search = variational_characteristics(m * jet.coord("q", t) ** 2 / 2, jet, 0, degree=0)
    >>> sorted(search.basis, key=str)
    [(1,), (t,)]
    """
    E = euler_lagrange(L, jet)
    if any(e == 0 for e in E):
        raise ValueError(f"an Euler-Lagrange expression of L vanishes identically: {E}")
    system = PDESystem(jet, E, solve_for=solve_for)
    return find_multipliers(system, order, degree=degree, max_steps=max_steps, timeout=timeout)

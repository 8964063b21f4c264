r"""Noether currents of variational symmetries, and conservation laws on solutions.

Sign convention.  For a variational symmetry :math:`v` with
:math:`\mathrm{pr}\,v(L) + L\,D_i\xi^i = D_i B^i` and characteristic
:math:`Q_\alpha = \phi_\alpha - \xi^i u^\alpha_i`, the current is

.. math::
    P^i = \xi^i L + h^i(Q, L) - B^i, \qquad
    h^i(Q, L) = \sum_{\alpha,J} \frac{j_i+1}{|J|+1} D_J\big(Q_\alpha E^{J+i}_\alpha(L)\big)

(:math:`h^i = Q_\alpha\,\partial L/\partial u^\alpha_i` for first-order :math:`L`), and it obeys

.. math:: D_i P^i = -\sum_\alpha Q_\alpha E_\alpha(L)

identically, so :math:`D_i P^i = 0` on solutions of the Euler–Lagrange equations.  Proof:
:math:`\mathrm{pr}\,v = \mathrm{pr}\,v_Q + \xi^i D_i` and
:math:`\mathrm{pr}\,v_Q(L) = Q\cdot E(L) + D_i h^i`.  Every current is checked against this
identity before it is returned.  Example: for the free particle
:math:`L = \tfrac12 m\dot q^2` the Galilean boost :math:`t\partial_q` has :math:`B = mq` and
current :math:`P = m(t\dot q - q)`; time translation gives :math:`P = -\tfrac12 m\dot q^2`
(minus the energy, in this sign convention).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from .conservation import potential
from .jets import JetSpace, PDESystem
from .symmetries import variational_defect, variational_symmetries
from .variational import divergence_potential, euler_lagrange, integration_by_parts_flux
from .vector_fields import VectorField

__all__ = [
    "Current",
    "NotConservedError",
    "noether_current",
    "conserved_currents",
    "family_current",
    "is_conserved",
    "conservation_law_flux",
    "conserved_densities",
]


class NotConservedError(ValueError):
    """A density has no flux: its time derivative on shell is not a total divergence."""


@dataclass
class Current:
    """A conserved current ``P`` (components per independent variable) of a symmetry.

    Attributes
    ----------
    jet : JetSpace
    components : dict var -> expression
    symmetry : VectorField or None
    B : dict var -> expression
    characteristic : dict field -> expression
    """

    jet: JetSpace
    components: dict
    symmetry: VectorField | None = None
    B: dict | None = None
    characteristic: dict | None = None

    def divergence(self):
        """:math:`D_i P^i` (expanded)."""
        return sp.expand(self.jet.div(self.components))

    def __getitem__(self, var):
        return self.components[var]

    def __str__(self):
        head = f"current of {self.symmetry}: " if self.symmetry is not None else "current: "
        return head + ", ".join(f"P^{v} = {sp.sstr(sp.factor_terms(p))}"
                                for v, p in self.components.items())

    def latex(self) -> str:
        body = r",\quad ".join(f"P^{{{sp.latex(v)}}} = {sp.latex(sp.factor_terms(p))}"
                               for v, p in self.components.items())
        if self.symmetry is not None:
            return f"{self.symmetry.latex()}:\\quad {body}"
        return body


def _is_zero(expr) -> bool:
    expr = sp.expand(expr)
    return expr == 0 or sp.cancel(sp.together(expr)) == 0


def noether_current(v: VectorField, L, B: Mapping | None = None) -> Current:
    r"""The Noether current of a variational symmetry ``v`` of ``L``.

    Parameters
    ----------
    v : VectorField
        Point or generalized (coefficients may contain derivatives).
    L : expression
        The Lagrangian density.
    B : mapping var -> expression, optional
        The divergence term; by default derived from
        :math:`\mathrm{pr}\,v(L) + L\,\mathrm{Div}\,\xi` (zero for strict symmetries) by
        :func:`~fieldsym.conservation.potential`: the homotopy operator, or for one independent
        variable the integration of a total derivative, which also works where the homotopy's
        path through ``u = 0`` is singular (the Kepler potential ``1/r``).  Generalized
        symmetries (coefficients with derivatives, e.g. the Runge–Lenz characteristic) need no
        ``B`` from the user either.

    Returns
    -------
    Current
        With :math:`D_i P^i = -Q\cdot E(L)` verified.

    Raises
    ------
    ValueError
        When ``v`` is not a variational symmetry (the defect is not a total divergence) or
        a given ``B`` does not match.

    Examples
    --------
    >>> import sympy as sp
    >>> t, m = sp.symbols("t m")
    >>> jet = JetSpace([t], ["q"])
    >>> q, q_t = jet.coord("q"), jet.coord("q", t)
    >>> P = noether_current(VectorField(jet, phi={q: t}), m * q_t**2 / 2)
    >>> sp.expand(P[t] - m * (t * q_t - q))
    0
    """
    jet = v.jet
    L = sp.sympify(L)
    defect = variational_defect(v, L)
    if B is None:
        if _is_zero(defect):
            B = {x: sp.S.Zero for x in jet.independent}
        else:
            try:
                B = potential(defect, jet)
            except ValueError as err:
                raise ValueError(f"{v} is not a variational symmetry of L = {L}: pr v(L) + L "
                                 f"Div xi = {defect} is not a total divergence ({err})") from err
    else:
        B = {x: sp.sympify(B.get(x, 0)) for x in jet.independent}
        if not _is_zero(jet.div(B) - defect):
            raise ValueError(f"B does not satisfy Div B = pr v(L) + L Div xi for {v}: "
                             f"Div B - defect = {sp.expand(jet.div(B) - defect)}")
    Q = v.characteristic()
    h = integration_by_parts_flux(Q, L, jet)
    P = {x: sp.expand(v.xi[x] * L + h[x] - B[x]) for x in jet.independent}
    E = euler_lagrange(L, jet)
    identity = jet.div(P) + sp.Add(*[Q[f] * e for f, e in zip(jet.fields, E)])
    if not _is_zero(identity):
        raise RuntimeError(f"Noether identity Div P = -Q.E(L) failed for {v}: residual "
                           f"{sp.expand(identity)}")
    return Current(jet, P, v, B, Q)


def conserved_currents(L, jet: JetSpace, **solver_options) -> list[Current]:
    """Currents of a basis of the variational point symmetries of ``L`` (solver-derived)."""
    alg = variational_symmetries(L, jet, **solver_options)
    return [noether_current(v, L, B) for v, B in zip(alg.basis, alg.B)]


def family_current(algebra, family: int, L) -> Current:
    r"""The current of a whole family of variational symmetries (arbitrary functions kept).

    The identity :math:`D_i P^i = -Q\cdot E(L)` is checked modulo the family's conditions
    (reduced by their leading derivatives), since it holds only for admissible functions.
    """
    from .determining import _Solver

    vf, B, funcs, conds = algebra.families[family]
    jet = vf.jet
    L = sp.sympify(L)
    Q = vf.characteristic()
    h = integration_by_parts_flux(Q, L, jet)
    P = {x: sp.expand(vf.xi[x] * L + h[x] - B.get(x, 0)) for x in jet.independent}
    E = euler_lagrange(L, jet)
    residual = sp.expand(jet.div(P) + sp.Add(*[Q[f] * e for f, e in zip(jet.fields, E)]))
    if residual != 0 and conds:
        solver = _Solver(conds, funcs, tuple(jet.independent) + tuple(jet.fields), {}, 1)
        solved = []
        for c in conds:
            ld = solver.leader(c)
            solved.append((ld[0], ld[1][0], ld[1][1], solver.solved(c, ld)))
        residual = solver.reduce_by(residual, solved, False)
    if not _is_zero(residual):
        raise RuntimeError(f"family current fails Div P = -Q.E(L) modulo its conditions: "
                           f"{residual}")
    return Current(jet, P, vf, B, Q)


def _components(density, flux, time, jet):
    comps = {time: sp.sympify(density)}
    space = [x for x in jet.independent if x != time]
    if isinstance(flux, Mapping):
        comps.update({x: sp.sympify(flux.get(x, 0)) for x in space})
    else:
        if len(space) != 1:
            raise ValueError(f"flux must be a mapping over the spatial variables {space}, "
                             f"got a single expression")
        comps[space[0]] = sp.sympify(flux)
    return comps


def is_conserved(density, flux, system: PDESystem, time) -> bool:
    r"""Whether :math:`D_t T + D_j X^j = 0` on solutions of ``system``.

    ``flux`` is an expression (one spatial variable) or a mapping over the spatial variables.
    """
    jet = system.jet
    if time not in jet.independent:
        raise ValueError(f"time {time} is not an independent variable {jet.independent}")
    div = jet.div(_components(density, flux, time, jet))
    return _is_zero(system.reduce(div))


def conservation_law_flux(density, system: PDESystem, time) -> dict:
    r"""The flux :math:`X` with :math:`D_t T + D_j X^j = 0` on solutions, derived by the
    homotopy operator; ``system`` must be solved for time derivatives (evolution form).

    Raises
    ------
    NotConservedError
        When :math:`D_t T` on shell is not a spatial divergence (names the Euler expression).
    """
    jet = system.jet
    space = tuple(x for x in jet.independent if x != time)
    rate = system.reduce(jet.D(density, time))
    bad = [c for c in jet.coords_in(rate) if jet.info(c)[1][jet.independent.index(time)]]
    if bad:
        raise ValueError(f"the system must be solved for time derivatives; {bad} remain after "
                         f"reduction (pass solve_for=... to PDESystem)")
    for f, e in zip(jet.fields, euler_lagrange(rate, jet)):
        if not _is_zero(e):
            raise NotConservedError(f"{density} is not a conserved density: E_{f}(D_t T) = "
                                    f"{sp.factor(e)} on solutions, expected 0")
    X = divergence_potential(rate, jet, directions=space)
    return {x: sp.expand(-p) for x, p in X.items()}


def _linear_rows(exprs, unknowns, split_symbols):
    """Rows (one per monomial in ``split_symbols``) of the linear map ``unknowns -> exprs``."""
    rows: dict = {}
    for e in exprs:
        e = sp.expand(sp.numer(sp.together(sp.expand(e))))
        for term in sp.Add.make_args(e):
            if term == 0:
                continue
            coef, mono = term.as_independent(*split_symbols, as_Add=False)
            rows.setdefault(mono, []).append(coef)
    M = []
    for coefs in rows.values():
        total = sp.expand(sp.Add(*coefs))
        M.append([total.coeff(c) for c in unknowns])
    return sp.Matrix(M) if M else sp.zeros(0, len(unknowns))


def conserved_densities(candidates, system: PDESystem, time) -> list[tuple[sp.Expr, dict]]:
    r"""All conserved densities in the span of ``candidates``, modulo trivial ones.

    Solves the linear conditions :math:`E_\alpha(D_t T|_{\text{shell}}) = 0` for
    :math:`T = \sum_k c_k T_k` (split by jet monomials and explicit variables), removes the
    trivial densities (:math:`E(T) = 0`, i.e. :math:`T` a spatial divergence), and returns a
    basis ``[(T, flux), ...]`` with fluxes from :func:`conservation_law_flux`.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    >>> burgers = PDESystem(jet, [u_t + u * u_x - jet.coord("u", (x, x))], solve_for=[u_t])
    >>> [T for T, _ in conserved_densities([u, u**2, u_x**2], burgers, t)]
    [u]
    """
    jet = system.jet
    cands = [sp.sympify(c) for c in candidates]
    cs = sp.symbols(f"_k0:{len(cands)}")
    T = sp.Add(*[c * k for c, k in zip(cs, cands)])
    rate = system.reduce(jet.D(T, time))
    split = tuple(jet.independent) + tuple(
        set().union(*[set(jet.coords_in(e)) for e in [rate] + cands]))
    E_rate = [e for e in euler_lagrange(rate, jet)]
    split = tuple(set(split) | set().union(*[set(jet.coords_in(e)) for e in E_rate]))
    conserved = _linear_rows(E_rate, cs, split).nullspace()
    E_T = euler_lagrange(T, jet)
    split_T = tuple(set(split) | set().union(*[set(jet.coords_in(e)) for e in E_T]))
    trivial = _linear_rows(E_T, cs, split_T).nullspace()
    basis = sp.Matrix.hstack(*trivial) if trivial else sp.zeros(len(cs), 0)
    out = []
    for vec in conserved:
        trial = sp.Matrix.hstack(basis, vec)
        if trial.rank() > basis.shape[1]:
            basis = trial
            dens = sp.expand(sum(v * c for v, c in zip(vec, cands)))
            den = sp.ilcm(1, *[sp.fraction(sp.nsimplify(v))[1] for v in vec if v != 0])
            dens = sp.expand(den * dens)
            out.append((dens, conservation_law_flux(dens, system, time)))
    return out

r"""The Euler operator, higher Euler operators, and the homotopy operator of the variational
complex.

Definitions (Olver, *Applications of Lie Groups to Differential Equations*, §4.1 and §5.4;
multi-indices :math:`J` counted per variable, :math:`\binom{K}{J} = \prod_i \binom{k_i}{j_i}`):

.. math::
    E_\alpha(L) = \sum_J (-D)_J \frac{\partial L}{\partial u^\alpha_J}, \qquad
    E^I_\alpha(L) = \sum_{K \ge I} \binom{K}{I} (-D)_{K-I} \frac{\partial L}{\partial u^\alpha_K}.

Integration by parts: for any characteristic :math:`Q_\alpha` and function :math:`P`,

.. math::
    \sum_{\alpha,J} D_J Q_\alpha \frac{\partial P}{\partial u^\alpha_J}
      = \sum_\alpha Q_\alpha E_\alpha(P) + D_i h^i(Q, P), \qquad
    h^i(Q, P) = \sum_{\alpha,J} \frac{j_i + 1}{|J| + 1} D_J\big(Q_\alpha E^{J+i}_\alpha(P)\big),

and the homotopy operator (Olver Thm. 5.104) recovers a flux from a null Lagrangian,
:math:`P - P[0] = D_i \int_0^1 h^i(u, P)[\lambda u]\, d\lambda`.  ``sympy.euler_equations`` is not
used: it drops identically-zero equations and needs every field to share its arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb

import sympy as sp

from ._calculus import generic_branch
from ._zerotest import is_zero
from .jets import JetSpace

__all__ = [
    "euler_operator",
    "euler_lagrange",
    "higher_euler_operator",
    "is_total_divergence",
    "divergence_potential",
    "integration_by_parts_flux",
]


def _coords_of(jet: JetSpace, expr, field):
    f = jet._field(field)
    return [c for c in jet.coords_in(expr) if jet.info(c)[0] == f]


def euler_operator(L, jet: JetSpace, field) -> sp.Expr:
    r"""Euler operator :math:`E_\alpha(L)` for one field (expanded, not simplified).

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u_t, u_x = jet.coord("u", t), jet.coord("u", x)
    >>> euler_operator((u_t**2 - u_x**2) / 2, jet, "u")
    -u_tt + u_xx
    """
    return higher_euler_operator(L, jet, field, jet.zero_index)


def euler_lagrange(L, jet: JetSpace) -> list[sp.Expr]:
    """Euler–Lagrange expressions :math:`E_\\alpha(L)`, one per field, zeros kept."""
    return [euler_operator(L, jet, f) for f in jet.fields]


def higher_euler_operator(L, jet: JetSpace, field, index) -> sp.Expr:
    r"""Higher Euler operator :math:`E^I_\alpha(L)`; ``index`` is a count tuple or variables."""
    L = sp.sympify(L)
    I = jet.multi_index(index)
    out = sp.S.Zero
    for c in _coords_of(jet, L, field):
        K = jet.info(c)[1]
        if any(k < i for k, i in zip(K, I)):
            continue
        coef = 1
        for k, i in zip(K, I):
            coef *= comb(k, i)
        rest = tuple(k - i for k, i in zip(K, I))
        out += coef * jet.D_multi(sp.diff(L, c), rest, sign=-1)
    return sp.expand(out)


def _indices_upto(jet: JetSpace, field, order: int):
    return [jet.info(c)[1] for c in jet.coords_upto(field, order)]


def integration_by_parts_flux(Q, P, jet: JetSpace, directions: Sequence | None = None) -> dict:
    r"""The flux :math:`h^i(Q, P)` with :math:`\mathrm{pr}\,v_Q(P) = Q\cdot E(P) + D_i h^i`.

    Parameters
    ----------
    Q : mapping field -> expression
        The characteristic.
    P : expression
    directions : variables to keep, default all.

    Returns
    -------
    dict
        ``var -> h^var``.
    """
    directions = tuple(directions) if directions is not None else jet.independent
    return _h_flux(sp.sympify(P), jet, [(jet._field(f), q) for f, q in Q.items()], directions)


def _h_flux(P, jet: JetSpace, pairs, directions, inner=lambda e: e) -> dict:
    r""":math:`\sum_{\alpha,J} \frac{j_i+1}{|J|+1} D_J(Q_\alpha\,\mathrm{inner}(E^{J+i}_\alpha P))`
    for ``pairs`` of (field, Q); ``inner`` is the identity or the homotopy's lambda-integral."""
    out = {v: sp.S.Zero for v in directions}
    for f, q in pairs:
        order = max((sum(jet.info(c)[1]) for c in _coords_of(jet, P, f)), default=-1)
        for v in directions if order >= 1 else ():
            if v not in jet.field_args(f):
                continue
            i = jet.independent.index(v)
            for J in _indices_upto(jet, f, order - 1):
                Ji = list(J)
                Ji[i] += 1
                e = higher_euler_operator(P, jet, f, tuple(Ji))
                if e != 0:
                    w = sp.Rational(J[i] + 1, sum(J) + 1)
                    out[v] += w * jet.D_multi(q * inner(e), J)
    return {v: sp.expand(h) for v, h in out.items()}


def is_total_divergence(expr, jet: JetSpace) -> bool:
    """Whether ``expr`` is a total divergence: every Euler expression vanishes identically
    (zero test :func:`fieldsym._zerotest.is_zero`: radicals and trigonometric identities)."""
    return all(sp.expand(e) == 0 or is_zero(e) for e in euler_lagrange(sp.expand(expr), jet))


def _integrate_lambda(expr, lam):
    expr = sp.expand(expr)
    try:
        poly = sp.Poly(expr, lam)
    except sp.PolynomialError:
        poly = None
    if poly is not None and all(not c.has(lam) for c in poly.coeffs()):
        return sp.Add(*[c / (m[0] + 1) for m, c in zip(poly.monoms(), poly.coeffs())])
    res = generic_branch(sp.integrate(expr, (lam, 0, 1), conds="none"))
    if res.has(sp.Integral):
        raise ValueError(f"homotopy integral over lambda did not close: {expr}")
    return res


def divergence_potential(expr, jet: JetSpace, directions: Sequence | None = None) -> dict:
    r"""Flux :math:`P^i` with :math:`D_i P^i = ` ``expr``, by the homotopy operator.

    Parameters
    ----------
    expr : expression in jet coordinates with :math:`E_\alpha(\text{expr}) = 0`.
    directions : variables allowed in the flux (default all).  With a subset, ``expr`` must
        contain no derivative along the others (e.g. the spatial flux of a density).

    Returns
    -------
    dict
        ``var -> P^var``; the result is verified by applying ``Div`` before it is returned.

    Raises
    ------
    ValueError
        When ``expr`` is not a total divergence (a nonzero Euler expression is named), when it is
        singular at ``u = 0``, or when the ``x``-only remainder cannot be integrated.

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u_x, u_xx = jet.coord("u", x), jet.coord("u", (x, x))
    >>> divergence_potential(2 * u_x * u_xx, jet)[x]
    u_x**2
    """
    expr = sp.expand(sp.sympify(expr))
    directions = tuple(directions) if directions is not None else jet.independent
    for f, e in zip(jet.fields, euler_lagrange(expr, jet)):
        if e != 0 and not is_zero(e):
            raise ValueError(f"not a total divergence: E_{f}(expr) = {e}, expected 0")
    lam = sp.Dummy("lambda")
    coords = jet.coords_in(expr)
    flux = _h_flux(expr, jet, [(f, f) for f in jet.fields], directions,
                   lambda e: _integrate_lambda(e.xreplace({c: lam * c for c in jet.coords_in(e)}),
                                               lam))
    # the field-free part P[0]: terms without jet coordinates (for expressions singular at
    # u = 0, such as log(u) u_x, this is the regular part; Div verification below decides)
    base = sp.Add(*[term for term in sp.Add.make_args(expr)
                    if not any(c in term.free_symbols for c in coords)])
    if base != 0:
        v0 = directions[0]
        prim = sp.integrate(base, v0)
        if prim.has(sp.Integral):
            raise ValueError(f"cannot integrate the field-free part {base} along {v0}")
        flux[v0] += prim
    flux = {v: sp.expand(p) for v, p in flux.items()}
    check = sp.expand(jet.div(flux) - expr)
    if check != 0:
        check = sp.cancel(sp.together(check))
    if check != 0 and not is_zero(check):
        raise ValueError(
            f"homotopy flux failed verification (Div P - expr = {check}); is expr free of "
            f"derivatives along {set(jet.independent) - set(directions)}?"
        )
    return flux

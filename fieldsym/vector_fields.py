r"""Vector fields on the space of independent and dependent variables, their prolongations,
characteristics and Lie brackets.

A vector field :math:`v = \xi^i \partial_i + \phi_\alpha \partial_{u^\alpha}` (coefficients may
depend on jet coordinates: generalized symmetries) has characteristic
:math:`Q_\alpha = \phi_\alpha - \xi^i u^\alpha_i` and prolongation (Olver Thm. 2.36, 5.7)

.. math::
    \mathrm{pr}\,v = \xi^i D_i + \sum_{\alpha, J} D_J Q_\alpha\, \partial/\partial u^\alpha_J,
    \qquad \phi^J_\alpha = D_J Q_\alpha + \xi^i u^\alpha_{J+i},

to any order (only the coordinates present in the expression are touched).  For a field that
depends on a subset of the variables, the sum over :math:`i` runs over its own variables.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from .jets import JetSpace

__all__ = ["VectorField"]


class VectorField:
    r"""A vector field :math:`\xi^i\partial_i + \phi_\alpha\partial_{u^\alpha}` on a jet space.

    Parameters
    ----------
    jet : JetSpace
    xi : mapping variable -> expression, optional (missing entries are zero)
    phi : mapping field -> expression, optional

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> jet = JetSpace([x, t], ["u"])
    >>> u = jet.coord("u")
    >>> v = VectorField(jet, xi={x: 2 * t}, phi={u: -x * u})
    >>> print(v)
    2*t*∂_x - u*x*∂_u
    >>> v.prolong(jet.coord("u", t))
    -u_t*x - 2*u_x
    """

    __slots__ = ("jet", "xi", "phi")

    def __init__(self, jet: JetSpace, xi: Mapping | None = None, phi: Mapping | None = None):
        self.jet = jet
        self.xi = {v: sp.S.Zero for v in jet.independent}
        for v, e in (xi or {}).items():
            v = sp.Symbol(v) if isinstance(v, str) else v
            if v not in self.xi:
                raise ValueError(f"xi: {v} is not an independent variable {jet.independent}")
            self.xi[v] = sp.sympify(e)
        self.phi = {f: sp.S.Zero for f in jet.fields}
        for f, e in (phi or {}).items():
            self.phi[jet._field(f)] = sp.sympify(e)

    # ------------------------------------------------------------------ algebra
    def components(self) -> tuple[sp.Expr, ...]:
        """``(xi^1, ..., xi^p, phi_1, ..., phi_q)``."""
        return tuple(self.xi.values()) + tuple(self.phi.values())

    def map(self, fn) -> VectorField:
        """Apply ``fn`` to every coefficient."""
        return VectorField(self.jet, {v: fn(e) for v, e in self.xi.items()},
                           {f: fn(e) for f, e in self.phi.items()})

    def __add__(self, other):
        return VectorField(self.jet, {v: e + other.xi[v] for v, e in self.xi.items()},
                           {f: e + other.phi[f] for f, e in self.phi.items()})

    def __rmul__(self, scalar):
        return self.map(lambda e: scalar * e)

    def __neg__(self):
        return self.map(lambda e: -e)

    def __sub__(self, other):
        return self + (-other)

    def is_zero(self) -> bool:
        return all(sp.expand(e) == 0 for e in self.components())

    def __eq__(self, other):
        return isinstance(other, VectorField) and (self - other).is_zero()

    __hash__ = None

    @property
    def is_point(self) -> bool:
        """Whether coefficients depend on variables and fields only (no derivatives)."""
        jet = self.jet
        return all(sum(jet.info(c)[1]) == 0 for e in self.components() for c in jet.coords_in(e))

    # ------------------------------------------------------------------ jets
    def characteristic(self) -> dict:
        r""":math:`Q_\alpha = \phi_\alpha - \sum_i \xi^i u^\alpha_i`."""
        jet = self.jet
        return {f: self.phi[f] - sp.Add(*[self.xi[v] * jet.coord(f, v)
                                            for v in jet.field_args(f)])
                for f in jet.fields}

    def prolongation_coefficient(self, field, index) -> sp.Expr:
        r""":math:`\phi^J_\alpha = D_J Q_\alpha + \xi^i u^\alpha_{J+i}`."""
        jet = self.jet
        f = jet._field(field)
        J = jet.multi_index(index)
        Q = self.characteristic()[f]
        out = jet.D_multi(Q, J)
        base = jet.coord(f, J)
        for v in jet.field_args(f):
            out += self.xi[v] * jet.shift(base, v)
        return out

    def __call__(self, expr):
        """Action as a derivation on functions of (x, u) (no prolongation)."""
        expr = sp.sympify(expr)
        out = sp.Add(*[e * sp.diff(expr, v) for v, e in self.xi.items()])
        return out + sp.Add(*[e * sp.diff(expr, f) for f, e in self.phi.items()])

    def prolong(self, expr) -> sp.Expr:
        r""":math:`\mathrm{pr}\,v(\text{expr})`, to the order ``expr`` needs."""
        jet = self.jet
        expr = sp.sympify(expr)
        Q = {f: sp.expand(q) for f, q in self.characteristic().items()}
        out = sp.Add(*[e * sp.diff(expr, v) for v, e in self.xi.items() if e != 0])
        cache: dict = {}

        def DQ(f, J):  # D_J Q_f, built from the one-lower multi-index
            if (f, J) not in cache:
                if not any(J):
                    cache[(f, J)] = Q[f]
                else:
                    i = next(k for k, n in enumerate(J) if n)
                    lower = J[:i] + (J[i] - 1,) + J[i + 1:]
                    cache[(f, J)] = sp.expand(jet.D(DQ(f, lower), jet.independent[i]))
            return cache[(f, J)]

        for c in jet.coords_in(expr):
            f, J = jet.info(c)
            coef = DQ(f, J) + sp.Add(*[self.xi[v] * jet.shift(c, v) for v in jet.field_args(f)])
            out += coef * sp.diff(expr, c)
        return out

    def evolutionary_prolong(self, expr) -> sp.Expr:
        r"""Evolutionary prolongation
        :math:`\mathrm{pr}\,v_Q(\text{expr}) = \sum D_J Q_\alpha\,\partial/\partial u^\alpha_J`."""
        jet = self.jet
        Q = self.characteristic()
        return sp.Add(*[jet.D_multi(Q[jet.info(c)[0]], jet.info(c)[1]) * sp.diff(expr, c)
                        for c in jet.coords_in(expr)])

    def bracket(self, other: VectorField) -> VectorField:
        r"""Lie bracket :math:`[v, w]` of point vector fields: components
        :math:`v(w^k) - w(v^k)`."""
        if not (self.is_point and other.is_point):
            raise ValueError("bracket: both vector fields must be point fields (no derivatives "
                             "in their coefficients)")
        return VectorField(
            self.jet,
            {v: sp.expand(self(other.xi[v]) - other(self.xi[v])) for v in self.xi},
            {f: sp.expand(self(other.phi[f]) - other(self.phi[f])) for f in self.phi},
        )

    # ------------------------------------------------------------------ printing
    def _terms(self):
        for v, e in self.xi.items():
            yield sp.expand(e), v
        for f, e in self.phi.items():
            yield sp.expand(e), f

    def __str__(self):
        return self._render(lambda e: sp.sstr(e), lambda s: f"∂_{s}", "*")

    def _render(self, show, dee, times):
        parts = []
        for e, s in self._terms():
            if e == 0:
                continue
            neg = e.could_extract_minus_sign()
            mag = -e if neg else e
            if mag == 1:
                body = dee(s)
            elif mag.is_Add or (mag.is_Mul and any(a.is_Rational and not a.is_Integer
                                                   for a in mag.args)):
                body = "(" + show(mag) + ")" + times + dee(s)
            else:
                body = show(mag) + times + dee(s)
            parts.append(("-" if neg else "+", body))
        if not parts:
            return "0"
        out = ("-" if parts[0][0] == "-" else "") + parts[0][1]
        for sign, body in parts[1:]:
            out += f" {sign} {body}"
        return out

    def __repr__(self):
        return f"VectorField({self})"

    def latex(self) -> str:
        """LaTeX form, e.g. ``2 t \\partial_{x} - u x \\partial_{u}``."""
        return self._render(sp.latex, lambda s: r"\partial_{" + sp.latex(s) + "}", " ")

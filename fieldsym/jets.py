r"""Jet spaces: independent variables, dependent fields and their derivatives as plain symbols.

A :class:`JetSpace` holds independent variables :math:`x^1, \dots, x^p` and dependent fields
:math:`u^\alpha`, each depending on its own subset of the variables (``Theta(phi)`` beside
``N(u, phi)``).  Jet coordinates :math:`u^\alpha_J` are plain :class:`sympy.Symbol` objects
(``u``, ``u_x``, ``u_xt``, ...) created on demand to any order; :meth:`JetSpace.to_derivatives`
and :meth:`JetSpace.from_derivatives` translate to and from ``Derivative(u(x, t), x)``.

The total derivative is

.. math:: D_i f = \partial_i f + \sum_{\alpha, J} u^\alpha_{J+i}\, \partial f/\partial u^\alpha_J,

where the sum runs over the jet coordinates present in ``f`` and over fields that depend on
:math:`x^i` (for the others :math:`D_i u^\alpha_J = 0`).

Examples
--------
>>> import sympy as sp
>>> x, t = sp.symbols("x t")
>>> jet = JetSpace([x, t], ["u"])
>>> u_x = jet.coord("u", x)
>>> jet.D(u_x**2, x)
2*u_x*u_xx
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sympy as sp

__all__ = ["JetSpace", "PDESystem"]


def _as_symbol(obj, what: str) -> sp.Symbol:
    if isinstance(obj, sp.Symbol):
        return obj
    if isinstance(obj, str) and obj.isidentifier():
        return sp.Symbol(obj)
    raise TypeError(f"expected a sympy Symbol or identifier string for {what}, got {obj!r}")


class JetSpace:
    r"""Jet space of fields over independent variables.

    Parameters
    ----------
    independent : sequence of Symbol or str
        The independent variables :math:`x^i`, in order (multi-indices follow this order).
    fields : sequence of Symbol/str, or mapping name -> sequence of variables
        The dependent fields.  A plain sequence makes every field depend on all variables; a
        mapping gives each field its own arguments, e.g. ``{"Theta": [phi], "N": [u, phi]}``.

    Notes
    -----
    A multi-index is a tuple of derivative counts, one entry per independent variable.  Jet
    coordinate names join the field name and the variables, ``u_xxt``; when a variable name
    has several characters the parts are separated by underscores, ``N_u_phi``.
    """

    def __init__(self, independent: Sequence, fields):
        self.independent: tuple[sp.Symbol, ...] = tuple(
            _as_symbol(v, "an independent variable") for v in independent
        )
        if len(set(self.independent)) != len(self.independent):
            raise ValueError(f"independent variables must be distinct, got {self.independent}")
        if isinstance(fields, Mapping):
            items = [(k, tuple(v)) for k, v in fields.items()]
        else:
            items = [(f, self.independent) for f in fields]
        self.fields: tuple[sp.Symbol, ...] = ()
        self._args: dict[sp.Symbol, tuple[sp.Symbol, ...]] = {}
        for name, args in items:
            f = _as_symbol(name, "a field")
            args = tuple(_as_symbol(a, f"an argument of field {f}") for a in args)
            unknown = [a for a in args if a not in self.independent]
            if unknown:
                raise ValueError(
                    f"field {f} depends on {unknown}, which are not among the independent "
                    f"variables {self.independent}"
                )
            if f in self.independent or f in self._args:
                raise ValueError(f"field name {f} is repeated or clashes with a variable")
            self.fields += (f,)
            self._args[f] = args
        self._sep = "" if all(len(v.name) == 1 for v in self.independent) else "_"
        self._coords: dict[tuple[sp.Symbol, tuple[int, ...]], sp.Symbol] = {}
        self._info: dict[sp.Symbol, tuple[sp.Symbol, tuple[int, ...]]] = {}
        for f in self.fields:
            self._register(f, self.zero_index, f)

    # ---------------------------------------------------------------- coordinates
    @property
    def n(self) -> int:
        """Number of independent variables."""
        return len(self.independent)

    @property
    def zero_index(self) -> tuple[int, ...]:
        return (0,) * self.n

    def field_args(self, field) -> tuple[sp.Symbol, ...]:
        """The variables ``field`` depends on."""
        return self._args[self._field(field)]

    def _field(self, field) -> sp.Symbol:
        f = sp.Symbol(field) if isinstance(field, str) else field
        if f not in self._args:
            raise ValueError(f"unknown field {field!r}; declared fields are {self.fields}")
        return f

    def _register(self, f, mi, sym):
        self._coords[(f, mi)] = sym
        self._info[sym] = (f, mi)

    def multi_index(self, spec) -> tuple[int, ...]:
        """A multi-index from a tuple of counts, or from a sequence of variables ``(x, x, t)``."""
        if isinstance(spec, sp.Symbol):
            spec = (spec,)
        spec = tuple(spec)
        if all(isinstance(s, int) for s in spec) and len(spec) == self.n:
            if any(s < 0 for s in spec):
                raise ValueError(f"multi-index counts must be >= 0, got {spec}")
            return spec
        counts = [0] * self.n
        for v in spec:
            v = _as_symbol(v, "a derivative variable")
            if v not in self.independent:
                raise ValueError(f"cannot differentiate by {v}: not an independent variable")
            counts[self.independent.index(v)] += 1
        return tuple(counts)

    def coord(self, field, spec=()) -> sp.Symbol:
        """The jet coordinate :math:`u^\\alpha_J` (``spec``: counts or a variable sequence)."""
        f = self._field(field)
        mi = self.multi_index(spec)
        key = (f, mi)
        sym = self._coords.get(key)
        if sym is not None:
            return sym
        args = self._args[f]
        for v, k in zip(self.independent, mi):
            if k and v not in args:
                raise ValueError(f"field {f} does not depend on {v}; it depends on {args}")
        parts = [v.name * k if not self._sep else self._sep.join([v.name] * k)
                 for v, k in zip(self.independent, mi) if k]
        sym = sp.Symbol(f"{f.name}_{self._sep.join(parts)}")
        if sym in self.independent or sym in self._args:
            raise ValueError(f"jet coordinate name {sym} clashes with a declared name")
        self._register(f, mi, sym)
        return sym

    def info(self, sym) -> tuple[sp.Symbol, tuple[int, ...]] | None:
        """``(field, multi_index)`` for a jet coordinate symbol, else ``None``."""
        return self._info.get(sym)

    def is_coord(self, sym) -> bool:
        return sym in self._info

    def coords_in(self, expr) -> list[sp.Symbol]:
        """Jet coordinates present in ``expr``, sorted by (order, name)."""
        found = [s for s in sp.sympify(expr).free_symbols if s in self._info]
        return sorted(found, key=lambda s: (sum(self._info[s][1]), s.name))

    def order(self, expr) -> int:
        """Highest derivative order present (``-1`` when no field appears)."""
        return max((sum(self._info[s][1]) for s in self.coords_in(expr)), default=-1)

    def coords_upto(self, field, order: int) -> list[sp.Symbol]:
        """All jet coordinates of ``field`` up to ``order``."""
        f = self._field(field)
        idx = [self.independent.index(v) for v in self._args[f]]
        out = []

        def rec(pos, remaining, counts):
            if pos == len(idx):
                out.append(self.coord(f, tuple(counts)))
                return
            for k in range(remaining + 1):
                counts[idx[pos]] = k
                rec(pos + 1, remaining - k, counts)
            counts[idx[pos]] = 0

        rec(0, order, [0] * self.n)
        return sorted(out, key=lambda s: (sum(self._info[s][1]), s.name))

    def shift(self, sym, var, k: int = 1) -> sp.Symbol | int:
        """The coordinate ``D_var^k`` of ``sym``, or 0 when the field does not depend on ``var``."""
        f, mi = self._info[sym]
        i = self.independent.index(var)
        if var not in self._args[f]:
            return 0
        counts = list(mi)
        counts[i] += k
        return self.coord(f, tuple(counts))

    # ---------------------------------------------------------------- total derivatives
    def D(self, expr, *variables):
        """Total derivative :math:`D_{i_1} \\cdots D_{i_k}` of ``expr``."""
        expr = sp.sympify(expr)
        for var in variables:
            var = _as_symbol(var, "a derivative variable")
            if var not in self.independent:
                raise ValueError(f"D: {var} is not an independent variable {self.independent}")
            out = sp.diff(expr, var)
            for c in self.coords_in(expr):
                nxt = self.shift(c, var)
                if nxt != 0:
                    out += sp.diff(expr, c) * nxt
            expr = out
        return expr

    def D_multi(self, expr, mi: Sequence[int], sign: int = 1):
        """:math:`(\\pm D)_J` for a multi-index of counts ``mi``."""
        for var, k in zip(self.independent, mi):
            for _ in range(k):
                expr = sign * self.D(expr, var)
        return expr

    def div(self, components) -> sp.Expr:
        """Total divergence :math:`D_i P^i` of a mapping ``var -> P^i`` or a full sequence."""
        if isinstance(components, Mapping):
            items = components.items()
        else:
            components = list(components)
            if len(components) != self.n:
                raise ValueError(
                    f"expected {self.n} flux components (one per variable), got {len(components)}"
                )
            items = zip(self.independent, components)
        return sp.Add(*[self.D(p, v) for v, p in items])

    # ---------------------------------------------------------------- conversions
    def function(self, field):
        """The applied function ``u(x, t)`` of a field."""
        f = self._field(field)
        return sp.Function(f.name)(*self._args[f])

    def to_derivatives(self, expr):
        """Replace jet coordinates by ``Derivative(u(x, ...), ...)`` objects."""
        expr = sp.sympify(expr)
        rep = {}
        for c in self.coords_in(expr):
            f, mi = self._info[c]
            fn = self.function(f)
            pairs = [(v, k) for v, k in zip(self.independent, mi) if k]
            rep[c] = sp.diff(fn, *pairs) if pairs else fn  # canonical order
        return expr.xreplace(rep)

    def from_derivatives(self, expr):
        """Inverse of :meth:`to_derivatives`; refuses fields applied to the wrong arguments."""
        expr = sp.sympify(expr)
        names = {f.name: f for f in self.fields}
        rep = {}
        for d in expr.atoms(sp.Derivative):
            fn = d.expr
            if isinstance(fn, sp.core.function.AppliedUndef) and fn.func.__name__ in names:
                f = names[fn.func.__name__]
                self._check_args(f, fn)
                rep[d] = self.coord(f, tuple(v for v, k in d.variable_count for _ in range(k)))
        expr = expr.xreplace(rep)
        rep = {}
        for fn in expr.atoms(sp.core.function.AppliedUndef):
            if fn.func.__name__ in names:
                f = names[fn.func.__name__]
                self._check_args(f, fn)
                rep[fn] = f
        return expr.xreplace(rep)

    def _check_args(self, f, fn):
        if tuple(fn.args) != self._args[f]:
            raise ValueError(
                f"field {f} used as {fn} but declared with arguments {self._args[f]}"
            )

    def __repr__(self):
        fields = ", ".join(f"{f}({', '.join(map(str, self._args[f]))})" for f in self.fields)
        return f"JetSpace({list(self.independent)}, [{fields}])"


class PDESystem:
    r"""A system of differential equations :math:`\Delta_k = 0` on a jet space, solved for
    principal derivatives so that expressions can be reduced on shell.

    Parameters
    ----------
    jet : JetSpace
    equations : sequence of sympy expressions in jet coordinates (each ``= 0``)
    solve_for : sequence of jet coordinates, optional
        The principal derivative of each equation.  By default each equation is solved for its
        highest-order coordinate among those in which it is linear and of which no other
        coordinate of the equation is a derivative (ties: the last in name order).  An equation
        linear in no such coordinate but polynomial in its highest-order one (``y*y_xx**2 +
        y_x``) is kept *implicit* (:attr:`implicit`); symmetry conditions are then reduced by
        polynomial pseudo-division in that coordinate instead of by substitution.

    Attributes
    ----------
    principal : dict coordinate -> solved value (explicit equations)
    implicit : dict coordinate -> equation, polynomial of degree >= 2 in the coordinate

    Notes
    -----
    :meth:`reduce` replaces every derivative of a principal coordinate by the total derivative
    of its solved value, repeatedly, so the result contains parametric coordinates only.  For a
    single equation this normal form is unique; for systems it assumes the equations are
    passive (no hidden integrability conditions).  Implicit equations are not used by
    :meth:`reduce`; :meth:`remainder` also divides by them.
    """

    def __init__(self, jet: JetSpace, equations: Iterable, solve_for: Sequence | None = None):
        self.jet = jet
        self.equations = [sp.sympify(e) for e in equations]
        if not self.equations:
            raise ValueError("expected at least one equation, got none")
        if solve_for is not None and len(solve_for) != len(self.equations):
            raise ValueError(
                f"solve_for needs one coordinate per equation: {len(self.equations)} equations, "
                f"{len(solve_for)} coordinates"
            )
        self.principal: dict[sp.Symbol, sp.Expr] = {}
        self.implicit: dict[sp.Symbol, sp.Expr] = {}
        for k, eq in enumerate(self.equations):
            if not jet.coords_in(eq):
                raise ValueError(f"equation {k} ({eq}) contains no field or derivative")
            if solve_for is None:
                lead, linear = self._leading(eq, k)
            else:
                lead = solve_for[k]
                if not jet.is_coord(lead):
                    raise ValueError(f"equation {k}: {lead} is not a jet coordinate")
                linear = _is_linear_in(eq, lead)
                if not linear:
                    raise ValueError(
                        f"equation {k} ({eq}) is not linear in {lead}; cannot solve for it")
            if lead in self.principal or lead in self.implicit:
                raise ValueError(f"equations share the principal coordinate {lead}; give "
                                 f"solve_for with distinct coordinates")
            if linear:
                coef = sp.diff(eq, lead)
                rest = eq.subs(lead, 0)
                rhs = sp.expand(-rest / coef)
                if lead in rhs.free_symbols:
                    raise ValueError(f"equation {k} cannot be solved for {lead}")
                self.principal[lead] = rhs
            else:
                self.implicit[lead] = eq
        self._check_solved_forms()
        self._cache: dict[sp.Symbol, sp.Expr] = {}
        self._busy: set = set()

    def _is_derivative_of(self, c, p) -> bool:
        """Whether coordinate ``c`` is ``p`` or one of its derivatives."""
        cf, cmi = self.jet.info(c)
        pf, pmi = self.jet.info(p)
        return cf == pf and all(a >= b for a, b in zip(cmi, pmi))

    def _leading(self, eq, k):
        jet = self.jet
        coords = jet.coords_in(eq)

        def maximal(c):
            return not any(o != c and self._is_derivative_of(o, c) for o in coords)

        lin = [c for c in coords if maximal(c) and _is_linear_in(eq, c)]
        if lin:
            top = max(sum(jet.info(c)[1]) for c in lin)
            return max((c for c in lin if sum(jet.info(c)[1]) == top), key=lambda s: s.name), True
        top = max(sum(jet.info(c)[1]) for c in coords)
        lead = max((c for c in coords if sum(jet.info(c)[1]) == top), key=lambda s: s.name)
        try:
            degree = sp.Poly(eq, lead).degree()
        except sp.PolynomialError:
            degree = None
        if degree is None or degree < 2 or not maximal(lead):
            raise ValueError(
                f"equation {k} ({eq}) is linear in none of its highest derivatives and not a "
                f"polynomial in {lead}; expected an equation linear or polynomial in its "
                f"leading derivative (pass solve_for to choose another coordinate)")
        return lead, False

    def _check_solved_forms(self):
        """A solved form that contains a derivative of its own principal coordinate would make
        :meth:`reduce` recurse forever; refuse it with the coordinates named."""
        for p, rhs in self.principal.items():
            bad = [c for c in self.jet.coords_in(rhs) if self._is_derivative_of(c, p)]
            if bad:
                raise ValueError(f"the solved form {p} = {rhs} contains {bad[0]}, a derivative "
                                 f"of {p}; solve the equation for a highest derivative")

    def _principal_below(self, sym):
        f, mi = self.jet.info(sym)
        for p in self.principal:
            pf, pmi = self.jet.info(p)
            if pf == f and all(a >= b for a, b in zip(mi, pmi)):
                return p, pmi
        return None

    def reduce_coord(self, sym):
        """Normal form of one jet coordinate on shell."""
        if sym in self._cache:
            return self._cache[sym]
        if sym in self._busy:
            raise ValueError(f"reduction of {sym} modulo {list(self.principal)} is cyclic: the "
                             f"equations are not in a solved form (pass solve_for)")
        self._busy.add(sym)
        try:
            hit = self._principal_below(sym)
            if hit is None:
                out = sym
            else:
                p, pmi = hit
                f, mi = self.jet.info(sym)
                if mi == pmi:
                    out = self.reduce(self.principal[p])
                else:
                    i = next(i for i, (a, b) in enumerate(zip(mi, pmi)) if a > b)
                    lower = list(mi)
                    lower[i] -= 1
                    prev = self.reduce_coord(self.jet.coord(f, tuple(lower)))
                    out = self.reduce(sp.expand(self.jet.D(prev, self.jet.independent[i])))
        finally:
            self._busy.discard(sym)
        self._cache[sym] = out
        return out

    def reduce(self, expr):
        """Reduce ``expr`` modulo the explicit equations and all their total derivatives."""
        expr = sp.sympify(expr)
        rep = {}
        for c in self.jet.coords_in(expr):
            if self._principal_below(c) is not None:
                rep[c] = self.reduce_coord(c)
        return sp.expand(expr.xreplace(rep)) if rep else expr

    def remainder(self, expr):
        """:meth:`reduce`, then clear denominators and take the polynomial pseudo-remainder by
        each implicit equation in its leading coordinate: zero exactly when ``expr`` vanishes on
        the solutions (for implicit equations irreducible in their leading coordinate)."""
        expr = self.reduce(expr)
        if not self.implicit:
            return expr
        expr = sp.numer(sp.together(expr))
        for lead, eq in self.implicit.items():
            if lead in expr.free_symbols:
                expr = sp.prem(sp.expand(expr), sp.expand(eq), lead)
        return sp.expand(expr)

    def __repr__(self):
        shown = [sp.Eq(k, v) for k, v in self.principal.items()]
        shown += [sp.Eq(e, 0) for e in self.implicit.values()]
        return f"PDESystem({shown})"


def _is_linear_in(eq, c) -> bool:
    coef = sp.diff(eq, c)
    return coef != 0 and c not in coef.free_symbols

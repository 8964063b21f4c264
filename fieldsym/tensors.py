r"""Metric curvature and Lie derivatives in sympy: derive raw, simplify at the edge.

:class:`Metric` computes, lazily and once each, the inverse metric, Christoffel symbols,
Riemann, Ricci, Ricci scalar, Einstein, Weyl (dimension >= 4) and the Kretschmann scalar.
Only the components that index symmetries leave independent are computed (``b <= c`` for
:math:`\Gamma^a{}_{bc}`, ``b <= d`` for :math:`R_{bd}`, pairs ``(ab) <= (cd)`` for
:math:`R_{abcd}`); the rest are filled in by symmetry.

Every cached object is passed once through a pluggable simplifier, per component, and never
through :func:`sympy.simplify`. The default, :func:`trig_cancel`, replaces ``sin x``, ``cos x``
by polynomial variables ``S, C``, brings each expression to a canonical ``p/q`` with
:func:`sympy.cancel`, reduces numerator and denominator modulo ``C**2 + S**2 - 1`` (exact zero
recognition for polynomials in ``S, C``) and maps back. EinsteinPy calls ``simplify`` on every
component, which costs Kerr's Ricci tensor ~30 minutes (its issue #662).

Examples
--------
>>> import sympy as sp
>>> t, r, th, ph, M = sp.symbols("t r theta phi M", positive=True)
>>> f = 1 - 2 * M / r
>>> g = Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph))
>>> g.ricci_tensor.is_zero_matrix
True
>>> g.kretschmann
48*M**2/r**6
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from functools import cached_property

import sympy as sp

__all__ = ["Metric", "trig_cancel", "lie_derivative", "lie_bracket"]


_TRIG_REWRITES = (
    (sp.tan, lambda a: sp.sin(a) / sp.cos(a)),
    (sp.cot, lambda a: sp.cos(a) / sp.sin(a)),
    (sp.sec, lambda a: 1 / sp.cos(a)),
    (sp.csc, lambda a: 1 / sp.sin(a)),
)


def _sincos(expr):
    """``tan``/``cot``/``sec``/``csc`` rewritten through ``sin`` and ``cos``."""
    expr = sp.sympify(expr)
    if expr.has(sp.tan, sp.cot, sp.sec, sp.csc):
        for f, rep in _TRIG_REWRITES:
            expr = expr.replace(f, rep)
    return expr


def _trig_variables(expr):
    """Pairs (arg, S, C) for each distinct argument of sin/cos in ``expr``."""
    args = sorted({a.args[0] for a in expr.atoms(sp.sin, sp.cos)}, key=sp.default_sort_key)
    out = []
    for k, a in enumerate(args):
        out.append((a, sp.Dummy(f"S{k}"), sp.Dummy(f"C{k}")))
    return out


def trig_cancel(expr):
    r"""Canonical rational form, with :math:`\sin^2 + \cos^2 = 1` applied polynomially.

    ``tan``/``cot``/``sec``/``csc`` are rewritten through ``sin``/``cos``; each
    ``sin x``/``cos x`` becomes a polynomial variable; numerator and denominator are reduced
    modulo :math:`C^2 + S^2 - 1` and the quotient is cancelled. An expression is returned as
    ``0`` exactly when it vanishes as a function (for polynomial dependence on ``sin``/``cos``).

    Parameters
    ----------
    expr : sympy.Expr

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> trig_cancel(sp.sin(x) ** 2 / (1 - sp.cos(x) ** 2))
    1
    """
    expr = _sincos(expr)
    triples = _trig_variables(expr)
    if not triples:
        return sp.cancel(expr)
    forward = {}
    for a, s, c in triples:
        forward[sp.sin(a)] = s
        forward[sp.cos(a)] = c
    e = sp.cancel(expr.xreplace(forward))
    num, den = sp.fraction(e)
    for _, s, c in triples:
        rel = c**2 + s**2 - 1
        num = sp.rem(num, rel, c) if num.has(c) else num
        den = sp.rem(den, rel, c) if den.has(c) else den
    if num == 0:
        return sp.S.Zero
    e = sp.cancel(num / den)
    back = {v: k for k, v in forward.items()}
    return e.xreplace(back)


def _as_matrix(components, n=None):
    try:
        m = sp.Matrix(components)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"expected a square matrix of metric components, got {components!r}"
        ) from err
    if m.rows != m.cols:
        raise ValueError(f"expected a square metric matrix, got shape {m.shape}")
    if n is not None and m.rows != n:
        raise ValueError(f"expected {n} x {n} components for {n} coordinates, got {m.shape}")
    return m


def lie_derivative(xi, tensor, coords, indices):
    r"""Lie derivative :math:`\mathcal L_\xi T` of a tensor with any index structure.

    .. math::
        (\mathcal L_\xi T)^{a\ldots}{}_{b\ldots} = \xi^c\partial_c T^{a\ldots}{}_{b\ldots}
        - T^{c\ldots}{}_{b\ldots}\partial_c\xi^a - \ldots
        + T^{a\ldots}{}_{c\ldots}\partial_b\xi^c + \ldots

    Parameters
    ----------
    xi : sequence of sympy.Expr, shape=[n]
        Vector field components :math:`\xi^a`.
    tensor : sympy.Expr, Matrix or NDimArray, shape=[n, ..., n]
        Components; a scalar for ``indices == ""``.
    coords : sequence of sympy.Symbol, shape=[n]
    indices : str
        One letter per slot, ``"u"`` (contravariant) or ``"d"`` (covariant), e.g. ``"dd"``.

    Returns
    -------
    sympy.Expr or sympy.ImmutableDenseNDimArray, shape like ``tensor``
        Unsimplified (the caller simplifies at the edge).
    """
    n = len(coords)
    xi = list(xi)
    if len(xi) != n:
        raise ValueError(f"expected {n} vector components for {n} coordinates, got {len(xi)}")
    if any(s not in "ud" for s in indices):
        raise ValueError(f"expected indices made of 'u' and 'd', got {indices!r}")
    if indices == "":
        return sum(xi[c] * sp.diff(tensor, coords[c]) for c in range(n))
    arr = sp.ImmutableDenseNDimArray(tensor)
    if arr.shape != (n,) * len(indices):
        raise ValueError(
            f"expected a tensor of shape {(n,) * len(indices)} for indices {indices!r}, "
            f"got {arr.shape}"
        )
    dxi = [[sp.diff(xi[a], coords[b]) for b in range(n)] for a in range(n)]
    out = {}
    for idx in itertools.product(range(n), repeat=len(indices)):
        val = sum(xi[c] * sp.diff(arr[idx], coords[c]) for c in range(n))
        for slot, kind in enumerate(indices):
            for c in range(n):
                moved = idx[:slot] + (c,) + idx[slot + 1 :]
                if kind == "u":
                    val -= arr[moved] * dxi[idx[slot]][c]
                else:
                    val += arr[moved] * dxi[c][idx[slot]]
        out[idx] = val
    return sp.ImmutableDenseNDimArray([out[i] for i in sorted(out)], arr.shape)


def lie_bracket(xi, eta, coords):
    r"""Commutator :math:`[\xi,\eta]^a = \xi^b\partial_b\eta^a - \eta^b\partial_b\xi^a`."""
    n = len(coords)
    return [
        sum(
            xi[b] * sp.diff(eta[a], coords[b]) - eta[b] * sp.diff(xi[a], coords[b])
            for b in range(n)
        )
        for a in range(n)
    ]


class _ExprEngine:
    """Arithmetic on sympy expressions; normalises with the caller's simplifier."""

    def __init__(self, coords, simplify):
        self.coords, self.simplify = coords, simplify
        self.zero = sp.S.Zero

    def to(self, e):
        return sp.sympify(e)

    def diff(self, f, i):
        return sp.diff(f, self.coords[i])

    def norm(self, f):
        return self.simplify(f)

    def sum(self, terms):
        return sp.Add(*terms)

    def back(self, f):
        return f


class _FracEngine:
    """Arithmetic in the field Q(params, coords, sin x, cos x) with sin^2 + cos^2 = 1 imposed.

    Used when every component is rational in the symbols and in ``sin``/``cos`` (``tan``,
    ``cot``, ``sec``, ``csc`` are rewritten) of coordinates: sparse polynomial arithmetic with
    gcd cancellation is far cheaper than ``cancel`` on expression trees (Kerr's Ricci tensor:
    under a second instead of a minute). Multivariate gcds dominate the cost, so sums are taken
    over one common denominator (:meth:`sum`) and derivatives by the quotient rule on numerator
    and denominator, each with a single cancellation.
    """

    def __init__(self, coords, exprs):
        exprs = [_sincos(e) for e in exprs]
        args = sorted(
            {a.args[0] for e in exprs for a in e.atoms(sp.sin, sp.cos)}, key=sp.default_sort_key
        )
        if any(a not in coords for a in args):
            raise TypeError("trig argument is not a coordinate")
        for e in exprs:
            for node in sp.preorder_traversal(e):
                if isinstance(node, sp.Function) and not isinstance(node, (sp.sin, sp.cos)):
                    raise TypeError("not rational")
                if isinstance(node, sp.Pow) and not node.exp.is_Integer:
                    raise TypeError("not rational")
                if node.is_Number and not node.is_Rational:
                    raise TypeError("not rational")
        self.trig = [(a, sp.Dummy(f"S_{a}"), sp.Dummy(f"C_{a}")) for a in args]
        symbols = sorted(
            set().union(*(e.free_symbols for e in exprs)) | set(coords), key=sp.default_sort_key
        )
        self.symbols = frozenset(symbols)
        gens = [c for _, _, c in self.trig] + [s for _, s, _ in self.trig] + symbols
        self.field, *self.gens = sp.polys.fields.field(gens, sp.QQ)
        self._gen = dict(zip(gens, self.gens))
        self._pgen = dict(zip(gens, self.field.ring.gens))
        self.coords = coords
        self._fwd = {}
        for a, s_, c_ in self.trig:
            self._fwd[sp.sin(a)], self._fwd[sp.cos(a)] = s_, c_
        self._rel = [self._gen[c_] ** 2 + self._gen[s_] ** 2 - 1 for _, s_, c_ in self.trig]
        self._rel = [(r.numer, r.numer.ring) for r in self._rel]
        self._back = {v: k for k, v in self._fwd.items()}
        self.zero = self.field.zero

    def to(self, e):
        return self.field.from_expr(_sincos(e).xreplace(self._fwd))

    def _dpoly(self, p, x):
        """The derivation d/dx on a polynomial, with d sin x = cos x, d cos x = -sin x."""
        out = p.diff(self._pgen[x])
        for a, s_, c_ in self.trig:
            if a == x:
                S, C = self._pgen[s_], self._pgen[c_]
                out = out + C * p.diff(S) - S * p.diff(C)
        return out

    def diff(self, f, i):
        x = self.coords[i]
        num, den = f.numer, f.denom
        if den == 1:
            return self.field.raw_new(self._dpoly(num, x), den)
        # quotient rule on numerator and denominator, then a single cancellation
        return self.field.new(self._dpoly(num, x) * den - num * self._dpoly(den, x), den**2)

    def norm(self, f):
        if not self._rel or f == 0:
            return f
        num, den = f.numer, f.denom
        for rel, _ in self._rel:
            num, den = num.rem(rel), den.rem(rel)
        ring = self.field.ring
        return self.field(ring(num)) / self.field(ring(den))

    def sum(self, terms):
        """Sum over one common denominator (the lcm of the distinct ones) with a single
        cancellation, instead of one gcd per addition."""
        groups = {}
        for x in terms:
            if x:
                groups[x.denom] = groups.get(x.denom, 0) + x.numer
        if not groups:
            return self.zero
        if len(groups) == 1:
            ((den, num),) = groups.items()
            return self.field.new(num, den)
        den = functools.reduce(_lcm, sorted(groups, key=len, reverse=True))
        num = sum((n * den.exquo(d) for d, n in groups.items()), self.field.ring.zero)
        return self.field.new(num, den)

    def back(self, f):
        return f.as_expr().xreplace(self._back)


def _lcm(p, q):
    """lcm of two polynomials, skipping the gcd when ``q`` divides ``p`` (the usual case for
    denominators built from powers of the same factors)."""
    return p if not p.rem(q) else p.lcm(q)


def _fill_pair_symmetric(out, a, b, c, d, val):
    """Fill R_abcd's antisymmetric pairs and pair exchange from one independent value."""
    for (i, j, s1), (k, l, s2) in itertools.product(
        ((a, b, 1), (b, a, -1)), ((c, d, 1), (d, c, -1))
    ):
        sign = s1 * s2
        out[i, j, k, l] = out[k, l, i, j] = val if sign == 1 else -val


def _engine(coords, exprs, simplify, user_simplify):
    if not user_simplify:
        try:
            return _FracEngine(coords, exprs)
        except (TypeError, ValueError, sp.PolificationFailed, sp.CoercionFailed):
            pass
    return _ExprEngine(coords, simplify)


class Metric:
    r"""A (pseudo-)Riemannian metric :math:`g_{ab}` in coordinates, with lazily cached curvature.

    Parameters
    ----------
    components : sympy.Matrix or nested sequence, shape=[n, n]
        Symmetric, non-degenerate components :math:`g_{ab}`.
    coords : sequence of sympy.Symbol, shape=[n]
        Distinct coordinate symbols.
    simplify : callable, optional
        Applied once to each independent component of each cached object;
        default :func:`trig_cancel`.

    Raises
    ------
    ValueError
        Non-square or dimension-mismatched components, repeated coordinates, an asymmetric
        matrix, or a degenerate metric (:math:`\det g = 0`).

    Notes
    -----
    Sign conventions (Misner–Thorne–Wheeler): :math:`R^a{}_{bcd} = \partial_c\Gamma^a{}_{db}
    - \partial_d\Gamma^a{}_{cb} + \Gamma^a{}_{ce}\Gamma^e{}_{db} - \Gamma^a{}_{de}\Gamma^e{}_{cb}`,
    :math:`R_{bd} = R^a{}_{bad}`.
    """

    def __init__(self, components, coords: Sequence, simplify: Callable | None = None):
        coords = tuple(sp.sympify(c) for c in coords)
        if not all(isinstance(c, sp.Symbol) for c in coords):
            raise TypeError(f"expected coordinate symbols, got {coords!r}")
        if len(set(coords)) != len(coords):
            raise ValueError(f"expected distinct coordinates, got {coords!r}")
        g = _as_matrix(components, len(coords))
        self._user_simplify = simplify is not None
        self.simplify = trig_cancel if simplify is None else simplify
        asym = [
            (i, j) for i in range(g.rows) for j in range(i) if self.simplify(g[i, j] - g[j, i]) != 0
        ]
        if asym:
            raise ValueError(f"expected a symmetric metric, got g{asym[0]} != g{asym[0][::-1]}")
        self.coords = coords
        self.dim = len(coords)
        self.g = sp.ImmutableMatrix(g)
        if self._det == 0:
            raise ValueError(f"degenerate metric: det g = 0 for components {list(self.g)}")

    def __repr__(self):
        return f"Metric({self.g.tolist()!r}, coords={self.coords!r})"

    def _s(self, e):
        return self.simplify(e)

    # -- engine-level objects (internal representation; see _FracEngine) -------------------
    @cached_property
    def _E(self):
        return _engine(self.coords, list(self.g), self.simplify, self._user_simplify)

    @cached_property
    def _g(self):
        E = self._E
        return [[E.to(self.g[a, b]) for b in range(self.dim)] for a in range(self.dim)]

    def _out(self, f):
        return self._E.back(f) if isinstance(self._E, _FracEngine) else f

    @cached_property
    def _det(self):
        E = self._E
        return E.norm(E.to(self.g.det(method="berkowitz")))

    @cached_property
    def _inv(self):
        n, E, g = self.dim, self._E, self.g
        inv = [[E.zero] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                inv[i][j] = inv[j][i] = E.norm(E.to(g.cofactor(j, i)) / self._det)
        return inv

    @cached_property
    def _chr(self):
        n, E, g, gi = self.dim, self._E, self._g, self._inv
        dg = [[[E.diff(g[a][b], c) for c in range(n)] for b in range(n)] for a in range(n)]
        low = {}
        for d in range(n):
            for b in range(n):
                for c in range(b, n):
                    low[d, b, c] = (dg[d][c][b] + dg[d][b][c] - dg[b][c][d]) / 2
        out = [[[None] * n for _ in range(n)] for _ in range(n)]
        for a in range(n):
            for b in range(n):
                for c in range(b, n):
                    terms = [
                        gi[a][d] * low[d, b, c]
                        for d in range(n)
                        if gi[a][d] != 0 and low[d, b, c] != 0
                    ]
                    out[a][b][c] = out[a][c][b] = E.norm(E.sum(terms))
        return out

    @cached_property
    def _riem(self):
        n, E, G = self.dim, self._E, self._chr
        dG = [
            [[[E.diff(G[a][b][c], d) for d in range(n)] for c in range(n)] for b in range(n)]
            for a in range(n)
        ]
        out = {}
        for a, b in itertools.product(range(n), repeat=2):
            for c in range(n):
                out[a, b, c, c] = E.zero
                for d in range(c + 1, n):
                    terms = [dG[a][d][b][c], -dG[a][c][b][d]]
                    for e in range(n):
                        terms += [G[a][c][e] * G[e][d][b], -G[a][d][e] * G[e][c][b]]
                    val = E.norm(E.sum(terms))
                    out[a, b, c, d], out[a, b, d, c] = val, -val
        return out

    @cached_property
    def _riem_low(self):
        n, E, R, g = self.dim, self._E, self._riem, self._g
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        out = {i: E.zero for i in itertools.product(range(n), repeat=4)}
        for p, (a, b) in enumerate(pairs):
            for c, d in pairs[p:]:
                val = E.norm(E.sum(g[a][e] * R[e, b, c, d] for e in range(n) if g[a][e] != 0))
                _fill_pair_symmetric(out, a, b, c, d, val)
        return out

    @cached_property
    def _ric(self):
        n, E, G = self.dim, self._E, self._chr
        lg = [E.norm(E.diff(self._det, x) / (2 * self._det)) for x in range(n)]
        out = [[None] * n for _ in range(n)]
        for b in range(n):
            for d in range(b, n):
                terms = [E.diff(G[a][b][d], a) for a in range(n)] + [-E.diff(lg[b], d)]
                for a in range(n):
                    terms.append(G[a][b][d] * lg[a])
                    terms += [-G[a][b][e] * G[e][a][d] for e in range(n)]
                out[b][d] = out[d][b] = E.norm(E.sum(terms))
        return out

    @cached_property
    def _ric_scalar(self):
        n, gi, Ric, E = self.dim, self._inv, self._ric, self._E
        return E.norm(
            E.sum(gi[a][b] * Ric[a][b] for a in range(n) for b in range(n) if gi[a][b] != 0)
        )

    # -- public objects (sympy) ---------------------------------------------------------------
    @cached_property
    def det(self):
        """Determinant :math:`\\det g`."""
        return self._out(self._det)

    def sqrt_abs_det(self, at=None, *, large=()):
        r""":math:`\sqrt{|\det g|}` in closed form, with the sign of each factor stated.

        :math:`\det g = c\prod_i f_i^{e_i}` is factorised (``sin``/``cos`` of coordinates act
        as variables). Each irreducible :math:`f_i` is replaced by :math:`s_i f_i` with
        :math:`s_i = \pm 1` its sign at a reference point, so that
        :math:`\sqrt{|\det g|} = \sqrt{|c|}\prod_i (s_i f_i)^{e_i/2}`: even powers give
        rational factors (e.g. :math:`\Sigma\sin\theta` for Kerr, not
        :math:`|\Sigma\sin\theta|`). The result is exact on the connected region around the
        reference point where no :math:`f_i` changes sign (e.g. :math:`0 < \theta < \pi`).

        Parameters
        ----------
        at : dict, optional
            Values of symbols (and undefined functions, derivatives) at the reference point.
            Those not given take a generic value in ``[1, 2.5)`` (negated for
            ``negative=True`` symbols), a point inside the usual domains :math:`r > 0`,
            :math:`0 < \theta < \pi`, positive parameters.
        large : sequence of sympy.Symbol
            Symbols sent to :math:`+\infty` first: each factor's sign is that of its leading
            coefficient in them (a charge surface at :math:`r \to \infty`).

        Raises
        ------
        ValueError
            A factor vanishes at the reference point (its sign is undetermined there), or is
            not polynomial in a ``large`` symbol.

        Examples
        --------
        >>> import sympy as sp
        >>> t, r, th, ph, M = sp.symbols("t r theta phi M")
        >>> f = 1 - 2 * M / r
        >>> Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph)).sqrt_abs_det()
        r**2*sin(theta)
        """
        from sympy.core.function import AppliedUndef

        at = dict(at or {})
        coeff, factors = sp.factor_list(self.det)
        names = set()
        for f, _ in factors:
            names |= f.free_symbols | f.atoms(AppliedUndef, sp.Derivative)
        for k, x in enumerate(sorted(names - set(at), key=sp.default_sort_key)):
            val = 1 + sp.Rational(k % 10, 7)
            at[x] = -val if getattr(x, "is_negative", False) else val
        out = sp.sqrt(sp.Abs(coeff))
        for f, e in factors:
            lead = f
            for x in large:
                try:
                    lead = sp.Poly(lead, x).LC()
                except sp.PolynomialError as err:
                    raise ValueError(
                        f"expected det g polynomial in {x} to take its sign as {x} -> oo, "
                        f"got factor {f}"
                    ) from err
            val = sp.N(lead.xreplace(at), 30)
            if not val.is_number or val == 0 or val.is_real is False:
                raise ValueError(
                    f"the sign of the factor {f} of det g is undetermined at {at} "
                    f"(value {val}); pass another reference point"
                )
            out *= (f if val > 0 else -f) ** sp.Rational(e, 2)
        return out

    @cached_property
    def inverse(self):
        """Inverse metric :math:`g^{ab}` (adjugate over determinant, symmetric entries once)."""
        return sp.ImmutableMatrix(self.dim, self.dim, lambda a, b: self._out(self._inv[a][b]))

    def lower(self, vector):
        """:math:`\\xi_a = g_{ab}\\xi^b`."""
        return [sum(self.g[a, b] * vector[b] for b in range(self.dim)) for a in range(self.dim)]

    def raise_index(self, covector):
        """:math:`\\omega^a = g^{ab}\\omega_b`."""
        return [
            sum(self.inverse[a, b] * covector[b] for b in range(self.dim)) for a in range(self.dim)
        ]

    @cached_property
    def christoffel(self):
        r""":math:`\Gamma^a{}_{bc}`, shape=[n, n, n] (computed for ``b <= c``)."""
        n = self.dim
        return sp.ImmutableDenseNDimArray(
            [
                [[self._out(self._chr[a][b][c]) for c in range(n)] for b in range(n)]
                for a in range(n)
            ]
        )

    @cached_property
    def riemann(self):
        r""":math:`R^a{}_{bcd}`, shape=[n, n, n, n] (computed for ``c < d``)."""
        R = self._riem
        return sp.ImmutableDenseNDimArray([self._out(R[i]) for i in sorted(R)], (self.dim,) * 4)

    @cached_property
    def riemann_lower(self):
        r""":math:`R_{abcd}`, shape=[n, n, n, n] (independent pairs ``(ab) <= (cd)`` only)."""
        R = self._riem_low
        return sp.ImmutableDenseNDimArray([self._out(R[i]) for i in sorted(R)], (self.dim,) * 4)

    @cached_property
    def ricci_tensor(self):
        r""":math:`R_{bd}`, a symmetric ImmutableMatrix (computed for ``b <= d``).

        Uses :math:`\Gamma^a{}_{ab} = \partial_b\ln\sqrt{|g|}`, so the full Riemann tensor is
        not needed: :math:`R_{bd} = \partial_a\Gamma^a{}_{bd} - \partial_b\partial_d\ln\sqrt{|g|}
        + \Gamma^a{}_{bd}\Gamma^e{}_{ae} - \Gamma^a{}_{be}\Gamma^e{}_{ad}`.
        """
        return sp.ImmutableMatrix(self.dim, self.dim, lambda a, b: self._out(self._ric[a][b]))

    @cached_property
    def ricci_scalar(self):
        """:math:`R = g^{ab}R_{ab}`."""
        return self._out(self._ric_scalar)

    @cached_property
    def einstein_tensor(self):
        r""":math:`G_{ab} = R_{ab} - \tfrac12 R g_{ab}`."""
        E, R = self._E, self._ric_scalar
        return sp.ImmutableMatrix(
            self.dim,
            self.dim,
            lambda a, b: self._out(E.norm(self._ric[a][b] - R * self._g[a][b] / 2)),
        )

    @cached_property
    def weyl(self):
        r""":math:`C_{abcd}` (dimension >= 4), shape=[n, n, n, n].

        .. math:: C_{abcd} = R_{abcd} - \frac{2}{n-2}\left(g_{a[c}R_{d]b} - g_{b[c}R_{d]a}\right)
                  + \frac{2R}{(n-1)(n-2)} g_{a[c}g_{d]b}
        """
        n = self.dim
        if n < 4:
            raise ValueError(
                f"the Weyl tensor needs dimension >= 4 (it vanishes identically below), got {n}"
            )
        E, Rl, Ric, R, g = self._E, self._riem_low, self._ric, self._ric_scalar, self._g

        def c(a, b, cc, d):
            val = Rl[a, b, cc, d]
            val -= (
                g[a][cc] * Ric[d][b]
                - g[a][d] * Ric[cc][b]
                - g[b][cc] * Ric[d][a]
                + g[b][d] * Ric[cc][a]
            ) / (n - 2)
            return val + R * (g[a][cc] * g[d][b] - g[a][d] * g[cc][b]) / ((n - 1) * (n - 2))

        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        out = {i: E.zero for i in itertools.product(range(n), repeat=4)}
        for p, (a, b) in enumerate(pairs):
            for cc, d in pairs[p:]:
                _fill_pair_symmetric(out, a, b, cc, d, E.norm(c(a, b, cc, d)))
        return sp.ImmutableDenseNDimArray([self._out(out[i]) for i in sorted(out)], (n,) * 4)

    @cached_property
    def kretschmann(self):
        r""":math:`K = R_{abcd}R^{abcd} = 4\,\mathrm{tr}(B^2)`, with
        :math:`B_{(ab)}{}^{(cd)} = R_{ab}{}^{cd}` over bivector indices ``a < b``, ``c < d``."""
        n, E, Rl, gi = self.dim, self._E, self._riem_low, self._inv
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        B = [[None] * len(pairs) for _ in pairs]
        for P, (a, b) in enumerate(pairs):
            for Q, (c, d) in enumerate(pairs):
                terms = []
                for e in range(n):
                    for f in range(e + 1, n):
                        if Rl[a, b, e, f] != 0:
                            terms += [
                                Rl[a, b, e, f] * gi[e][c] * gi[f][d],
                                -Rl[a, b, e, f] * gi[e][d] * gi[f][c],
                            ]
                B[P][Q] = E.sum(terms)
        k = len(pairs)
        tr = E.sum(B[P][Q] * B[Q][P] for P in range(k) for Q in range(k))
        return self._out(E.norm(4 * tr))

    # -- symmetries --------------------------------------------------------------------------
    def lie_derivative(self, xi):
        r""":math:`(\mathcal L_\xi g)_{ab} = \xi^c\partial_c g_{ab} + g_{cb}\partial_a\xi^c
        + g_{ac}\partial_b\xi^c`, simplified, as an ImmutableMatrix."""
        arr = lie_derivative(xi, self.g, self.coords, "dd")
        n = self.dim
        out = sp.zeros(n, n)
        for a in range(n):
            for b in range(a, n):
                out[a, b] = out[b, a] = self._s(arr[a, b])
        return sp.ImmutableMatrix(out)

    def killing_equations(self, xi):
        """Independent components ``{(a, b): expr}`` (``a <= b``) of :math:`\\mathcal L_\\xi g`."""
        L = self.lie_derivative(xi)
        return {(a, b): L[a, b] for a in range(self.dim) for b in range(a, self.dim)}

    def covariant_derivative_vector(self, xi):
        r""":math:`\nabla_b\xi^a`, as a Matrix indexed ``[a, b]``."""
        n, G, x = self.dim, self.christoffel, self.coords
        return sp.Matrix(
            n, n, lambda a, b: sp.diff(xi[a], x[b]) + sum(G[a, b, c] * xi[c] for c in range(n))
        )

    def killing_form_covariant(self, xi):
        r""":math:`\nabla_a\xi_b + \nabla_b\xi_a`, an independent route to the Lie derivative."""
        n, G, x = self.dim, self.christoffel, self.coords
        low = self.lower(xi)
        nab = [
            [sp.diff(low[b], x[a]) - sum(G[c, a, b] * low[c] for c in range(n)) for b in range(n)]
            for a in range(n)
        ]
        return sp.ImmutableMatrix(n, n, lambda a, b: self._s(nab[a][b] + nab[b][a]))

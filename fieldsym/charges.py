r"""Barnich–Brandt surface charges of Einstein gravity in any dimension, their integrability,
integration over solution space, and the charge algebra with its central extension.

The Barnich–Brandt (BB) :math:`(n-2)`-form for a vector :math:`\xi`, a background :math:`g` and a
perturbation :math:`h = \delta g` is :math:`k_\xi[h; g] = (d^{n-2}x)_{\mu\nu}\,k^{\mu\nu}` with

.. math::
    k^{\mu\nu} = \frac{\sqrt{-g}}{16\pi G}\Big(\xi^\mu\nabla_\sigma h^{\nu\sigma}
    - \xi^\mu\nabla^\nu h + \xi_\sigma\nabla^\nu h^{\mu\sigma} + \tfrac12 h\nabla^\nu\xi^\mu
    - h^{\rho\nu}\nabla_\rho\xi^\mu + \tfrac12 h^{\nu\sigma}(\nabla^\mu\xi_\sigma
    + \nabla_\sigma\xi^\mu) - (\mu\leftrightarrow\nu)\Big)

(Barnich & Brandt 2002; Barnich & Compère 2007; the antisymmetriser carries no 1/2, which
the Schwarzschild calibration :math:`\delta Q_{\partial_t} = \delta M` fixes),
:math:`h = g^{\mu\nu}h_{\mu\nu}` and
indices moved with :math:`g`. On a surface ``t = const, r = const`` with coordinates
``(t, r, angles)`` ordered as oriented (:math:`\epsilon_{tr\ldots} = +1`) the charge is
:math:`\delta Q_\xi = \oint k^{tr}\, d^{n-2}\theta`. This orientation gives
:math:`\delta Q_{\partial_t} = \delta M` for Schwarzschild.

Iyer–Wald: the covariant phase space form differs from BB by a term bilinear in :math:`h`
and :math:`\mathcal L_\xi g` (Barnich & Compère 2008, schematically
:math:`\sqrt{-g}\,h^{[\mu}{}_\sigma(\mathcal L_\xi g)^{\nu]\sigma}`). It vanishes for exact
Killing vectors (the Schwarzschild and Kerr calibrations hold for both). For asymptotic
symmetries the two may differ; this module implements BB only, which is fixed by the equations
of motion alone (no boundary-term ambiguity), and does not compute the Iyer–Wald correction.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef

from .asymptotics import laurent_coefficients, linearize
from .tensors import Metric, _FracEngine

__all__ = [
    "barnich_brandt",
    "charge_density",
    "surface_charge",
    "euler_operator_1d",
    "is_total_derivative",
    "integrability_obstruction",
    "integrate_charge",
    "mode_integral",
    "virasoro_cocycle",
]


def barnich_brandt(metric: Metric, xi, h, mu: int, nu: int, G=None, *, sqrt_g=None):
    r"""Component :math:`k^{\mu\nu}` of the Barnich–Brandt form (formula in the module docstring).

    Parameters
    ----------
    metric : Metric
        Background :math:`g`.
    xi : sequence of sympy.Expr, shape=[n]
        :math:`\xi^\mu` (may depend on the fields).
    h : sympy.Matrix, shape=[n, n]
        Perturbation :math:`h_{\mu\nu}`, symmetric.
    mu, nu : int
        Which component.
    G : sympy.Expr, optional
        Newton's constant (default the symbol ``G``).
    sqrt_g : sympy.Expr, optional
        :math:`\sqrt{-g}`; default :meth:`Metric.sqrt_abs_det` (each factor of
        :math:`\det g` taken with its sign at a generic reference point, e.g.
        :math:`\sqrt{-g} = \Sigma\sin\theta` for Kerr on :math:`0 < \theta < \pi`).

    Returns
    -------
    sympy.Expr
        :math:`k^{\mu\nu}` including :math:`\sqrt{-g}/16\pi G`.
    """
    n = metric.dim
    G = sp.Symbol("G", positive=True) if G is None else G
    h = sp.Matrix(h)
    if h.shape != (n, n) or len(xi) != n:
        raise ValueError(
            f"expected xi of length {n} and h of shape ({n}, {n}), got {len(xi)}, {h.shape}"
        )
    sqrt_g = metric.sqrt_abs_det() if sqrt_g is None else sqrt_g
    return sqrt_g * _bb_bracket(metric, xi, h, mu, nu) / (16 * sp.pi * G)


def _linear_parts(E, xi, h):
    """``[(eps, h_eps)]`` with ``h = sum eps * h_eps`` when ``h`` is linear and homogeneous in
    symbols outside the metric's field (e.g. ``delta_M``) and ``xi`` is free of them; else
    ``None``."""
    new = sorted(h.free_symbols - E.symbols, key=sp.default_sort_key)
    if not new or any(sp.sympify(c).free_symbols & set(new) for c in xi):
        return None
    parts = [(s, h.applyfunc(lambda e, s=s: sp.expand(sp.diff(e, s)))) for s in new]
    if any(p.free_symbols & set(new) for _, p in parts):
        return None
    if not h.subs({s: 0 for s in new}).applyfunc(sp.cancel).is_zero_matrix:
        return None
    return parts


def _bb_bracket(metric, xi, h, mu, nu):
    """The bracket of k^{mu nu} (without sqrt(-g)/16 pi G), as a sympy expression."""
    E = metric._E
    if not isinstance(E, _FracEngine):
        return sp.cancel(_bb_core(E, metric._inv, metric._chr, metric._g, xi, h, mu, nu))
    parts = _linear_parts(E, xi, h)
    if parts is not None:  # k is linear in h: one pass per direction in the metric's own field
        return sp.Add(*[s * _bb_bracket(metric, xi, p, mu, nu) for s, p in parts])
    try:
        return E.back(_bb_core(E, metric._inv, metric._chr, metric._g, xi, h, mu, nu))
    except (TypeError, ValueError, sp.PolificationFailed, sp.CoercionFailed):
        pass
    # xi or h bring new symbols non-linearly: move the cached objects to a larger field.
    E2 = _FracEngine(metric.coords, list(metric.g) + list(h) + [sp.sympify(c) for c in xi])
    gi, g = ([[E2.to(E.back(x)) for x in row] for row in m] for m in (metric._inv, metric._g))
    Gam = [[[E2.to(E.back(x)) for x in row] for row in m] for m in metric._chr]
    return E2.back(_bb_core(E2, gi, Gam, g, xi, h, mu, nu))


def _bb_core(E, gi, Gam, g, xi, h, mu, nu):
    n = len(gi)
    X = [E.to(c) for c in xi]
    H = [[E.to(h[a, b]) for b in range(n)] for a in range(n)]
    S = E.sum
    rng = range(n)
    Hu = [[None] * n for _ in rng]
    for a in rng:
        for b in range(a, n):
            Hu[a][b] = Hu[b][a] = E.norm(
                S(
                    gi[a][c] * gi[b][d] * H[c][d]
                    for c in rng
                    for d in rng
                    if gi[a][c] != 0 and gi[b][d] != 0 and H[c][d] != 0
                )
            )
    htr = S(gi[a][b] * H[a][b] for a in rng for b in rng if gi[a][b] != 0)
    Xl = [S(g[a][b] * X[b] for b in rng if g[a][b] != 0) for a in rng]
    DX = [
        [S([E.diff(X[a], c)] + [Gam[a][c][d] * X[d] for d in rng]) for c in rng] for a in rng
    ]  # nabla_c xi^a
    DXl = [
        [S([E.diff(Xl[a], c)] + [-Gam[d][c][a] * Xl[d] for d in rng]) for c in rng] for a in rng
    ]  # nabla_c xi_a

    cache = {}

    def Dh(a, b, c):  # nabla_c h^{ab}
        if (a, b, c) not in cache:
            terms = [E.diff(Hu[a][b], c)]
            terms += [Gam[a][c][d] * Hu[d][b] for d in rng if Gam[a][c][d] != 0 and Hu[d][b] != 0]
            terms += [Gam[b][c][d] * Hu[a][d] for d in rng if Gam[b][c][d] != 0 and Hu[a][d] != 0]
            cache[a, b, c] = E.norm(S(terms))
        return cache[a, b, c]

    def up(vec_c, a):  # g^{a c} v_c, as a list of terms
        return [gi[a][c] * vec_c[c] for c in rng if gi[a][c] != 0 and vec_c[c] != 0]

    def K(m, v):  # the terms of the bracket before antisymmetrisation
        dh = [E.diff(htr, c) for c in rng]
        terms = [X[m] * Dh(v, s, s) for s in rng]
        terms += [-X[m] * x for x in up(dh, v)]
        for s in rng:
            terms += [Xl[s] * x for x in up([Dh(m, s, c) for c in rng], v)]
        terms += [htr * x / 2 for x in up(DX[m], v)]
        terms += [-Hu[rho][v] * DX[m][rho] for rho in rng]
        for s in rng:
            terms += [Hu[v][s] * x / 2 for x in up(DXl[s], m) + [DX[m][s]]]
        return terms

    return E.norm(S(K(mu, nu) + [-x for x in K(nu, mu)]))


def _constant_term_at_infinity(expr, r):
    """r^0 coefficient of a rational function of r expanded at r = oo (exact, from the leading
    coefficients); ValueError when it grows."""
    num, den = sp.fraction(sp.cancel(sp.together(expr)))
    pn, pd = sp.Poly(num, r), sp.Poly(den, r)
    if pn.is_zero or pn.degree() < pd.degree():
        return sp.S.Zero
    if pn.degree() > pd.degree():
        raise ValueError(
            f"surface charge diverges as r -> oo: grows like r^{pn.degree() - pd.degree()}"
        )
    return sp.cancel(pn.LC() / pd.LC())


def charge_density(metric: Metric, xi, h, time: int, radial: int, r, G=None, *, laurent=True):
    r"""Leading :math:`r \to \infty` term of :math:`k^{tr}`: the density to integrate over the
    angles. ``laurent=True`` expects a Laurent polynomial in ``r`` (all coefficients kept and
    checked); otherwise any rational function of ``r``. Raises ``ValueError`` when growing terms
    survive (the charge diverges). :math:`\sqrt{-g}` is :meth:`Metric.sqrt_abs_det` with each
    factor's sign taken as ``r -> oo``."""
    sqrt_g = metric.sqrt_abs_det(large=(r,))
    k = barnich_brandt(metric, xi, h, time, radial, G, sqrt_g=sqrt_g)
    if not laurent:
        return _constant_term_at_infinity(k, r)
    coeffs = laurent_coefficients(k, r)
    grow = {p: c for p, c in coeffs.items() if p > 0 and sp.simplify(c) != 0}
    if grow:
        raise ValueError(f"surface charge diverges as r -> oo: terms {grow}")
    return sp.cancel(coeffs.get(0, sp.S.Zero))


def surface_charge(metric: Metric, xi, h, time: int, radial: int, r, angles, G=None):
    r""":math:`\delta Q_\xi = \oint_{r\to\infty} k^{tr}` over ``angles = {symbol: (lo, hi)}``.

    Examples
    --------
    >>> import sympy as sp
    >>> t, r, th, ph = sp.symbols("t r theta phi")
    >>> M, dM = sp.symbols("M delta_M", positive=True)
    >>> f = 1 - 2 * M / r
    >>> g = Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph))
    >>> h = sp.diff(g.g, M) * dM
    >>> surface_charge(g, [1, 0, 0, 0], h, 0, 1, r, {th: (0, sp.pi), ph: (0, 2 * sp.pi)}, G=1)
    delta_M
    """
    dens = charge_density(metric, xi, h, time, radial, r, G, laurent=False)
    for x, (lo, hi) in angles.items():
        dens = sp.integrate(sp.expand(dens), (x, lo, hi))
    return sp.simplify(dens)


def euler_operator_1d(density, field, x):
    r""":math:`E_F(L) = \sum_k (-D_x)^k\,\partial L/\partial F^{(k)}` for one function ``F(x)``."""
    order = max([d.derivative_count for d in density.atoms(sp.Derivative) if d.expr == field] + [0])
    derivs = [field] + [sp.Derivative(field, (x, k)) for k in range(1, order + 1)]
    dums = [sp.Dummy(f"F{k}") for k in range(order + 1)]
    flat = density.subs(dict(zip(reversed(derivs), reversed(dums))))
    out = sp.S.Zero
    for k, d in enumerate(dums):
        term = sp.diff(flat, d).subs(dict(zip(dums, derivs)))
        out += (-1) ** k * sp.diff(term, x, k) if k else term
    return sp.expand(out)


def is_total_derivative(density, x) -> bool:
    r"""True when the density integrates to zero over the circle for all values of the functions
    of ``x`` in it: every Euler operator vanishes, so it is :math:`D_x` of a local expression up
    to a function of ``x`` alone, whose integral over :math:`[0, 2\pi]` must vanish too."""
    density = sp.expand(sp.sympify(density).doit())
    funcs = [f for f in density.atoms(AppliedUndef) if f.args == (x,)]
    if any(euler_operator_1d(density, f, x) != 0 for f in funcs):
        return False
    rest = sp.expand(density.subs({f: 0 for f in funcs}).doit())
    return rest == 0 or sp.simplify(sp.integrate(rest, (x, 0, 2 * sp.pi))) == 0


def integrability_obstruction(density, fields, variations, x):
    r""":math:`\delta_2(\delta_1 Q) - \delta_1(\delta_2 Q)` as a density in ``x``.

    ``density`` is linear in ``variations`` (the :math:`\delta F`); a second, independent set of
    variations is introduced and the antisymmetrised second variation returned. The charge is
    integrable when it is a total derivative (see :func:`is_total_derivative`).
    """
    second = [sp.Function(f"{d.func.__name__}_2")(*d.args) for d in variations]
    d12 = linearize(density, fields, second)
    d21 = linearize(
        density.subs(dict(zip(variations, second)), simultaneous=True), fields, variations
    )
    return sp.expand(d12 - d21)


def integrate_charge(density, fields, variations, *, background=None):
    r"""Integrate :math:`\delta Q` along the straight path :math:`F_s = F_0 + s(F - F_0)`,
    :math:`s \in [0, 1]`, from ``background`` :math:`F_0` (default all fields zero, whose charge
    is set to zero)."""
    s = sp.Dummy("s")
    bg = [sp.S.Zero] * len(fields) if background is None else list(background)
    subs = {f: b + s * (f - b) for f, b in zip(fields, bg)}
    subs.update({d: f - b for d, f, b in zip(variations, fields, bg)})
    integrand = density.subs(subs, simultaneous=True).doit()
    return sp.expand(sp.integrate(sp.expand(integrand), (s, 0, 1)))


def mode_integral(expr, x):
    r""":math:`\oint_0^{2\pi} \mathrm{expr}\,dx` for sums of :math:`c\,e^{ikx}` with symbolic
    integer ``k`` (:math:`2\pi\,c\,\delta_{k,0}`)."""
    e = sp.expand(sp.powsimp(sp.expand(expr), combine="exp"))
    out = sp.S.Zero
    for term in sp.Add.make_args(e):
        exps = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.exp)]
        coeff = sp.Mul(*[f for f in sp.Mul.make_args(term) if not isinstance(f, sp.exp)])
        if coeff.has(x):
            raise ValueError(f"expected c * exp(i k {x}) terms, got {term}")
        k = sp.expand(sum((f.args[0] for f in exps), sp.S.Zero) / (sp.I * x))
        if k.has(x):
            raise ValueError(f"expected exponents linear in {x}, got {term}")
        out += 2 * sp.pi * coeff * (sp.KroneckerDelta(k, 0) if not k.is_number else int(k == 0))
    return out


def virasoro_cocycle(central, m):
    r"""Fit :math:`C(m) = \frac{c}{12}(m^3 - m) + 2 m s`: the central term of
    :math:`i\{X_m, Y_n\} = (m-n)Z_{m+n} + C(m)\delta_{m+n,0}` after the shift
    :math:`Z_0 \to Z_0 + s`. Returns ``(c, s)``; ``ValueError`` when :math:`C` is not of this
    form (not a polynomial cocycle of Virasoro type)."""
    c, s = sp.symbols("c s")
    residual = sp.Poly(sp.expand(central - c * (m**3 - m) / 12 - 2 * m * s), m)
    sol = sp.solve(residual.coeffs(), [c, s], dict=True)
    if len(sol) != 1:
        raise ValueError(f"central term {central} is not c/12 (m^3 - m) + 2 m s")
    return sp.simplify(sol[0].get(c, c)), sp.simplify(sol[0].get(s, s))

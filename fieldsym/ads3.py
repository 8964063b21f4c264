r"""Three-dimensional gravity with a cosmological constant in Bondi gauge, derived from the
ansatz as data by :mod:`fieldsym.asymptotic_pipeline` (Barnich, Gomberoff & González 2012,
arXiv 1204.3288).

Ansatz (Bondi gauge: :math:`g_{rr} = g_{r\phi} = 0`, :math:`g_{\phi\phi} = r^2`), with
:math:`V, W, \beta` unknown functions of :math:`(u, r, \phi)`:

.. math:: ds^2 = V\,du^2 - 2e^{2\beta}du\,dr + 2W\,du\,d\phi + r^2 d\phi^2,

boundary conditions :math:`g_{uu} = O(r^2)`, :math:`g_{ur} = -1 + O(r^{-1})`,
:math:`g_{u\phi} = O(1)`, and :math:`R_{ab} = 2\Lambda g_{ab}`. The pipeline finds
:math:`\beta = 0`, :math:`W = N`, :math:`V = \Lambda r^2 + M` with
:math:`\partial_u M = -2\Lambda\,\partial_\phi N`, :math:`\partial_u N = \tfrac12\partial_\phi M`,
and symmetry parameters :math:`\xi^u = T`, :math:`\lim\xi^\phi = Y` with
:math:`\partial_u T = \partial_\phi Y`, :math:`\partial_u Y = -\Lambda\,\partial_\phi T`.
Mode bases (parameters ``(T, Y)`` on the slice ``u = 0``):

- :func:`jp_basis`: :math:`J_m = Q[Y = e^{im\phi}]`, :math:`P_m = Q[T = e^{im\phi}]`, the
  basis whose :math:`\ell \to \infty` limit is BMS3;
- :func:`virasoro_basis`: :math:`L^\pm_m` with :math:`Y^\pm = e^{imx^\pm}`,
  :math:`x^\pm = u/\ell \pm \phi`, :math:`T = \tfrac\ell2(Y^+ + Y^-)`,
  :math:`Y = \tfrac12(Y^+ - Y^-)` (the two chiral halves).

For :math:`\Lambda = 0` the same data give the BMS3 solution space with :math:`\Theta = M`
(the integration is then closed form, and ``T`` is named :math:`\alpha`).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import sympy as sp

from .asymptotic_pipeline import (
    AsymptoticAnalysis,
    AsymptoticProblem,
    ModeAlgebra,
    ModeBasis,
    analyze,
    derive_mode_algebra,
)

__all__ = [
    "bondi_gauge_problem",
    "jp_basis",
    "virasoro_basis",
    "AdS3Result",
    "derive_ads3",
    "cached_ads3",
    "flat_limit_symbol",
]

u, phi = sp.symbols("u phi", real=True)
r = sp.Symbol("r", positive=True)
ell = sp.Symbol("ell", positive=True)
G = sp.Symbol("G", positive=True)
NAMES = {"V": "M", "V0": "M", "W0": "N", "N": "N", "xi^u": "T", "T": "alpha", "xi^phi": "Y"}
BOUNDARY_CONDITIONS = {(0, 0): 2, (0, 1): (-1, -1), (0, 2): 0}


def bondi_gauge_problem(cosmological_constant=-1 / ell**2) -> AsymptoticProblem:
    r"""The 3D Bondi-gauge data of the module docstring with :math:`\Lambda` given.

    Examples
    --------
    >>> prob = bondi_gauge_problem()
    >>> prob.cosmological_constant, prob.unknowns
    (-1/ell**2, (V(u, r, phi), W(u, r, phi), beta(u, r, phi)))
    """
    V, W, beta = (sp.Function(f)(u, r, phi) for f in ("V", "W", "beta"))
    e2b = sp.exp(2 * beta)
    g = sp.Matrix([[V, -e2b, W], [-e2b, 0, 0], [W, 0, r**2]])
    return AsymptoticProblem(
        g,
        (u, r, phi),
        (V, W, beta),
        r,
        u,
        cosmological_constant=sp.sympify(cosmological_constant),
        boundary_conditions=BOUNDARY_CONDITIONS,
        names=tuple(NAMES.items()),
        newton_constant=G,
    )


def jp_basis(m=None) -> ModeBasis:
    r""":math:`P_m`: parameters :math:`(e^{im\phi}, 0)`; :math:`J_m`: :math:`(0, e^{im\phi})`
    (positional: the first parameter is :math:`\xi^u|_{u=0}`, the second
    :math:`\lim \xi^\phi`).

    Examples
    --------
    >>> jp_basis().families
    (('J', 'ordered', (0, exp(I*m*phi))), ('P', 'ordered', (exp(I*m*phi), 0)))
    """
    m = sp.Symbol("m", integer=True) if m is None else m
    e = sp.exp(sp.I * m * phi)
    return ModeBasis({"J": (0, e), "P": (e, 0)}, m)


def virasoro_basis(radius=ell, m=None) -> ModeBasis:
    r""":math:`L^+_m`: :math:`(T, Y) = (\tfrac\ell2 e^{im\phi}, \tfrac12 e^{im\phi})`;
    :math:`L^-_m`: :math:`(\tfrac\ell2 e^{-im\phi}, -\tfrac12 e^{-im\phi})` on ``u = 0``.

    Examples
    --------
    >>> [family[2] for family in virasoro_basis().families]
    [(ell*exp(I*m*phi)/2, exp(I*m*phi)/2), (ell*exp(-I*m*phi)/2, -exp(-I*m*phi)/2)]
    """
    m = sp.Symbol("m", integer=True) if m is None else m
    ep, em = sp.exp(sp.I * m * phi), sp.exp(-sp.I * m * phi)
    return ModeBasis({"Lp": (radius * ep / 2, ep / 2), "Lm": (radius * em / 2, -em / 2)}, m)


def flat_limit_symbol(cosmological_constant):
    r"""``(symbol, value)`` with :math:`\Lambda \to 0` as ``symbol -> value`` (``ell -> oo`` for
    :math:`-1/\ell^2`), or None when :math:`\Lambda` has no free symbol.

    Examples
    --------
    >>> [flat_limit_symbol(lam) for lam in (-1 / ell**2, sp.Symbol("Lambda"), -1)]
    [(ell, oo), (Lambda, 0), None]
    """
    lam = sp.sympify(cosmological_constant)
    for s in sorted(lam.free_symbols, key=str):
        for point in (sp.oo, 0):
            if sp.limit(lam, s, point) == 0:
                return s, point
    return None


@dataclass(frozen=True)
class AdS3Result:
    """The pipeline's results for one :math:`\\Lambda`, the Virasoro basis (when
    :math:`\\Lambda < 0`) and the :math:`J, P` algebra's flat limit (when :math:`\\Lambda`
    has a symbol to take it in)."""

    analysis: AsymptoticAnalysis
    virasoro: ModeAlgebra | None
    flat_limit: ModeAlgebra | None
    limit: tuple | None
    timings: tuple


def derive_ads3(cosmological_constant=-1 / ell**2) -> AdS3Result:
    r"""Run the pipeline on :func:`bondi_gauge_problem` with the :func:`jp_basis`, then the
    :func:`virasoro_basis` (radius :math:`\ell = 1/\sqrt{-\Lambda}`) and the flat limit
    (about 4 s of CPU).

    Examples
    --------
    >>> res = derive_ads3(-1 / ell**2)
    >>> res.virasoro.bracket("Lp", "Lp").central_charge  # Brown-Henneaux
    3*ell/(2*G)
    >>> res.limit, res.flat_limit.bracket("J", "P").central_charge  # BMS3
    ((ell, oo), 3/G)
    """
    lam = sp.sympify(cosmological_constant)
    res = analyze(bondi_gauge_problem(lam), modes=jp_basis())
    times = list(res.timings)
    vir = flat = None
    t0 = time.perf_counter()
    if lam.is_negative:
        vir = derive_mode_algebra(res.algebra, virasoro_basis(sp.sqrt(-1 / lam), res.modes.m))
    times.append(("Virasoro basis", time.perf_counter() - t0))
    t0 = time.perf_counter()
    lim = flat_limit_symbol(lam)
    if lim is not None:
        flat = res.modes.limit(*lim)
    times.append(("flat limit", time.perf_counter() - t0))
    return AdS3Result(res, vir, flat, lim, tuple(times))


@functools.lru_cache(maxsize=4)
def cached_ads3(cosmological_constant=-1 / ell**2) -> AdS3Result:
    """:func:`derive_ads3`, computed once per process and value (timings of the first run)."""
    return derive_ads3(cosmological_constant)

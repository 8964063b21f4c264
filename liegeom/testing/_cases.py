r"""Building blocks of :mod:`liegeom.testing.strategies`: structured algebra elements.

An element of a linear group is drawn as ``exp(X)`` with ``X = S + K``: ``S = Q₁ diag(λ) Q₁ᵀ``
symmetric, ``K = Q₂ (⊕ θᵢ J) Q₂ᵀ`` skew (``J`` the rotation generator of a plane). Each piece
has its own regimes, drawn by hypothesis, so that the hard regions are met often while every
number still shrinks towards the identity (each regime list starts with the one whose simplest
value is 0):

* angles θ: generic, small (``10^-e``), near the top (``top - 10^-e``, down to ``π - 1e-8``);
  for n >= 4 also repeated or clustered pairs;
* log-spectrum λ: its spread ``log κ`` moderate or large (up to ``log max_condition``), its
  pattern distinct, with a repeated pair, with a pair ``10^-e`` apart, or all equal; its
  centre ``log s`` 0, moderate, tiny or huge (up to ``log max_scale``);
* for GL+ and SL also symmetric elements (``K = 0``) and non-normal ones with a repeated,
  defective eigenvalue, ``Q (c I + N) Qᵀ`` with ``N`` nilpotent.

Two facts make the bounds hold for any draw. Bendixson's theorem puts the imaginary parts of the
eigenvalues of ``X`` within ``max θᵢ``, so for angles below π the principal logarithm of
``exp(X)`` is ``X`` itself. The logarithmic norm bounds ``‖exp(±X)‖₂ ≤ exp(±λ_max/min(sym X))``,
so ``κ₂(exp X) ≤ exp(spread of the eigenvalues of sym X)``, which is kept below
``log max_condition``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ..groups import (
    SL,
    SO,
    SPD,
    GLPlus,
    MatrixGroup,
    PositiveDiagonal,
    RotationScaling,
    UpperUnitriangular,
)

#: How close to π the angles come by default, per dtype: ``π - 1e-8`` in float64; float32
#: rounds a rotation's entries by ~6e-8, so its near-π angles stop at ``π - 1e-5``.
MIN_PI_GAP = {torch.float64: 1e-8, torch.float32: 1e-5}
#: Default ``max_condition`` and ``max_scale`` per dtype: as far as laws written with the
#: tolerances of :data:`tests.conftest.TOLERANCES` (elementwise, for entries of order 1) survive;
#: pass larger bounds to reach further (up to ``1/(100 eps)`` and ``max^(1/8)``).
MAX_CONDITION = {torch.float64: 1e3, torch.float32: 1e2}
MAX_SCALE = {torch.float64: 1e3, torch.float32: 1e1}
#: With ``ill_conditioned=True`` the default bound is larger (condition numbers from its square
#: root up to it) and the scale is 1 unless ``max_scale`` is given.
ILL_CONDITION = {torch.float64: 1e6, torch.float32: 1e3}


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


def vectors(shape: tuple[int, ...], lo: float, hi: float) -> st.SearchStrategy[torch.Tensor]:
    return arrays(np.float64, shape, elements=floats(lo, hi)).map(torch.from_numpy)


@st.composite
def log_uniform(draw, lo: float, hi: float, toward: str = "hi") -> float:
    """A number in [lo, hi] (0 < lo <= hi) whose decade is drawn uniformly (hypothesis' floats
    favour simple values such as 1.0 and the bounds; a decade index does not). Shrinks towards
    ``hi`` or ``lo`` (``toward``), the end nearest to plain numbers."""
    a, b = math.log10(lo), math.log10(hi)
    starts = [float(k) for k in range(math.floor(a), max(math.ceil(b), math.floor(a) + 1))]
    k = draw(st.sampled_from(starts[::-1] if toward == "hi" else starts))
    frac = draw(floats(0.0, 1.0))
    x = 10.0 ** (k + (1.0 - frac if toward == "hi" else frac))
    return min(max(x, lo), hi)


class Bounds:
    """The user's options, resolved for one dtype (all numbers plain floats)."""

    def __init__(self, dtype, *, max_angle, max_condition, max_scale, max_norm, ill=False):
        self.inclusive = max_angle is not None
        self.top = math.pi if max_angle is None else float(max_angle)
        self.min_gap = MIN_PI_GAP[dtype]
        if max_condition is None:
            max_condition = (ILL_CONDITION if ill else MAX_CONDITION)[dtype]
        if max_scale is None:
            max_scale = 1.0 if ill else MAX_SCALE[dtype]
        self.log_cond = math.log(max_condition)
        self.log_scale = math.log(max_scale)
        self.max_norm = max_norm
        self.ill = ill


def expm(X: torch.Tensor) -> torch.Tensor:
    """``exp`` of a float64 square matrix, accurate to rounding: scaling and squaring with a
    degree-16 Taylor polynomial on ``X / 2^s``, ``‖X / 2^s‖₁ <= 1/8`` (truncation error below
    1e-30). ``torch.linalg.matrix_exp`` is not used: its rotations can be 1e-12 off
    orthogonality and its SL(n) elements 1e-11 off determinant 1 (measured on torch 2.13),
    which a law with a rounding-level tolerance would blame on the code under test."""
    n = X.shape[-1]
    norm = float(X.abs().sum(-2).amax()) if X.numel() else 0.0
    s = max(0, math.ceil(math.log2(8 * norm))) if norm > 0 else 0
    A = X / 2.0**s
    eye = torch.eye(n, dtype=X.dtype)
    E = eye + A / 16
    for k in range(15, 0, -1):  # Horner: I + A/k (I + A/(k+1) (...))
        E = eye + (A @ E) / k
    for _ in range(s):
        E = E @ E
    return E


# --- pieces ------------------------------------------------------------------------------------


@st.composite
def _angle(draw, b: Bounds, top: float, inclusive: bool) -> float:
    """One angle in [0, top] (top itself only when ``inclusive``), sign drawn separately."""
    hi = top if inclusive else max(top - b.min_gap, 0.0)
    regime = draw(st.sampled_from(["generic", "small", "near_top", "generic", "near_top"]
                                  + (["top"] if inclusive else [])), label="angle regime")
    if regime == "generic":  # bounded away from 0: the identity is a regime of its own
        return draw(floats(min(1e-3 * top, hi), hi))
    if regime == "small":
        return top * draw(log_uniform(1e-8, 0.1))
    if regime == "top":
        return top
    # top - delta, delta from 0.1 down to min_gap (1e-8 below pi in float64)
    delta = draw(log_uniform(b.min_gap, 0.1))
    return max(min(top - delta, hi), 0.0)


@st.composite
def _angles(draw, b: Bounds, k: int, top: float, inclusive: bool) -> list[float]:
    th = [draw(_angle(b, top, inclusive)) for _ in range(k)]
    if k >= 2:
        pattern = draw(st.sampled_from(["independent", "repeated", "clustered"]))
        if pattern == "repeated":
            th[1] = th[0]
        elif pattern == "clustered":
            th[1] = max(th[0] - draw(log_uniform(1e-12, 1e-2)), 0.0)
    return [-t if draw(st.booleans()) else t for t in th]


@st.composite
def orientations(draw, n: int) -> torch.Tensor:
    """A rotation ``exp(hat w)``, ``w`` in [-2, 2]^dim (zeros give axis-aligned frames)."""
    if n == 1:
        return torch.ones(1, 1, dtype=torch.float64)
    w = draw(vectors((n * (n - 1) // 2,), -2.0, 2.0))
    # hypothesis likes values such as 1e-300; their products underflow and make LAPACK's
    # eigenvalue routines fail on the drawn matrices, so they count as exact zeros
    w = torch.where(w.abs() < 1e-100, torch.zeros_like(w), w)
    return expm(SO(n).hat(w))


def _planes(n: int, th: list[float]) -> torch.Tensor:
    B = torch.zeros(n, n, dtype=torch.float64)
    for i, t in enumerate(th):
        B[2 * i + 1, 2 * i], B[2 * i, 2 * i + 1] = t, -t
    return B


@st.composite
def skew_part(draw, b: Bounds, n: int, top: float | None = None,
              inclusive: bool | None = None) -> torch.Tensor:
    top = b.top if top is None else top
    inclusive = b.inclusive if inclusive is None else inclusive
    Q = draw(orientations(n))
    return Q @ _planes(n, draw(_angles(b, n // 2, top, inclusive))) @ Q.mT


@st.composite
def log_scale(draw, b: Bounds, unit: bool = True) -> float:
    """``log s`` of an overall scale: 0 (unit), moderate (``e^{±1}``), tiny or huge (any decade
    up to ``max_scale``), or smallest or largest (the decade next to ``1/max_scale`` or
    ``max_scale``, where absolute thresholds in the code under test bite)."""
    regimes = ["unit", "moderate", "tiny", "huge", "smallest", "largest"]
    regime = draw(st.sampled_from(regimes if unit else regimes[1:]), label="scale regime")
    if regime == "unit" or b.log_scale == 0:
        return 0.0
    if regime == "moderate":
        m = min(1.0, b.log_scale)
        x = draw(floats(min(1e-3, m), m))
        return -x if draw(st.booleans()) else x
    top = math.exp(b.log_scale)
    lo = min(10.0, top) if regime in ("tiny", "huge") else max(top / 10, 1.0)
    s = math.log(draw(log_uniform(lo, top, toward="lo")))
    return s if regime in ("huge", "largest") else -s


@st.composite
def log_spectrum(draw, b: Bounds, n: int, centred: bool) -> torch.Tensor:
    """Log-eigenvalues λ (descending): spread, pattern and centre from their regimes; with
    ``b.ill`` the spread lies in [log κ / 2, log κ] with κ = max_condition, attained exactly."""
    L = b.log_cond
    if n == 1:
        return torch.tensor([0.0 if centred else draw(log_scale(b))], dtype=torch.float64)
    if b.ill:
        spread = math.log(draw(log_uniform(math.exp(L / 2), math.exp(L), toward="lo")))
        # for n >= 3 also a repeated or clustered pair inside the attained spread (for n = 2 a
        # pair would collapse the spread)
        patterns = ["distinct"] + (["distinct", "cluster", "pair"] if n > 2 else [])
    else:
        regime = draw(st.sampled_from(["moderate", "large", "large"]), label="spread regime")
        spread = (draw(floats(min(0.05, L), min(1.0, L))) if regime == "moderate" else
                  math.log(draw(log_uniform(min(math.e, math.exp(L)), math.exp(L), toward="lo"))))
        # for n = 2 a pair is all equal; a centred spectrum with all equal is the identity
        patterns = ["distinct", "cluster", "distinct"] + (["pair"] if n > 2 else []) + (
            [] if centred else ["all"])
    pattern = draw(st.sampled_from(patterns), label="spectrum pattern")
    inner = sorted(draw(vectors((n - 2,), -0.5, 0.5)).tolist(), reverse=True)
    t = torch.tensor([0.5, *inner, -0.5], dtype=torch.float64)
    if pattern == "all":
        t.zero_()
    lam = spread * t
    if pattern in ("pair", "cluster"):
        # the top pair or the bottom pair; for n >= 3 the extreme values (the spread) stay
        i, j, sign = (0, 1, -1.0) if not draw(st.booleans()) else (n - 1, n - 2, 1.0)
        # at most the spread, so that the condition number stays within max_condition
        gap = 0.0 if pattern == "pair" else min(draw(log_uniform(1e-12, 1e-2)), spread)
        lam[j] = lam[i] + sign * gap
    lam = lam - lam.mean()  # the scale det^(1/n) is exactly e^c
    if centred:
        return lam
    # a multiple of I other than I itself (the identity is a regime of its own)
    return lam + draw(log_scale(b, unit=pattern != "all"))


@st.composite
def nilpotent(draw, n: int, max_norm: float) -> torch.Tensor:
    """Strictly upper-triangular N with Frobenius norm in [0, max_norm] (regimes as above).

    ``sym N`` has zero trace and Frobenius norm ``‖N‖_F/√2``, so the spread of its eigenvalues is
    at most ``√2 ‖N‖_F``: pass ``max_norm = log(max_condition)/√2`` to bound ``κ(exp N)``."""
    u = draw(vectors((n * (n - 1) // 2,), -1.0, 1.0))
    if float(u.norm()) < 1e-3:
        u = torch.zeros_like(u)
        u[0] = 1.0
    regime = draw(st.sampled_from(["moderate", "small", "large"]), label="nilpotent regime")
    top = min(2.0, max_norm)
    r = {"moderate": lambda: draw(floats(1e-3 * top, top)),
         "small": lambda: top * draw(log_uniform(1e-8, 0.1)),
         "large": lambda: draw(floats(top, max_norm))}[regime]()
    N = torch.zeros(n, n, dtype=torch.float64)
    iu = torch.triu_indices(n, n, 1)
    N[iu[0], iu[1]] = r * u / u.norm()
    return N


@st.composite
def translation(draw, b: Bounds, n: int) -> torch.Tensor:
    """Translation vectors: moderate, tiny or large norm (up to ``max_scale``), any direction."""
    u = draw(vectors((n,), -1.0, 1.0))
    if float(u.norm()) < 1e-3:
        u = torch.zeros_like(u)
        u[0] = 1.0
    regime = draw(st.sampled_from(["moderate", "tiny", "large"]), label="translation regime")
    r = {"moderate": lambda: draw(floats(0.0, 3.0)),
         "tiny": lambda: draw(log_uniform(1e-8, 0.1)),
         "large": lambda: draw(log_uniform(1.0, max(math.exp(b.log_scale), 1.0),
                                           toward="lo"))}[regime]()
    if b.max_norm is not None:
        r = min(r, b.max_norm)
    return r * u / u.norm()


# --- algebra elements and their exponentials ---------------------------------------------------


def _spd(Q: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    P = (Q * lam.exp()) @ Q.mT
    return 0.5 * (P + P.mT)


@st.composite
def linear_case(draw, group: MatrixGroup, b: Bounds):
    """``(X, element, v_norm)``: a structured algebra element of a linear group, the map
    ``f -> exp(f X)`` computed from its parts (exactly symmetric where it should be), and the
    norm that ``max_norm`` bounds (the algebra coordinates; the rotation part alone for the
    ill-conditioned polar form ``P exp(K)``)."""
    n = group.n
    L = b.log_cond
    if isinstance(group, SO):
        K = draw(skew_part(b, n))
        return K, lambda f: expm(f * K), None
    if isinstance(group, RotationScaling):
        c, K = draw(log_scale(b)), draw(skew_part(b, n))
        X = c * torch.eye(n, dtype=torch.float64) + K
        return X, lambda f: math.exp(f * c) * expm(f * K), None
    if isinstance(group, (SPD, PositiveDiagonal)):
        Q = draw(orientations(n)) if isinstance(group, SPD) else torch.eye(n, dtype=torch.float64)
        lam = draw(log_spectrum(b, n, centred=False))
        return (Q * lam) @ Q.mT, lambda f: _spd(Q, f * lam), None
    if isinstance(group, UpperUnitriangular):
        N = draw(nilpotent(n, L / math.sqrt(2)))
        return N, lambda f: expm(f * N), None
    if isinstance(group, GLPlus):  # SL(n) included (traceless pieces)
        sl = isinstance(group, SL)
        if b.ill:
            Q = draw(orientations(n))
            lam = draw(log_spectrum(b, n, centred=sl))
            # angles <= pi/2 keep the field of values of P^(1/2) R P^(1/2) in the right
            # half-plane, so P R still has a real principal logarithm
            K = draw(skew_part(b, n, top=min(b.top, math.pi / 2), inclusive=True))
            P = _spd(Q, lam)
            return (Q * lam) @ Q.mT + K, lambda f: P @ expm(f * K), float(group.vee(K).norm())
        form = draw(st.sampled_from(["mixed", "symmetric", "rotation", "mixed", "jordan"]
                                    if n > 1 else ["symmetric"]), label="form")
        if form == "rotation":  # a scaled rotation: eigenvalue angles exactly the drawn ones
            c, K = 0.0 if sl else draw(log_scale(b)), draw(skew_part(b, n))
            X = c * torch.eye(n, dtype=torch.float64) + K
            return X, lambda f: math.exp(f * c) * expm(f * K), None
        if form == "jordan":
            Q = draw(orientations(n))
            c = 0.0 if sl else draw(log_scale(b))
            X = Q @ (c * torch.eye(n, dtype=torch.float64) + draw(nilpotent(n, L / math.sqrt(2))))
            X = X @ Q.mT
            return X, lambda f: expm(f * X), None
        Q = draw(orientations(n))
        lam = draw(log_spectrum(b, n, centred=sl))
        S = (Q * lam) @ Q.mT
        if form == "symmetric":
            return S, lambda f: _spd(Q, f * lam), None
        X = S + draw(skew_part(b, n))
        return X, lambda f: expm(f * X), None
    # any other group: exp of algebra coordinates of a drawn radius (the old construction)
    u = draw(vectors((group.dim,), -1.0, 1.0))
    if float(u.norm()) < 1e-3:
        u = torch.zeros_like(u)
        u[0] = 1.0
    r = draw(floats(0.0, 2.0)) if draw(st.booleans()) else 2.0 * draw(log_uniform(1e-8, 0.1))
    X = group.hat(r * u / u.norm())
    return X, lambda f: group.exp(f * X), None

r"""Proposal distributions built coordinate by coordinate in a chart, with exact Haar densities.

A :class:`ChartDistribution` draws each coordinate ``z_i`` of a global chart independently from a
one-dimensional law (:class:`Normal`, :class:`TruncatedNormal`, :class:`Uniform`) and maps ``z``
to the group with ``chart.from_coords``. Its density with respect to Haar measure (the
normalization of :mod:`liegeom.charts`) is

.. math:: q(g) = \frac{\prod_i q_i(z_i)}{\rho(z)}, \qquad z = \text{chart.to\_coords}(g),

with :math:`\rho` the chart's Haar density, so every sample can be weighted exactly against
Haar (``exp(-log_prob)``). Every law is sampled through its inverse CDF, which gives two
samplers for free: :meth:`ChartDistribution.sample` (pseudo-random, from a
``torch.Generator``) and :meth:`ChartDistribution.sample_quasi` (scrambled Sobol points: the same
elements on every call with the same seed, and quasi-Monte Carlo error for smooth integrands).

Why: the layers of :mod:`nets.affine` need proposals concentrated near the identity in some
directions (small rotations, small shears) and spread in others, with exact importance weights;
:class:`~liegeom.distributions.PolarGaussian` is Haar on its rotation factor. The same spec with
a :class:`Uniform` law on the whole rotation range *is* :class:`PolarGaussian` (a law in the
tests).

Examples
--------
>>> import math, torch
>>> from liegeom import SL, PolarExpChart
>>> q = ChartDistribution(PolarExpChart(SL(2)), [Normal(0.3), Normal(0.3),
...                                              TruncatedNormal(0.4, math.pi / 2)])
>>> g = q.sample_quasi(8)
>>> bool(torch.equal(g, q.sample_quasi(8)))       # deterministic
True
>>> q.log_prob(g).shape
torch.Size([8])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ._checks import check_shape
from .charts import log_so_exp_density
from .groups import SO
from .sampling import _shape

__all__ = ["Normal", "TruncatedNormal", "Uniform", "RotationChart", "ChartDistribution"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
            or not math.isfinite(value):
        raise ValueError(f"expected a finite {name} > 0, got {value!r}")
    return float(value)


def _open_unit(u: torch.Tensor) -> torch.Tensor:
    """Keep uniforms inside (0, 1): ``torch.rand`` can return exactly 0."""
    tiny = torch.finfo(u.dtype).tiny
    return u.clamp(tiny, 1 - torch.finfo(u.dtype).eps / 2)


class Normal:
    """Centred normal law with standard deviation ``scale``."""

    def __init__(self, scale: float):
        self.scale = _positive(scale, "scale")

    def __repr__(self) -> str:
        return f"Normal({self.scale:g})"

    def icdf(self, u: torch.Tensor) -> torch.Tensor:
        return self.scale * torch.special.ndtri(_open_unit(u))

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        v = x / self.scale
        return -0.5 * v * v - _LOG_SQRT_2PI - math.log(self.scale)


class TruncatedNormal:
    """Centred normal law with standard deviation ``scale``, restricted to ``[-bound, bound]``
    (absolute units, not multiples of ``scale``) and renormalized."""

    def __init__(self, scale: float, bound: float):
        self.scale = _positive(scale, "scale")
        self.bound = _positive(bound, "bound")
        c = self.bound / self.scale
        self._lo = 0.5 * math.erfc(c / math.sqrt(2))  # Phi(-c)
        self._log_mass = math.log(math.erf(c / math.sqrt(2)))

    def __repr__(self) -> str:
        return f"TruncatedNormal({self.scale:g}, bound={self.bound:g})"

    def icdf(self, u: torch.Tensor) -> torch.Tensor:
        p = self._lo + (1 - 2 * self._lo) * _open_unit(u)
        return (self.scale * torch.special.ndtri(p)).clamp(-self.bound, self.bound)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        v = x / self.scale
        out = -0.5 * v * v - _LOG_SQRT_2PI - math.log(self.scale) - self._log_mass
        return torch.where(x.abs() <= self.bound, out, torch.full_like(out, -math.inf))


class Uniform:
    """Uniform law on ``[low, high]``."""

    def __init__(self, low: float, high: float):
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            raise ValueError(f"expected finite low < high, got low={low!r}, high={high!r}")
        self.low, self.high = float(low), float(high)

    def __repr__(self) -> str:
        return f"Uniform({self.low:g}, {self.high:g})"

    def icdf(self, u: torch.Tensor) -> torch.Tensor:
        return self.low + (self.high - self.low) * u

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.full_like(x, -math.log(self.high - self.low))
        inside = (x >= self.low) & (x <= self.high)
        return torch.where(inside, out, torch.full_like(out, -math.inf))


class RotationChart:
    r"""Exponential coordinates of SO(n), principal branch (rotation angles below π).

    ``R = exp(W)``, ``W`` skew with coordinates ``sqrt(2) W_ij`` (i < j, row-major), the
    convention of the rotation factor of every chart in :mod:`liegeom.charts`. The Haar density
    is :func:`~liegeom.charts.log_so_exp_density` (1 at the identity); the coordinates of SO(2)
    fill ``(-sqrt(2) π, sqrt(2) π)``, whose length is :func:`~liegeom.charts.so_volume` ``(2)``.
    A uniform law on that interval is Haar (:attr:`haar_range`).
    """

    def __init__(self, n: int):
        self.group = SO(n)
        self.n = n
        self.dim = n * (n - 1) // 2

    def __repr__(self) -> str:
        return f"RotationChart({self.n})"

    @property
    def haar_range(self) -> tuple[float, float]:
        """The range of each coordinate for n = 2, where a uniform law is Haar."""
        if self.n != 2:
            raise ValueError(f"a uniform coordinate law is Haar only for SO(2), not SO({self.n})")
        r = math.sqrt(2) * math.pi
        return -r, r

    def from_coords(self, w: torch.Tensor) -> torch.Tensor:
        check_shape(w, ["...", self.dim], f"exponential coordinates of SO({self.n})")
        return self.group.exp(self._algebra(w))

    def to_coords(self, R: torch.Tensor) -> torch.Tensor:
        check_shape(R, ["...", self.n, self.n], f"element of SO({self.n})")
        return self._coords(self.group.log(R))

    def log_haar_density(self, w: torch.Tensor) -> torch.Tensor:
        return log_so_exp_density(w, self.n)

    def _algebra(self, w):
        n = self.n
        i, j = torch.triu_indices(n, n, 1, device=w.device)
        W = torch.zeros(*w.shape[:-1], n, n, dtype=w.dtype, device=w.device)
        W[..., i, j] = w / math.sqrt(2)
        return W - W.mT

    def _coords(self, W):
        i, j = torch.triu_indices(self.n, self.n, 1, device=W.device)
        return math.sqrt(2) * W[..., i, j]


_LAWS = (Normal, TruncatedNormal, Uniform)


def _rotation_slots(chart) -> tuple[tuple[int, ...], float]:
    """Indices of the rotation (compact) coordinates of the charts liegeom defines, and the
    half-length of a 2x2 rotation coordinate's principal range (``sqrt(2) π`` for the
    exponential coordinates of :mod:`liegeom.charts`, ``π`` for the angle of
    ``RotationScalingChart``)."""
    from .charts import IwasawaChart, KAKChart, PolarChart, PolarExpChart, RotationScalingChart

    root2pi = math.sqrt(2) * math.pi
    if isinstance(chart, RotationChart):
        return tuple(range(chart.dim)), root2pi
    k = getattr(chart, "k", 0)
    last = tuple(range(chart.dim - k, chart.dim))
    if isinstance(chart, RotationScalingChart):
        return last, math.pi
    if isinstance(chart, (PolarExpChart, PolarChart)):
        return last, root2pi
    if isinstance(chart, IwasawaChart):
        return tuple(range(k)), root2pi
    if isinstance(chart, KAKChart):
        return tuple(range(k)) + last, root2pi
    return (), root2pi


class ChartDistribution:
    r"""Independent one-dimensional laws on the coordinates of a chart; exact density w.r.t. Haar.

    Parameters
    ----------
    chart
        Any chart with ``dim``, ``group``, ``from_coords``, ``to_coords`` and
        ``log_haar_density`` (e.g. :class:`~liegeom.charts.PolarExpChart`,
        :class:`~liegeom.charts.IwasawaChart`, :class:`RotationChart`).
    laws : sequence of Normal, TruncatedNormal or Uniform
        One law per coordinate, in the chart's coordinate order. The support of the laws must lie
        in the chart's domain; for the rotation coordinate of 2x2 charts (an interval) this is
        checked: a bounded law inside ``(-sqrt(2) π, sqrt(2) π)`` (exponential coordinates) or
        ``(-π, π)`` (the angle of ``RotationScalingChart``). For n > 2 the principal branch
        is the ball of rotation angles below π, and keeping the laws inside it is the caller's
        responsibility.
    """

    def __init__(self, chart, laws: Sequence):
        laws = tuple(laws)
        if len(laws) != chart.dim:
            raise ValueError(f"expected {chart.dim} coordinate laws for {chart!r}, got "
                             f"{len(laws)}")
        for i, law in enumerate(laws):
            if not isinstance(law, _LAWS):
                raise TypeError(f"expected Normal, TruncatedNormal or Uniform for coordinate {i}, "
                                f"got {law!r}")
        self.chart, self.laws, self.group = chart, laws, chart.group
        self._check_rotation_range()

    def _check_rotation_range(self):
        slots, half = _rotation_slots(self.chart)
        if getattr(self.chart, "n", None) != 2:
            return  # the principal branch of SO(n), n > 2, is a ball, not a box: documented
        limit = half * (1 + 1e-12)
        for i in slots:
            law = self.laws[i]
            if isinstance(law, Normal):
                raise ValueError(f"rotation coordinate {i} needs a bounded law (TruncatedNormal "
                                 f"with bound <= {half:.6g}, or Uniform inside it), got Normal")
            lo, hi = ((law.low, law.high) if isinstance(law, Uniform)
                      else (-law.bound, law.bound))
            if lo < -limit or hi > limit:
                raise ValueError(f"rotation coordinate {i} of {self.chart!r} must stay in the "
                                 f"principal range (-{half:.6g}, {half:.6g}), got the law {law!r}")

    def __repr__(self) -> str:
        return f"ChartDistribution({self.chart!r}, {list(self.laws)!r})"

    @property
    def dim(self) -> int:
        return self.chart.dim

    def _from_uniform(self, u: torch.Tensor) -> torch.Tensor:
        z = torch.stack([law.icdf(u[..., i]) for i, law in enumerate(self.laws)], -1)
        return self.chart.from_coords(z)

    def sample(self, batch_shape=(), *, generator=None, dtype=torch.float64, device=None):
        """Pseudo-random elements, shape=[*batch_shape, size, size]."""
        shape = _shape(batch_shape)
        u = torch.rand(*shape, self.dim, generator=generator, dtype=dtype, device=device)
        return self._from_uniform(u)

    def sample_quasi(self, batch_shape=(), *, seed: int = 0, dtype=torch.float64, device=None):
        """Scrambled Sobol points pushed through the inverse CDFs, shape=[*batch_shape, size,
        size]: the same elements on every call with the same ``seed``."""
        shape = _shape(batch_shape)
        count = math.prod(shape)
        engine = torch.quasirandom.SobolEngine(self.dim, scramble=True, seed=seed)
        u = engine.draw(count, dtype=torch.float64).to(dtype=dtype, device=device)
        return self._from_uniform(u.reshape(*shape, self.dim))

    def sample_fixed(self, batch_shape=(), *, seed: int = 0, dtype=torch.float64, device=None):
        """:meth:`sample` from a generator seeded with ``seed`` (same elements every call)."""
        gen = torch.Generator().manual_seed(seed)
        u = torch.rand(*_shape(batch_shape), self.dim, generator=gen, dtype=dtype)
        return self._from_uniform(u.to(device))

    def log_prob_coords(self, z: torch.Tensor) -> torch.Tensor:
        """Log density w.r.t. Haar at chart coordinates ``z``, shape=[...]."""
        out = sum(law.log_prob(z[..., i]) for i, law in enumerate(self.laws))
        return out - self.chart.log_haar_density(z)

    def log_prob(self, g: torch.Tensor) -> torch.Tensor:
        """Log density w.r.t. Haar, shape=[...]; ``-inf`` outside the laws' support."""
        return self.log_prob_coords(self.chart.to_coords(g))

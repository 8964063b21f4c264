r"""Distributions on GL+(n), SL(n), SO(n) and affine groups with exact densities w.r.t. Haar.

Each distribution is "exact Haar on the compact factor × a Gaussian on the non-compact
coordinates of a chart": :class:`PolarGaussian` (``g = e^X R``, ``X`` Gaussian in the orthonormal
Sym(n) / Sym0(n) coordinates of :class:`~liegeom.charts.PolarExpChart`), :class:`IwasawaGaussian`
(``g = K diag(e^h) N``, ``(h, N_ij)`` Gaussian), :class:`HaarSO` and :class:`AffineGaussian`.
``log_prob(g)`` is the log density with respect to Haar measure in the normalization of
:mod:`liegeom.charts` (Riemannian volume of ``tr(X^T Y)``), so any sample can be weighted
exactly: :math:`\int f\, d\mu = E_q[f(g) / q(g)]` (see :func:`liegeom.measures.integrate`).

For inference without sampling noise between calls, :meth:`sample_fixed` draws from a generator
seeded with ``seed``: the same group elements every call (the paper's code resampled; REFERENCES).

Examples
--------
>>> import torch
>>> from liegeom.groups import SL
>>> q = PolarGaussian(SL(2), scale=0.5)
>>> g = q.sample((4,), generator=torch.Generator().manual_seed(0))
>>> q.log_prob(g).shape
torch.Size([4])
"""

from __future__ import annotations

import math

import torch

from . import _linalg as la
from ._checks import check_shape
from .charts import (
    IwasawaChart,
    PolarExpChart,
    _diag_coords,
    _LinearChart,
    _sym_coords,
    _sym_from_coords,
    so_volume,
)
from .decompositions import iwasawa, polar
from .groups import SO, Affine
from .sampling import _shape, haar_so

__all__ = ["HaarSO", "PolarGaussian", "IwasawaGaussian", "AffineGaussian"]


class _Distribution:
    group = None

    def sample_fixed(self, batch_shape=(), *, seed: int = 0, dtype=torch.float64, device=None):
        """Deterministic samples: :meth:`sample` with a generator seeded by ``seed``."""
        gen = torch.Generator(device=device or "cpu").manual_seed(seed)
        return self.sample(batch_shape, generator=gen, dtype=dtype, device=device)

    def _check(self, g):
        s = self.group.size
        check_shape(g, ["...", s, s], f"element of {self.group.name}")
        return g


class HaarSO(_Distribution):
    """Normalized Haar measure on SO(n); ``log_prob = -log vol SO(n)``."""

    def __init__(self, n: int):
        self.group = SO(n)
        self.n = n

    def sample(self, batch_shape=(), *, generator=None, dtype=torch.float64, device=None):
        """Rotations, shape=[*batch_shape, n, n]."""
        return haar_so(self.n, batch_shape, generator=generator, dtype=dtype, device=device)

    def log_prob(self, g):
        """Log density w.r.t. Haar, shape=[...]."""
        g = self._check(g)
        return torch.full(g.shape[:-2], -math.log(so_volume(self.n)), dtype=g.dtype,
                          device=g.device)


class _GaussianTimesHaarK(_Distribution):
    """Haar on the SO(n) factor of a chart, independent Gaussians on its other coordinates."""

    chart_type: type

    def __init__(self, group, scale: float = 1.0, *, truncate: float | None = None):
        self.chart: _LinearChart = self.chart_type(group)
        self.group = group
        if not scale > 0:
            raise ValueError(f"expected scale > 0, got {scale!r}")
        if truncate is not None and not truncate > 0:
            raise ValueError(f"expected truncate > 0 (in units of scale) or None, got {truncate!r}")
        self.scale, self.truncate = float(scale), truncate
        self.m = self.chart.dim - self.chart.k  # non-compact coordinates

    def __repr__(self) -> str:
        t = "" if self.truncate is None else f", truncate={self.truncate}"
        return f"{type(self).__name__}({self.group!r}, scale={self.scale}{t})"

    def _normal(self, shape, generator, dtype, device):
        if self.truncate is None:
            u = torch.randn(*shape, self.m, generator=generator, dtype=dtype, device=device)
        else:  # inverse CDF on [Phi(-c), Phi(c)]: exact, no rejection loop
            lo = 0.5 * math.erfc(self.truncate / math.sqrt(2))
            p = torch.rand(*shape, self.m, generator=generator, dtype=dtype, device=device)
            u = torch.special.ndtri(lo + (1 - 2 * lo) * p).clamp(-self.truncate, self.truncate)
        return self.scale * u

    def _log_normal(self, x):
        u = x / self.scale
        out = (-0.5 * u**2 - 0.5 * math.log(2 * math.pi) - math.log(self.scale)).sum(-1)
        if self.truncate is not None:
            mass = math.erf(self.truncate / math.sqrt(2))
            out = out - self.m * math.log(mass)
            out = torch.where((u.abs() <= self.truncate).all(-1), out, -math.inf)
        return out

    def sample(self, batch_shape=(), *, generator=None, dtype=torch.float64, device=None):
        """Group elements, shape=[*batch_shape, size, size]."""
        shape = _shape(batch_shape)
        x = self._normal(shape, generator, dtype, device)
        K = haar_so(self.chart.n, shape, generator=generator, dtype=dtype, device=device)
        return self._build(x, K)

    def log_prob(self, g):
        r"""Log density w.r.t. Haar: :math:`\log q(x) - \log\rho_{nc}(x) - \log\mathrm{vol}\,SO(n)`,
        shape=[...]."""
        x = self._noncompact(self._check(g))
        rho = self.chart.log_haar_density_noncompact(self._z(x))
        return self._log_normal(x) - rho - math.log(so_volume(self.chart.n))


class PolarGaussian(_GaussianTimesHaarK):
    r"""``g = e^X R``: ``X`` isotropic Gaussian (std ``scale``, optionally truncated at
    ``truncate * scale`` per coordinate) in the orthonormal Sym(n) / Sym0(n) coordinates,
    ``R`` Haar on SO(n). For GLPlus(n) and SL(n).

    Parameters
    ----------
    group : GLPlus or SL
    scale : float
    truncate : float, optional
    """

    chart_type = PolarExpChart

    def _z(self, x):
        zero = torch.zeros(*x.shape[:-1], self.chart.k, dtype=x.dtype, device=x.device)
        return torch.cat([x, zero], -1)

    def _build(self, x, K):
        X = _sym_from_coords(x, self.chart.n, self.chart.traceless)
        return la.spd_exp(X) @ K

    def _noncompact(self, g):
        P, _ = polar(g)
        return _sym_coords(la.spd_log(P), self.chart.traceless)


class IwasawaGaussian(_GaussianTimesHaarK):
    r"""``g = K diag(e^h) N``: ``(h, N_ij)`` isotropic Gaussian (optionally truncated), ``K`` Haar
    on SO(n). For GLPlus(n) and SL(n); ``h`` in the chart's (Helmert, for SL) coordinates."""

    chart_type = IwasawaChart

    def _z(self, x):
        zero = torch.zeros(*x.shape[:-1], self.chart.k, dtype=x.dtype, device=x.device)
        return torch.cat([zero, x], -1)

    def _build(self, x, K):
        return K @ self.chart.from_coords(self._z(x))

    def _noncompact(self, g):
        _, A_, N = iwasawa(g)
        c = self.chart
        h = _diag_coords(torch.log(torch.diagonal(A_, dim1=-2, dim2=-1)), c.traceless)
        i, j = torch.triu_indices(c.n, c.n, 1)
        return torch.cat([h, N[..., i, j]], -1)


class AffineGaussian(_Distribution):
    r"""``(x, A)`` with ``x ~ N(0, scale^2 I)`` and ``A ~ linear`` (a distribution on H).

    With respect to left Haar :math:`|\det A|^{-1} dx\, d\mu_H`, the density is
    :math:`N(x)\, q_H(A)\, |\det A|`; with respect to right Haar :math:`dx\, d\mu_H`,
    :math:`N(x)\, q_H(A)`.
    """

    def __init__(self, linear: _GaussianTimesHaarK, scale: float = 1.0):
        if not isinstance(linear, _GaussianTimesHaarK):
            raise ValueError(f"expected PolarGaussian or IwasawaGaussian for H, got {linear!r}")
        if not scale > 0:
            raise ValueError(f"expected scale > 0, got {scale!r}")
        self.linear, self.scale = linear, float(scale)
        self.group = Affine(linear.group)

    def __repr__(self) -> str:
        return f"AffineGaussian({self.linear!r}, scale={self.scale})"

    def sample(self, batch_shape=(), *, generator=None, dtype=torch.float64, device=None):
        shape = _shape(batch_shape)
        x = self.scale * torch.randn(*shape, self.group.n, generator=generator, dtype=dtype,
                                     device=device)
        return self.group.join(x, self.linear.sample(shape, generator=generator, dtype=dtype,
                                                     device=device))

    def log_prob(self, g, *, side: str = "left"):
        """Log density w.r.t. left (default) or right Haar, shape=[...]."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        x, A_ = Affine.split(self._check(g))
        u = x / self.scale
        out = (-0.5 * u**2 - 0.5 * math.log(2 * math.pi) - math.log(self.scale)).sum(-1)
        out = out + self.linear.log_prob(A_)
        return out + torch.logdet(A_) if side == "left" else out

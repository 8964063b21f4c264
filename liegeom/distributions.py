r"""Distributions on GL+(n), SL(n), SO(n) and affine groups with exact densities w.r.t. Haar.

Each distribution is "exact Haar on the compact factor × a Gaussian on the non-compact
coordinates of a chart": :class:`PolarGaussian` (``g = e^X R``, ``X`` Gaussian in the orthonormal
Sym(n) / Sym0(n) coordinates of :class:`~liegeom.charts.PolarExpChart`), :class:`IwasawaGaussian`
(``g = K diag(e^h) N``, ``(h, N_ij)`` Gaussian), :class:`RotationScalingGaussian` (``g = e^t R``,
``t = log s`` Gaussian), :class:`HaarSO` and :class:`AffineGaussian`.
``log_prob(g)`` is the log density with respect to Haar measure in the normalization of
:mod:`liegeom.charts` (Riemannian volume of ``tr(X^T Y)``), so any sample can be weighted
exactly: :math:`\int f\, d\mu = E_q[f(g) / q(g)]` (see :func:`liegeom.measures.integrate`).

Scales. ``scale`` is a float (isotropic) or a 1-D tensor of per-coordinate standard deviations
over the non-compact coordinates, in the order of the chart: :class:`PolarGaussian` the Sym(n)
coordinates ``X_ii`` (for SL(n): the Helmert coordinates of the traceless diagonal) then
``sqrt(2) X_ij`` (i < j, row-major); :class:`IwasawaGaussian` ``h`` (Helmert for SL(n)) then
``N_ij`` (i < j, row-major); :class:`RotationScalingGaussian` ``log s``;
:class:`AffineGaussian` the translation ``x_1..x_n``. A tensor scale keeps its autograd graph
(samples are ``scale * u``, so the scale can be learnt by the reparametrization trick).

Deterministic samples. :meth:`sample_fixed` draws from a generator seeded with ``seed``;
:meth:`sample_quasi` pushes scrambled Sobol points (:func:`~liegeom.sampling.sobol_uniforms`)
through exact inverse transforms: ``ndtri`` for the Gaussian coordinates (truncated ones too),
:func:`~liegeom.sampling.haar_so_from_uniforms` for the rotation factor. Both give the same group
elements on every call (the paper's code resampled at inference; REFERENCES), and ``log_prob`` is
the same for all three samplers. The Sobol coordinates are used in the order: Gaussian
coordinates (translation first for affine groups), then the rotation's uniforms.

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
from .charts import (
    IwasawaChart,
    PolarExpChart,
    RotationScalingChart,
    _diag_coords,
    _sym_coords,
    _sym_from_coords,
    so_volume,
)
from .decompositions import iwasawa, polar
from .groups import SO, Affine, RotationScaling
from .sampling import _shape, haar_so, haar_so_from_uniforms, haar_so_uniforms, sobol_uniforms

__all__ = ["HaarSO", "PolarGaussian", "IwasawaGaussian", "RotationScalingGaussian",
           "AffineGaussian"]


class _Distribution:
    group = None

    def sample_fixed(self, batch_shape=(), *, seed: int = 0, dtype=torch.float64, device=None):
        """Deterministic samples: :meth:`sample` with a generator seeded by ``seed``."""
        gen = torch.Generator(device=device or "cpu").manual_seed(seed)
        return self.sample(batch_shape, generator=gen, dtype=dtype, device=device)

    def sample_quasi(self, batch_shape=(), *, seed: int = 0, dtype=torch.float64, device=None):
        """Deterministic quasi-random samples, shape=[*batch_shape, size, size].

        Scrambled Sobol points (seeded: the same elements on every call) mapped through the
        exact inverse transforms of :meth:`sample`'s law, so :meth:`log_prob` applies unchanged
        and smooth integrands converge at the quasi-Monte Carlo rate. Best with a power-of-two
        number of samples.
        """
        shape = _shape(batch_shape)
        u = sobol_uniforms(math.prod(shape), self._n_uniforms, seed=seed)
        g = self._from_uniforms(u.to(device=device).reshape(*shape, self._n_uniforms))
        return g.to(dtype)

    def _check(self, g):
        return self.group._valid(g)


def _scale_vector(scale, m: int, owner: str):
    """A positive float, or a 1-D tensor of ``m`` finite positive entries; returned as given."""
    if isinstance(scale, torch.Tensor):
        if scale.dim() != 1 or scale.shape[0] != m or not scale.is_floating_point():
            raise ValueError(f"expected {owner} scale as a float or a floating 1-D tensor of "
                             f"{m} per-coordinate standard deviations, got a tensor of shape "
                             f"{tuple(scale.shape)} and dtype {scale.dtype}")
        bad = ~(torch.isfinite(scale.detach()) & (scale.detach() > 0))
        if bool(bad.any()):
            raise ValueError(f"expected every {owner} scale entry finite and > 0, got "
                             f"{scale.detach().tolist()}")
        return scale
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
            math.isfinite(scale) and scale > 0):
        raise ValueError(f"expected scale > 0 for {owner} (a float or a 1-D tensor), got "
                         f"{scale!r}")
    return float(scale)


def _scales(scale, m: int, like: torch.Tensor) -> torch.Tensor:
    """The scale as a tensor of shape [m] with ``like``'s dtype and device."""
    if isinstance(scale, torch.Tensor):
        return scale.to(dtype=like.dtype, device=like.device)
    return torch.full((m,), scale, dtype=like.dtype, device=like.device)


def _log_gaussian(x, scale, truncate):
    """Sum over the last axis of independent centred (truncated) normal log densities."""
    sig = _scales(scale, x.shape[-1], x)
    u = x / sig
    out = (-0.5 * u**2 - 0.5 * math.log(2 * math.pi) - sig.log()).sum(-1)
    if truncate is not None:
        out = out - x.shape[-1] * math.log(math.erf(truncate / math.sqrt(2)))
        out = torch.where((u.abs() <= truncate).all(-1), out, -math.inf)
    return out


def _normal_from_uniform(u, truncate):
    """Standard normals (truncated to ``[-truncate, truncate]``) from uniforms in (0, 1)."""
    if truncate is None:
        return torch.special.ndtri(u)
    lo = 0.5 * math.erfc(truncate / math.sqrt(2))
    return torch.special.ndtri(lo + (1 - 2 * lo) * u).clamp(-truncate, truncate)


class HaarSO(_Distribution):
    """Normalized Haar measure on SO(n) as a distribution object (for proposals and
    :func:`~liegeom.measures.integrate`); ``log_prob = -log vol SO(n)``. To just draw Haar
    rotations use ``SO(n).random_point(batch_shape, generator=...)``, which :meth:`sample` calls.

    :meth:`sample_quasi` uses :func:`~liegeom.sampling.haar_so_from_uniforms`: the uniform angle
    for n = 2, Shoemake's uniform quaternion for n = 3, the QR map of ``n^2`` normals for n > 3.
    """

    def __init__(self, n: int):
        self.group = SO(n)
        self.n = n

    def __repr__(self) -> str:
        return f"HaarSO({self.n})"

    def sample(self, batch_shape=(), *, generator=None, dtype=torch.float64, device=None):
        """Rotations, shape=[*batch_shape, n, n]: ``SO(n).random_point``, the one Haar sampler."""
        return self.group.random_point(batch_shape, generator=generator, dtype=dtype,
                                       device=device)

    @property
    def _n_uniforms(self):
        return haar_so_uniforms(self.n)

    def _from_uniforms(self, u):
        return haar_so_from_uniforms(self.n, u)

    def log_prob(self, g):
        """Log density w.r.t. Haar, shape=[...]."""
        g = self._check(g)
        return torch.full(g.shape[:-2], -math.log(so_volume(self.n)), dtype=g.dtype,
                          device=g.device)


class _GaussianTimesHaarK(_Distribution):
    """Haar on the SO(n) factor of a chart, independent Gaussians on its other coordinates."""

    chart_type: type

    def __init__(self, group, scale=1.0, *, truncate: float | None = None):
        self.chart = self.chart_type(group)
        self.group = group
        self.m = self.chart.dim - self.chart.k  # non-compact coordinates
        self.scale = _scale_vector(scale, self.m, type(self).__name__)
        if truncate is not None and not truncate > 0:
            raise ValueError(f"expected truncate > 0 (in units of scale) or None, got {truncate!r}")
        self.truncate = truncate

    def __repr__(self) -> str:
        t = "" if self.truncate is None else f", truncate={self.truncate}"
        sc = self.scale if isinstance(self.scale, float) else self.scale.detach().tolist()
        return f"{type(self).__name__}({self.group!r}, scale={sc}{t})"

    def _normal(self, shape, generator, dtype, device):
        if self.truncate is None:
            u = torch.randn(*shape, self.m, generator=generator, dtype=dtype, device=device)
        else:  # inverse CDF on [Phi(-c), Phi(c)]: exact, no rejection loop
            p = torch.rand(*shape, self.m, generator=generator, dtype=dtype, device=device)
            u = _normal_from_uniform(p, self.truncate)
        return _scales(self.scale, self.m, u) * u

    def _log_normal(self, x):
        return _log_gaussian(x, self.scale, self.truncate)

    def sample(self, batch_shape=(), *, generator=None, dtype=torch.float64, device=None):
        """Group elements, shape=[*batch_shape, size, size]."""
        shape = _shape(batch_shape)
        x = self._normal(shape, generator, dtype, device)
        K = haar_so(self.chart.n, shape, generator=generator, dtype=dtype, device=device)
        return self._build(x, K)

    @property
    def _n_uniforms(self):
        return self.m + haar_so_uniforms(self.chart.n)

    def _from_uniforms(self, u):
        x = _normal_from_uniform(u[..., : self.m], self.truncate)
        K = haar_so_from_uniforms(self.chart.n, u[..., self.m :])
        return self._build(_scales(self.scale, self.m, x) * x, K)

    def log_prob(self, g):
        r"""Log density w.r.t. Haar: :math:`\log q(x) - \log\rho_{nc}(x) - \log\mathrm{vol}\,SO(n)`,
        shape=[...]."""
        x = self._noncompact(self._check(g))
        rho = self.chart.log_haar_density_noncompact(self._z(x))
        return self._log_normal(x) - rho - math.log(so_volume(self.chart.n))

    def _z(self, x):
        """Chart coordinates with the rotation coordinates zero (non-compact ones first)."""
        zero = torch.zeros(*x.shape[:-1], self.chart.k, dtype=x.dtype, device=x.device)
        return torch.cat([x, zero], -1)


class PolarGaussian(_GaussianTimesHaarK):
    r"""``g = e^X R``: ``X`` Gaussian in the orthonormal Sym(n) / Sym0(n) coordinates (standard
    deviations ``scale``, optionally truncated at ``truncate * scale`` per coordinate), ``R``
    Haar on SO(n). For GLPlus(n) and SL(n).

    Parameters
    ----------
    group : GLPlus or SL
    scale : float or torch.Tensor, shape=[m]
        One standard deviation, or one per coordinate ``(X_ii (Helmert for SL), sqrt(2) X_ij
        (i < j, row-major))``, ``m = n(n+1)/2`` (GL+) or ``n(n+1)/2 - 1`` (SL).
    truncate : float, optional

    Examples
    --------
    >>> from liegeom.groups import GLPlus
    >>> q = PolarGaussian(GLPlus(2), torch.tensor([0.5, 0.5, 0.1], dtype=torch.float64))
    >>> g = q.sample_quasi((8,))
    >>> torch.equal(g, q.sample_quasi((8,))), q.log_prob(g).shape
    (True, torch.Size([8]))
    """

    chart_type = PolarExpChart

    def _build(self, x, K):
        X = _sym_from_coords(x, self.chart.n, self.chart.traceless)
        return la.spd_exp(X) @ K

    def _noncompact(self, g):
        P, _ = polar(g)
        return _sym_coords(la.spd_log(P), self.chart.traceless)


class IwasawaGaussian(_GaussianTimesHaarK):
    r"""``g = K diag(e^h) N``: ``(h, N_ij)`` Gaussian (optionally truncated), ``K`` Haar on SO(n).

    For GLPlus(n) and SL(n); ``h`` in the chart's (Helmert, for SL) coordinates. ``scale``: a
    float or a tensor of shape ``[m]`` ordered ``(h, N_ij (i < j, row-major))``.
    """

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


class RotationScalingGaussian(_GaussianTimesHaarK):
    r"""``g = e^t R`` on :class:`~liegeom.groups.RotationScaling`: ``t = log s`` Gaussian with
    standard deviation ``scale`` (optionally truncated at ``truncate * scale``), ``R`` Haar on
    SO(n).

    Haar measure is :math:`\sqrt{n}\,dt \otimes \mu_{SO(n)}`
    (:class:`~liegeom.charts.RotationScalingChart`), so the density with respect to it is
    :math:`\varphi_\sigma(t) / (\sqrt{n}\,\mathrm{vol}\,SO(n))`.

    Parameters
    ----------
    group : RotationScaling
    scale : float or torch.Tensor, shape=[1]
    truncate : float, optional

    Examples
    --------
    >>> q = RotationScalingGaussian(RotationScaling(2), 0.3)
    >>> g = q.sample((4,), generator=torch.Generator().manual_seed(0))
    >>> q.log_prob(g).shape
    torch.Size([4])
    """

    chart_type = RotationScalingChart

    def _build(self, x, K):
        return x[..., 0].exp()[..., None, None] * K

    def _noncompact(self, g):
        return RotationScaling.scale(g).log()[..., None]


class AffineGaussian(_Distribution):
    r"""``(x, A)`` with ``x ~ N(0, diag(scale)^2)`` and ``A ~ linear`` (a distribution on H).

    With respect to left Haar :math:`|\det A|^{-1} dx\, d\mu_H`, the density is
    :math:`N(x)\, q_H(A)\, |\det A|`; with respect to right Haar :math:`dx\, d\mu_H`,
    :math:`N(x)\, q_H(A)`. ``scale``: a float or a tensor of shape ``[n]``.
    """

    def __init__(self, linear: _GaussianTimesHaarK, scale=1.0):
        if not isinstance(linear, _GaussianTimesHaarK):
            raise ValueError(f"expected PolarGaussian, IwasawaGaussian or RotationScalingGaussian"
                             f" for H, got {linear!r}")
        self.linear = linear
        self.group = Affine(linear.group)
        self.scale = _scale_vector(scale, self.group.n, "AffineGaussian")

    def __repr__(self) -> str:
        sc = self.scale if isinstance(self.scale, float) else self.scale.detach().tolist()
        return f"AffineGaussian({self.linear!r}, scale={sc})"

    def sample(self, batch_shape=(), *, generator=None, dtype=torch.float64, device=None):
        shape = _shape(batch_shape)
        u = torch.randn(*shape, self.group.n, generator=generator, dtype=dtype, device=device)
        x = _scales(self.scale, self.group.n, u) * u
        return self.group.join(x, self.linear.sample(shape, generator=generator, dtype=dtype,
                                                     device=device))

    @property
    def _n_uniforms(self):
        return self.group.n + self.linear._n_uniforms

    def _from_uniforms(self, u):
        n = self.group.n
        x = torch.special.ndtri(u[..., :n])
        return self.group.join(_scales(self.scale, n, x) * x,
                               self.linear._from_uniforms(u[..., n:]))

    def log_prob(self, g, *, side: str = "left"):
        """Log density w.r.t. left (default) or right Haar, shape=[...]."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        x, A_ = Affine.split(self._check(g))
        out = _log_gaussian(x, self.scale, None) + self.linear.log_prob(A_)
        return out + torch.logdet(A_) if side == "left" else out

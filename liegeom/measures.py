r"""Modular functions and Monte Carlo integration against Haar measure.

Normalization: Haar measure is the Riemannian volume of the left-invariant metric
:math:`\operatorname{tr}(X^T Y)` (see :mod:`liegeom.charts`); for affine groups ``side`` picks
the left or the right measure. Modular function convention (REFERENCES):
:math:`d\mu_L(gh) = \Delta(h)\, d\mu_L(g)`, so :math:`\int f(gh)\, d\mu_L(g) = \Delta(h)^{-1}
\int f\, d\mu_L`.

Examples
--------
>>> import torch
>>> from liegeom.groups import SL
>>> f = lambda g: torch.exp(-(g**2).sum((-2, -1)))
>>> est, se = integrate(f, SL(2), 4000, generator=torch.Generator().manual_seed(0))
>>> bool(abs(est - 2**0.5 * torch.pi**2 * torch.e**-2) < 5 * se)
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import torch

from ._checks import check_shape
from .distributions import AffineGaussian, HaarSO, PolarGaussian, RotationScalingGaussian
from .groups import (
    SL,
    SO,
    SPD,
    Affine,
    GLPlus,
    MatrixGroup,
    PositiveDiagonal,
    RotationScaling,
    UpperUnitriangular,
)

__all__ = ["modular_function", "integrate", "default_proposal", "IntegralEstimate",
           "HeavyTailWarning", "effective_sample_size", "pareto_tail_index"]


def modular_function(group: MatrixGroup, g: torch.Tensor) -> torch.Tensor:
    r"""Modular function :math:`\Delta(g)`, shape=[...].

    :math:`|\det A|^{-1}` for ``Affine(H)`` (``(x, A)``; ``s^{-n}`` over RotationScaling(n));
    1 for the unimodular groups GL+(n), SL(n), SO(n), RotationScaling(n), PositiveDiagonal(n),
    UpperUnitriangular(n) (and for
    affine groups over SL(n) or SO(n), where det A = 1).

    Parameters
    ----------
    group : MatrixGroup
    g : torch.Tensor, shape=[..., size, size]
    """
    if not isinstance(group, MatrixGroup) or isinstance(group, SPD):
        raise TypeError(f"expected a matrix Lie group (SPD(n) is a space here), got {group!r}")
    s = group.size
    check_shape(g, ["...", s, s], f"element of {group.name}")
    if isinstance(group, Affine):
        return torch.linalg.det(Affine.split(g)[1]).abs().reciprocal()
    if isinstance(group, (GLPlus, SO, RotationScaling, PositiveDiagonal, UpperUnitriangular)):
        return torch.ones(g.shape[:-2], dtype=g.dtype, device=g.device)
    raise TypeError(f"no modular function known for {group!r}")


def default_proposal(group: MatrixGroup):
    """A proposal with exact Haar density for ``group``: Haar on SO(n), PolarGaussian(scale=0.7)
    on GL+(n) / SL(n), RotationScalingGaussian(scale=0.7) on RotationScaling(n), and an
    AffineGaussian (translation scale 1.5) over those for affine groups.

    Examples
    --------
    >>> default_proposal(Affine(RotationScaling(2)))
    AffineGaussian(RotationScalingGaussian(RotationScaling(2), scale=0.7), scale=1.5)
    """
    if isinstance(group, SO):
        return HaarSO(group.n)
    if isinstance(group, (GLPlus, SL)):
        return PolarGaussian(group, scale=0.7)
    if isinstance(group, RotationScaling):
        return RotationScalingGaussian(group, scale=0.7)
    if isinstance(group, Affine) and isinstance(group.H, (GLPlus, SL, RotationScaling)):
        return AffineGaussian(default_proposal(group.H), scale=1.5)
    raise ValueError(f"no default proposal for {group!r}; pass proposal=")


def integrate(
    f: Callable[[torch.Tensor], torch.Tensor],
    group: MatrixGroup,
    n_samples: int,
    *,
    proposal=None,
    side: str = "left",
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device=None,
) -> tuple[float, float]:
    r"""Importance-weighted Monte Carlo estimate of :math:`\int_G f\, d\mu` and its standard error.

    :math:`\hat I = \frac1m \sum_i f(g_i)\, e^{-\log q(g_i)}`, :math:`g_i \sim q`, where
    ``proposal.log_prob`` is the density with respect to Haar.

    Parameters
    ----------
    f : callable
        ``[..., size, size] -> [...]``.
    group : MatrixGroup
    n_samples : int
    proposal : distribution, optional
        Anything with ``sample(batch_shape, *, generator, dtype, device)`` and ``log_prob(g)``
        relative to Haar (:mod:`liegeom.distributions`); default :func:`default_proposal`.
    side : {"left", "right"}
        Left or right Haar measure (only differs for non-unimodular affine groups).

    Returns
    -------
    IntegralEstimate
        Unpacks as ``(estimate, stderr)``; also carries ``ess`` and ``pareto_k``.

    Warns
    -----
    HeavyTailWarning
        When the Pareto tail index of ``|f|/q`` exceeds 0.5: the weights then have (likely)
        infinite variance and the standard error means nothing; the message gives ``k`` and the
        effective sample size.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"expected an integer n_samples >= 2, got {n_samples!r}")
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    q = proposal if proposal is not None else default_proposal(group)
    if q.group != group:
        raise ValueError(f"proposal lives on {q.group!r}, expected {group!r}")
    g = q.sample((n_samples,), generator=generator, dtype=dtype, device=device)
    # non-affine groups here are unimodular: their right Haar measure is the left one
    logq = q.log_prob(g, side=side) if isinstance(q, AffineGaussian) else q.log_prob(g)
    vals = f(g)
    if vals.shape != g.shape[:-2]:
        raise ValueError(f"expected f to return shape {tuple(g.shape[:-2])}, got "
                         f"{tuple(vals.shape)}")
    w = vals * torch.exp(-logq)
    mag = w.detach().abs().double()
    out = IntegralEstimate(float(w.mean()), float(w.std() / math.sqrt(n_samples)),
                           effective_sample_size(mag), pareto_tail_index(mag), n_samples)
    if out.pareto_k > 0.5:
        worse = (" and the estimate itself is unreliable (k > 0.7)" if out.pareto_k > 0.7
                 else "")
        warnings.warn(
            f"integrate: the importance-weighted integrand |f|/q has a heavy right tail "
            f"(Pareto k = {out.pareto_k:.2f} > 0.5, effective sample size {out.ess:.0f} of "
            f"{n_samples}): its variance may be infinite, so the standard error may not be "
            f"meaningful{worse}; use a proposal closer to |f| with heavier tails (e.g. a "
            f"larger scale)", HeavyTailWarning, stacklevel=2)
    return out


class HeavyTailWarning(UserWarning):
    """The importance weights of :func:`integrate` look heavy-tailed (Pareto k > 0.5)."""


class IntegralEstimate(tuple):
    """``(estimate, stderr)`` as a tuple, with diagnostics as attributes.

    Attributes
    ----------
    estimate, stderr : float
        The Monte Carlo estimate and its standard error (meaningful only if ``pareto_k < 0.5``).
    ess : float
        Effective sample size of the weights ``|f| / q`` (:func:`effective_sample_size`).
    pareto_k : float
        Tail index of those weights (:func:`pareto_tail_index`): below 0.5 the variance is
        finite; above 0.7 even the estimate converges impractically slowly.
    n_samples : int
    """

    def __new__(cls, estimate: float, stderr: float, ess: float, pareto_k: float,
                n_samples: int):
        obj = super().__new__(cls, (estimate, stderr))
        obj.estimate, obj.stderr, obj.ess, obj.pareto_k = estimate, stderr, ess, pareto_k
        obj.n_samples = n_samples
        return obj

    def __repr__(self) -> str:
        return (f"IntegralEstimate(estimate={self.estimate:.6g}, stderr={self.stderr:.3g}, "
                f"ess={self.ess:.1f}, pareto_k={self.pareto_k:.3f}, "
                f"n_samples={self.n_samples})")


def effective_sample_size(w: torch.Tensor) -> float:
    r"""Kish's effective sample size :math:`(\sum w)^2 / \sum w^2` of non-negative weights.

    Examples
    --------
    >>> effective_sample_size(torch.ones(10))
    10.0
    """
    w = w.detach().double().flatten()
    return float(w.sum() ** 2 / (w * w).sum()) if bool((w > 0).any()) else 0.0


def pareto_tail_index(w: torch.Tensor) -> float:
    r"""Estimated shape :math:`\hat k` of a generalized Pareto fit to the largest weights.

    The diagnostic of Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao and
    Gabry, JMLR 2024): the :math:`M = \min(0.2 S, 3\sqrt S)` largest of ``S`` weights, less
    the next largest, are fitted by the empirical-Bayes estimator of Zhang and Stephens
    (Technometrics 2009; a posterior mean over a grid of :math:`30 + \sqrt M` values of
    :math:`θ = -k/σ`, at each of which the shape's profile maximum-likelihood estimate is
    :math:`\operatorname{mean} \log(1 - θ x)`), and :math:`\hat k` is shrunk towards 0.5 by a
    weak prior (:math:`(M\hat k + 5) / (M + 10)`). Weights whose distribution has
    :math:`\hat k < 1/2` have finite variance.

    Parameters
    ----------
    w : torch.Tensor
        Non-negative weights, any shape (flattened); at least 20 of them.

    Returns
    -------
    float
        ``-inf`` when the tail is constant (nothing to fit).

    Examples
    --------
    >>> u = torch.rand(20000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> round(pareto_tail_index(u ** -0.8), 1)  # a Pareto tail with k = 0.8
    0.8
    """
    w = w.detach().double().flatten()
    S = w.numel()
    if S < 20:
        raise ValueError(f"expected at least 20 weights for a tail fit, got {S}")
    M = int(min(0.2 * S, 3 * math.sqrt(S)))
    top = torch.topk(w, M + 1).values.flip(0)  # ascending; top[0] is the threshold
    x = top[1:] - top[0]
    if not bool(x[-1] > 0):
        return -math.inf
    m = 30 + int(math.sqrt(M))
    j = torch.arange(1, m + 1, dtype=torch.float64)
    quartile = x[int(M / 4 + 0.5) - 1].clamp_min(torch.finfo(torch.float64).tiny)
    theta = 1 / x[-1] + (1 - torch.sqrt(m / (j - 0.5))) / (3 * quartile)
    k = torch.log1p(-theta[:, None] * x[None, :]).mean(-1)  # profile MLE of the shape at θ
    loglik = M * (torch.log(-theta / k) - k - 1)
    weights = torch.softmax(loglik, 0)
    theta_hat = (weights * theta).sum()
    k_hat = float(torch.log1p(-theta_hat * x).mean())
    return (M * k_hat + 10 * 0.5) / (M + 10)

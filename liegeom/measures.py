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
from collections.abc import Callable

import torch

from ._checks import check_shape
from .distributions import AffineGaussian, HaarSO, PolarGaussian, RotationScalingGaussian
from .groups import SL, SO, SPD, A, Affine, GLPlus, MatrixGroup, N, RotationScaling

__all__ = ["modular_function", "integrate", "default_proposal"]


def modular_function(group: MatrixGroup, g: torch.Tensor) -> torch.Tensor:
    r"""Modular function :math:`\Delta(g)`, shape=[...].

    :math:`|\det A|^{-1}` for ``Affine(H)`` (``(x, A)``; ``s^{-n}`` over RotationScaling(n));
    1 for the unimodular groups GL+(n), SL(n), SO(n), RotationScaling(n), A(n), N(n) (and for
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
    if isinstance(group, (GLPlus, SO, RotationScaling, A, N)):
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
    (float, float)
        Estimate and standard error.
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
    return float(w.mean()), float(w.std() / math.sqrt(n_samples))

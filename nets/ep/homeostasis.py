r"""Jacobian homeostasis and alignment diagnostics.

The homeostatic loss penalises the antisymmetric part of :math:`J = \partial F/\partial u` at
the fixed point without forming :math:`J`: for :math:`\varepsilon \sim N(0, I_n)`,

.. math::

    h(\varepsilon) = \frac{\|J\varepsilon\|^2 - \varepsilon^\top J^2 \varepsilon}{n},\qquad
    \mathbb E\,h = \frac{\|J\|_F^2 - \operatorname{tr}(J^2)}{n}
    = \frac{\|J - J^\top\|_F^2}{2n},

and :math:`h(\varepsilon) = 0` for every draw when :math:`J` is symmetric. Both products
:math:`J\varepsilon` and :math:`J(J\varepsilon)` are forward-mode JVPs; the result is
differentiable with respect to the parameters at the (detached) fixed point.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .networks import EPNetwork

__all__ = [
    "alignment",
    "asymmetry",
    "feedback_angles",
    "homeostasis_loss",
    "homeostasis_samples",
    "jacobian",
    "symmetric_share",
]


def homeostasis_samples(net: EPNetwork, x: Tensor, u: Tensor, n_samples: int = 1, *,
                        generator: torch.Generator | None = None) -> Tensor:
    r"""Hutchinson draws :math:`h(\varepsilon)`, ``shape=[n_samples, ...]`` (batch of ``x``).

    Parameters
    ----------
    net : EPNetwork
    x : Tensor, shape=[..., *input_shape]
    u : Tensor, shape=[..., n]
        Fixed point (detached here).
    n_samples : int
        Draws of :math:`\varepsilon` per sample.
    """
    if n_samples < 1:
        raise ValueError(f"expected n_samples >= 1, got {n_samples}")
    u = u.detach().expand(n_samples, *u.shape).contiguous()
    xs = x.expand(n_samples, *x.shape)
    # draw where the generator lives (a seeded CPU generator gives the same draws on any device)
    where = generator.device if generator is not None else u.device
    eps = torch.randn(u.shape, generator=generator, dtype=u.dtype, device=where).to(u.device)
    je = net.jvp(u, xs, eps)
    jje = net.jvp(u, xs, je)
    return ((je * je).sum(-1) - (eps * jje).sum(-1)) / net.state_size


def homeostasis_loss(net: EPNetwork, x: Tensor, u: Tensor, n_samples: int = 1, *,
                     generator: torch.Generator | None = None) -> Tensor:
    r"""Mean of :func:`homeostasis_samples`: an unbiased estimate of
    :math:`\frac{1}{2n}\|J - J^\top\|_F^2` averaged over the batch (scalar)."""
    return homeostasis_samples(net, x, u, n_samples, generator=generator).mean()


def jacobian(net: EPNetwork, x: Tensor, u: Tensor) -> Tensor:
    """Dense Jacobian of the field at ``u``, ``shape=[..., n, n]`` (``J[..., i, j] = dF_i/du_j``);
    for diagnostics on small networks."""
    n = net.state_size
    u = u.detach()
    basis = torch.eye(n, dtype=u.dtype, device=u.device)
    basis = basis.reshape(n, *([1] * (u.dim() - 1)), n).expand(n, *u.shape)
    cols = net.jvp(u.expand(n, *u.shape).contiguous(), x.expand(n, *x.shape),
                   basis.contiguous())
    return cols.movedim(0, -1)


def asymmetry(j: Tensor) -> Tensor:
    r""":math:`\frac{1}{2n}\|J - J^\top\|_F^2`, ``shape=[...]``."""
    return 0.5 * (j - j.transpose(-1, -2)).pow(2).sum((-1, -2)) / j.shape[-1]


def symmetric_share(j: Tensor) -> Tensor:
    r"""Share of :math:`\|J_{\rm off}\|_F^2` in its symmetric part, ``shape=[...]``, where
    :math:`J_{\rm off}` is :math:`J` without its (always symmetric) diagonal: 1 for symmetric,
    0 for antisymmetric, about 1/2 for unrelated blocks."""
    off = j - torch.diag_embed(torch.diagonal(j, dim1=-2, dim2=-1))
    sym = 0.5 * (off + off.transpose(-1, -2))
    return sym.pow(2).sum((-1, -2)) / off.pow(2).sum((-1, -2)).clamp_min(1e-300)


def _cos(a: Tensor, b: Tensor) -> float:
    a, b = a.reshape(-1).double(), b.reshape(-1).double()
    den = a.norm() * b.norm()
    return float((a @ b) / den) if den > 0 else float("nan")


def alignment(net: EPNetwork, delta: Tensor, lam: Tensor) -> dict:
    """Cosine between error vectors, per layer (over the whole batch) and overall.

    Returns
    -------
    dict
        ``{"layers": [cos_1, ..., cos_L], "all": cos}``.
    """
    if delta.shape != lam.shape:
        raise ValueError(f"expected equal shapes, got {tuple(delta.shape)} and {tuple(lam.shape)}")
    layers = [_cos(delta[..., s], lam[..., s]) for s in net.layer_slices()]
    return {"layers": layers, "all": _cos(delta, lam)}


def feedback_angles(net: EPNetwork) -> list[float]:
    r"""Angle in degrees between each feedback weight and the transposed feedforward weight
    (couplings 2..L; the first has no feedback)."""
    out = []
    for c in list(net.couplings)[1:]:
        w, b = c.weight.detach().reshape(-1), c.feedback_weight().detach().reshape(-1)
        w, b = w / w.norm(), b / b.norm()
        # 2 atan2(|w - b|, |w + b|) stays accurate near 0 and 180 degrees, unlike acos.
        out.append(math.degrees(2 * math.atan2(float((w - b).norm()), float((w + b).norm()))))
    return out

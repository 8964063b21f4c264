r"""Baselines: residual pathways, invariant-feature models, data augmentation, and priors.

* Residual-pathway prior (Finzi, Benton & Wilson, NeurIPS 2021): an exactly equivariant path plus
  an unconstrained one, the latter under the stronger Gaussian prior. For
  :class:`~nets.soft.GatedTensorNet` it is built layer by layer (``residual=True``); for any two
  models, :class:`ResidualPathway` sums their outputs.
* :func:`invariant_mlp`: an MLP on invariant features (pairwise distances for rigid motions,
  normalised Gram entries for rotations and scalings), an exactly invariant model.
* :func:`augment`: transform a batch by random group elements, ``(g·x, g·y)``.
* :func:`prior_penalty`: the L2 terms of all these priors.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ._groups import SymmetryGroup
from ._layers import MLP, RepLinear
from ._regularizers import _action, check_finite

__all__ = ["ResidualPathway", "FeatureMLP", "invariant_mlp", "augment", "prior_penalty"]


class ResidualPathway(nn.Module):
    """``f(x) = equivariant(x) + free(x)``; :func:`prior_penalty` puts ``free_decay`` on the
    free model's weights and ``equivariant_decay`` on the equivariant one's."""

    def __init__(self, equivariant: nn.Module, free: nn.Module):
        super().__init__()
        self.equivariant, self.free = equivariant, free

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.equivariant(x) + self.free(x)


class FeatureMLP(nn.Module):
    """An :class:`MLP` on ``features(x)``; exactly invariant when the features are."""

    def __init__(self, features: Callable[[torch.Tensor], torch.Tensor], n_features: int,
                 out_dim: int, width: int = 128, depth: int = 3, *, generator=None,
                 dtype=torch.float32):
        super().__init__()
        if not callable(features):
            raise TypeError(f"expected a callable features(x), got {type(features).__name__}")
        self.features = features
        self.mlp = MLP(n_features, out_dim, width, depth, generator=generator, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.features(x))


def invariant_mlp(features, n_features: int, out_dim: int, **kw) -> FeatureMLP:
    """Shorthand for :class:`FeatureMLP`.

    Examples
    --------
    >>> dist = lambda x: (x[:, :3] - x[:, 3:]).norm(dim=-1, keepdim=True)
    >>> m = invariant_mlp(dist, 1, 1, width=8, depth=1)
    >>> m(torch.zeros(4, 6)).shape
    torch.Size([4, 1])
    """
    return FeatureMLP(features, n_features, out_dim, **kw)


@torch.no_grad()
def augment(group: SymmetryGroup, act_in, act_out, x: torch.Tensor, y: torch.Tensor, *,
            generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One random element per example: ``(g·x, g·y)``, same shapes as ``(x, y)``.

    Examples
    --------
    >>> from nets.soft import Rep, orthogonal
    >>> V = Rep(0, 1)
    >>> x = torch.randn(5, 3); gx, gy = augment(orthogonal(3), V, V, x, 2 * x)
    >>> bool(torch.allclose(gy, 2 * gx, atol=1e-6))
    True
    """
    ain, _ = _action(act_in, "act_in")
    aout, _ = _action(act_out, "act_out")
    check_finite(x, "inputs")
    check_finite(y, "targets")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"expected as many targets as inputs, got {y.shape[0]} and {x.shape[0]}")
    g = group.sample((x.shape[0],), generator=generator, dtype=x.dtype, device=x.device)
    return ain(g, x), aout(g, y)


def _sq(params) -> torch.Tensor | None:
    total = None
    for p in params:
        t = p.square().sum()
        total = t if total is None else total + t
    return total


def prior_penalty(model: nn.Module, *, weight_decay: float = 0.0, equivariant_decay: float = 0.0,
                  free_decay: float = 0.0) -> torch.Tensor:
    r"""L2 penalties of the Gaussian priors: ``weight_decay`` on ordinary weights;
    residual-pathway models get ``equivariant_decay`` on the equivariant path and ``free_decay``
    on the free path (weights and biases), the free path being the one under the stronger
    prior."""
    terms = []
    if isinstance(model, ResidualPathway):
        terms += [equivariant_decay * (_sq(model.equivariant.parameters()) or 0),
                  free_decay * (_sq(model.free.parameters()) or 0)]
    else:
        for m in model.modules():
            if isinstance(m, RepLinear) and m.residual:
                free = [m.weight_free] + ([m.bias_free] if m.bias_free is not None else [])
                terms += [equivariant_decay * m.weight.square().sum(), free_decay * _sq(free)]
            elif isinstance(m, RepLinear):
                terms.append(weight_decay * m.weight.square().sum())
            elif isinstance(m, MLP):
                terms.append(weight_decay * _sq(m.weights))
    terms = [t for t in terms if isinstance(t, torch.Tensor)]
    if not terms:
        p = next(model.parameters(), None)
        return torch.zeros((), dtype=p.dtype if p is not None else torch.float32)
    return sum(terms)

"""Reference networks: an affine-equivariant CNN over ``R² ⋊ H`` and a plain CNN baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._layers import GroupConv2d, GroupPool, LiftingConv2d, _positive_int
from ._sampling import GroupSampler

__all__ = ["AffineEquivariantCNN", "PlainCNN", "recalibrate_batchnorm"]


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, batches) -> nn.Module:
    """Re-estimate every batch normalization's running statistics with the evaluation samples.

    In training each batch sees fresh group samples, and the running statistics average over
    them; the fixed evaluation samples give features whose statistics differ from that average
    by a fraction of a standard deviation per channel, enough to cost tens of accuracy points.
    This passes ``batches`` (an iterable of input tensors, or of tuples whose first entry is the
    input) through the model in evaluation mode with the normalization layers collecting exact
    (cumulative) statistics, then leaves the model in evaluation mode. The same remedy as for
    stochastic weight averaging (``torch.optim.swa_utils.update_bn``), for the same reason.

    Returns the model.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    model.eval()
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    seen = 0
    for batch in batches:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        model(x)
        seen += len(x)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.eval()
    if norms and seen == 0:
        raise ValueError("recalibrate_batchnorm: no batches were given")
    return model


def _sizes(channels, kernel_sizes, name):
    channels, kernel_sizes = tuple(channels), tuple(kernel_sizes)
    if not channels or len(channels) != len(kernel_sizes):
        raise ValueError(f"{name}: expected as many channels as kernel_sizes (at least one), got "
                         f"{channels} and {kernel_sizes}")
    for c in channels:
        _positive_int(c, "every channel count", name)
    return channels, kernel_sizes


class AffineEquivariantCNN(nn.Module):
    """Lifting convolution, group convolutions, invariant pooling and a linear classifier.

    Every convolution is followed by batch normalization over ``(B, S, H, W)`` per channel (its
    statistics do not single out a group element, so it keeps equivariance) and ReLU; the first
    ``len(channels) - 1`` blocks end with a 2x2 average pooling in space. One set of group
    samples serves every layer of a forward pass (:class:`~nets.affine.GroupSampler`: fresh in
    training, fixed in evaluation). ``kernel_sizes`` are footprints at the identity: a kernel of
    size ``k`` has radius ``k / 2`` pixels, and its grid is ``2 floor(k/2 · s) + 1`` wide, with
    ``s`` the sampler's largest stretch, so that no transformed kernel is cut by its grid.

    Parameters
    ----------
    group : liegeom group
        ``SL(2)``, ``GLPlus(2)``, ``SO(2)`` or ``RotationScaling(2)``.
    in_channels, num_classes : int
    channels, kernel_sizes : sequence of int
        One entry per convolution (the first is the lifting); kernel sizes are odd footprints
        at the identity.
    n_samples : int
        Group samples per forward pass in training.
    eval_samples : int, optional
        Group samples in evaluation (default ``n_samples``).
    spread, rotation : float
        Passed to :func:`~nets.affine.default_proposal`.
    hidden : int
        Width of the kernel networks (``kernel="mlp"``).
    kernel : {"rbf", "mlp"}
        Kernel parametrization (:class:`~nets.affine.LiftingConv2d`).
    group_radius : float
        Support of the group kernels in H (:class:`~nets.affine.GroupConv2d`).
    space_pool : {"mean", "max"}

    Examples
    --------
    >>> import torch
    >>> from liegeom import SL
    >>> model = AffineEquivariantCNN(SL(2), channels=(4, 4), kernel_sizes=(5, 3), n_samples=4)
    >>> model.eval()(torch.rand(2, 1, 16, 16)).shape
    torch.Size([2, 10])
    """

    def __init__(self, group, in_channels: int = 1, num_classes: int = 10,
                 channels: Sequence[int] = (16, 16, 16), kernel_sizes: Sequence[int] = (7, 5, 5),
                 n_samples: int = 8, *, eval_samples: int | None = None, spread: float = 0.25,
                 rotation: float | None = None,
                 hidden: int = 32, group_radius: float = 1.0, space_pool: str = "mean",
                 kernel: str = "rbf", seed: int = 0):
        super().__init__()
        name = type(self).__name__
        channels, kernel_sizes = _sizes(channels, kernel_sizes, name)
        self.sampler = GroupSampler(group, n_samples, eval_samples=eval_samples, spread=spread,
                                    rotation=rotation, seed=seed)
        stretch = max(self.sampler.max_stretch(), 1.0)
        for k in kernel_sizes:
            if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0:
                raise ValueError(f"{name}: expected odd positive kernel_sizes, got "
                                 f"{kernel_sizes}")
        radius = [k / 2 for k in kernel_sizes]
        grid = [2 * math.floor(r * stretch) + 1 for r in radius]
        self.lift = LiftingConv2d(in_channels, channels[0], grid[0], group, radius=radius[0],
                                  hidden=hidden, kernel=kernel)
        self.convs = nn.ModuleList(
            GroupConv2d(channels[i - 1], channels[i], grid[i], group, radius=radius[i],
                        group_radius=group_radius, hidden=hidden, kernel=kernel)
            for i in range(1, len(channels)))
        self.norms = nn.ModuleList(nn.BatchNorm3d(c) for c in channels)
        self.pool = GroupPool(space_pool)
        self.head = nn.Linear(channels[-1], _positive_int(num_classes, "num_classes", name))

    def features(self, x: Tensor) -> Tensor:
        """The last group feature map, shape=[B, C, S, H', W']."""
        samples = self.sampler()
        y = F.relu(self.norms[0](self.lift(x, samples)))
        for conv, norm in zip(self.convs, self.norms[1:]):
            y = F.avg_pool3d(y, (1, 2, 2))
            y = F.relu(norm(conv(y, samples)))
        return y

    def forward(self, x: Tensor) -> Tensor:
        """Logits, shape=[B, num_classes]."""
        return self.head(self.pool(self.features(x)))


class PlainCNN(nn.Module):
    """The same architecture with ordinary convolutions (a baseline of similar size).

    Examples
    --------
    >>> import torch
    >>> PlainCNN(channels=(4, 4), kernel_sizes=(5, 3))(torch.rand(2, 1, 16, 16)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10,
                 channels: Sequence[int] = (32, 32, 32), kernel_sizes: Sequence[int] = (7, 5, 5),
                 space_pool: str = "mean"):
        super().__init__()
        channels, kernel_sizes = _sizes(channels, kernel_sizes, type(self).__name__)
        ins = (in_channels,) + channels[:-1]
        self.convs = nn.ModuleList(nn.Conv2d(i, o, k, padding=k // 2)
                                   for i, o, k in zip(ins, channels, kernel_sizes))
        self.norms = nn.ModuleList(nn.BatchNorm2d(c) for c in channels)
        if space_pool not in ("mean", "max"):
            raise ValueError(f"PlainCNN: expected space_pool 'mean' or 'max', got {space_pool!r}")
        self.space_pool = space_pool
        self.head = nn.Linear(channels[-1], num_classes)

    def forward(self, x: Tensor) -> Tensor:
        y = x
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            if i:
                y = F.avg_pool2d(y, 2)
            y = F.relu(norm(conv(y)))
        y = y.flatten(2)
        return self.head(y.mean(-1) if self.space_pool == "mean" else y.amax(-1))

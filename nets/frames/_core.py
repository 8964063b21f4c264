"""Frame averaging: the wrapper module and the data a frame hands to it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["FrameAveraging", "FrameSet", "FrameDegeneracyWarning", "FrameDegeneracyError",
           "frame_mean", "stack_for"]


class FrameDegeneracyWarning(UserWarning):
    """A frame could not be built exactly; the message says which samples and why."""


class FrameDegeneracyError(ValueError):
    """Raised instead of :class:`FrameDegeneracyWarning` when ``on_degenerate="raise"``."""


_MODES = ("warn", "raise", "ignore")


def check_mode(on_degenerate: str) -> str:
    """Validate an ``on_degenerate`` option."""
    if on_degenerate not in _MODES:
        raise ValueError(f"expected on_degenerate in {_MODES}, got {on_degenerate!r}")
    return on_degenerate


def report(message: str, on_degenerate: str) -> None:
    """Warn, raise or stay silent about an inexact frame, as ``on_degenerate`` says."""
    if on_degenerate == "raise":
        raise FrameDegeneracyError(message)
    if on_degenerate == "warn":
        warnings.warn(message, FrameDegeneracyWarning, stacklevel=5)


@dataclass
class FrameSet:
    """The frames of a flattened batch of ``B`` inputs, stacked into ``M`` group elements.

    Attributes
    ----------
    index : torch.Tensor, shape=[M], long
        Which input each element belongs to.
    weight : torch.Tensor, shape=[M]
        Averaging weights; they sum to 1 over the elements of each input.
    sizes : torch.Tensor, shape=[B], long
        Frame size per input.
    exact : torch.Tensor, shape=[B], bool
        False where the frame is a sample of a larger set (see the frame's docstring).
    data : dict
        The group elements themselves, in the frame's own representation.
    """

    index: torch.Tensor
    weight: torch.Tensor
    sizes: torch.Tensor
    exact: torch.Tensor
    data: dict


def stack_for(frames: FrameSet, value):
    """Repeat a batch-first tensor (or a structure of them) over the frame elements."""
    if isinstance(value, torch.Tensor):
        return value.index_select(0, frames.index)
    if isinstance(value, (tuple, list)):
        return type(value)(stack_for(frames, v) for v in value)
    return value


def frame_mean(frames: FrameSet, y: torch.Tensor) -> torch.Tensor:
    """Weighted mean over each input's frame elements: ``[M, ...]`` -> ``[B, ...]``."""
    w = frames.weight.to(y.dtype).reshape(-1, *([1] * (y.dim() - 1)))
    out = torch.zeros(frames.sizes.shape[0], *y.shape[1:], dtype=y.dtype, device=y.device)
    return out.index_add(0, frames.index, w * y)


class FrameAveraging(nn.Module):
    r"""Make any backbone exactly invariant or equivariant by averaging over a frame.

    With a frame :math:`\mathcal F(X) \subset G` that is equivariant as a set,
    :math:`\mathcal F(gX) = g\mathcal F(X)` (Puny et al., ICLR 2022),

    .. math::

        \langle\phi\rangle(X) = \frac{1}{|\mathcal F(X)|}\sum_{g\in\mathcal F(X)}\phi(g^{-1}X),
        \qquad
        \langle\Phi\rangle(X) = \frac{1}{|\mathcal F(X)|}\sum_{g\in\mathcal F(X)} g\,\Phi(g^{-1}X)

    are invariant, respectively equivariant, for any :math:`\phi, \Phi`. All frame elements of
    the whole batch are stacked and the backbone is called once.

    Parameters
    ----------
    backbone : nn.Module
        Called as ``backbone(*canonical_inputs, **context)`` on the stacked frame.
    group : frame object
        :class:`~nets.frames.OrthogonalFrame` (``O(d)``, ``SO(d)``, ``E(d)``, ``SE(d)``),
        :class:`~nets.frames.AffineFrame` (``GLPlus(d)``, ``AffineGLPlus(d)``) or
        :class:`~nets.frames.PermutationFrame`.
    output : {"invariant", "equivariant"}
        How the output transforms.
    translate_output : bool
        For point-cloud groups with translations: equivariant outputs are points (moved by the
        translation) if True, vectors (only rotated / linearly mapped) if False.

    Notes
    -----
    ``forward(x, *inputs, **context)``: ``x`` is what the frame is computed from (a point cloud
    ``[*batch, n, d]`` or adjacency matrices ``[*batch, n, n]``); ``inputs`` are further tensors
    that the group acts on (vectors ``[*batch, ..., d]`` for point groups, node features
    ``[*batch, n, ...]`` for permutations); ``context`` holds invariant batch-first tensors
    (e.g. charges) which are only repeated over the frame. After a call, ``last_frame`` holds the
    :class:`FrameSet` used.

    Examples
    --------
    >>> import torch
    >>> from nets.frames import FrameAveraging, E
    >>> mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 1)).double()
    >>> fa = FrameAveraging(mlp, E(3))
    >>> x = torch.randn(2, 4, 3, dtype=torch.float64)
    >>> q, _ = torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64))
    >>> torch.allclose(fa(x @ q.T + 1.0), fa(x), atol=1e-10)
    True
    """

    def __init__(self, backbone: nn.Module, group, output: str = "invariant", *,
                 translate_output: bool = True):
        super().__init__()
        if output not in ("invariant", "equivariant"):
            raise ValueError(f"expected output 'invariant' or 'equivariant', got {output!r}")
        for name in ("frame", "canonicalize", "act"):
            if not callable(getattr(group, name, None)):
                raise TypeError(
                    f"expected a frame object with a .{name}() method (e.g. nets.frames.E(3)), "
                    f"got {type(group).__name__}"
                )
        self.backbone = backbone
        self.group = group
        self.output = output
        self.translate_output = translate_output
        self.last_frame: FrameSet | None = None

    def extra_repr(self) -> str:
        return f"group={self.group!r}, output={self.output!r}"

    def forward(self, x: torch.Tensor, *inputs: torch.Tensor, **context):
        batch_shape = x.shape[: x.dim() - 2]
        flat = lambda t: t.reshape(-1, *t.shape[len(batch_shape):])
        xf = flat(x)
        inputs_f = tuple(flat(t) for t in inputs)
        context_f = {
            k: flat(v) if isinstance(v, torch.Tensor) and v.shape[: len(batch_shape)] == batch_shape
            else v
            for k, v in context.items()
        }
        frames = self.group.frame(xf, *inputs_f)
        self.last_frame = frames
        canon = self.group.canonicalize(frames, xf, *inputs_f)
        y = self.backbone(*canon, **{k: stack_for(frames, v) for k, v in context_f.items()})
        if self.output == "equivariant":
            y = self.group.act(frames, y, translate=self.translate_output)
        out = frame_mean(frames, y)
        return out.reshape(*batch_shape, *out.shape[1:])

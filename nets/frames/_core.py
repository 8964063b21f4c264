"""Frame averaging: the wrapper module, the data a frame hands to it, and input checks."""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Mapping
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
        warnings.warn(message, FrameDegeneracyWarning, stacklevel=_caller_level())


_SKIP = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
         os.path.dirname(os.path.abspath(torch.__file__)))


def _caller_level() -> int:
    """The stack level of the first frame outside nets and torch (warnings point at the user's
    call, however deep the frame code or torch's operator machinery sits)."""
    level, f = 1, sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_SKIP):
        level, f = level + 1, f.f_back
    return level


@dataclass
class FrameSet:
    """The frames of a flattened batch of ``B`` inputs, stacked into ``M`` group elements.

    Attributes
    ----------
    index : torch.Tensor, shape=[M], long
        Which input each element belongs to.
    weight : torch.Tensor, shape=[M]
        Averaging weights; they sum to 1 over the elements of each input. Elements of weight 0
        are placeholders (the fixed-size generic part of an input whose frame took the slow
        path; they keep the shapes static for ``torch.compile``).
    sizes : torch.Tensor, shape=[B], long
        Frame size per input (elements of nonzero weight).
    exact : torch.Tensor, shape=[B], bool
        False where the frame is a sample of a larger set (see the frame's docstring).
    data : dict
        The group elements themselves, in the frame's own representation.
    mask : torch.Tensor or None, shape=[B, n], bool
        Which points (nodes) are real; None when every point is.
    """

    index: torch.Tensor
    weight: torch.Tensor
    sizes: torch.Tensor
    exact: torch.Tensor
    data: dict
    mask: torch.Tensor | None = None


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


def _shape(s) -> str:
    return "[" + ", ".join(str(int(k)) for k in s) + "]"


def _role(name: str, value, batch: tuple, n: int) -> dict:
    """Check a ``vectors`` / ``scalars`` mapping: tensors sharing the cloud's batch and point
    axes, ``[*batch, n, ...]``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"expected {name} as a mapping from the backbone's keyword to a tensor, e.g. "
            f"{name}={{'v': v}}, got {type(value).__name__}"
        )
    for key, t in value.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise TypeError(f"expected {name} keys that are keyword names, got {key!r}")
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"expected {name}[{key!r}] to be a tensor, got {type(t).__name__}")
        if tuple(t.shape[: len(batch) + 1]) != (*batch, n) or t.dim() < len(batch) + 1:
            raise ValueError(
                f"expected {name}[{key!r}] of shape {_shape((*batch, n))[:-1]}, ...] (the point "
                f"cloud's batch and point axes, from x of batch shape {_shape(batch)} with "
                f"{n} points), got {_shape(t.shape)}"
            )
    return dict(value)


def check_inputs(x, vectors, scalars, mask, context) -> tuple[dict, dict, dict]:
    """Shared checks of :meth:`FrameAveraging.forward`'s inputs (shapes only, no data access:
    values are checked where the frame is built, in one pass that also works compiled)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected the input x to be a tensor [*batch, n, ...], got "
                        f"{type(x).__name__}")
    if x.dim() < 2:
        raise ValueError(
            f"expected x of shape [*batch, n, d] (points) or [*batch, n, n] (adjacency): at "
            f"least 2 dimensions, got {x.dim()}-D shape {_shape(x.shape)}"
        )
    batch, n = tuple(x.shape[:-2]), x.shape[-2]
    vectors, scalars = _role("vectors", vectors, batch, n), _role("scalars", scalars, batch, n)
    if mask is not None:
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            got = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
            raise TypeError(f"expected mask to be a bool tensor, got {got}")
        if tuple(mask.shape) != (*batch, n):
            raise ValueError(f"expected mask of shape {_shape((*batch, n))} (True for real "
                             f"points), got {_shape(mask.shape)}")
    for key, t in context.items():
        if isinstance(t, torch.Tensor) and t.dim() > 0 and tuple(t.shape[: len(batch)]) != batch:
            raise ValueError(
                f"expected context tensor {key!r} to start with the batch shape {_shape(batch)} "
                f"(one entry per cloud) or to be 0-dimensional, got {_shape(t.shape)}"
            )
    names = [*vectors, *scalars, *context] + (["mask"] if mask is not None else [])
    clash = sorted({k for k in names if names.count(k) > 1})
    if clash:
        raise ValueError(f"expected distinct backbone keywords across vectors, scalars, mask "
                         f"and context, got {clash} more than once")
    return vectors, scalars, context


def _masked(t: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Zero the entries of padded points (``t`` [B, n, ...], ``mask`` [B, n])."""
    if mask is None:
        return t
    m = mask.reshape(*mask.shape, *([1] * (t.dim() - 2)))
    return torch.where(m, t, torch.zeros((), dtype=t.dtype, device=t.device))


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
        Called as ``backbone(x, **vectors, **scalars, **context)`` (plus ``mask=`` when a mask
        is given) on the stacked frame, every tensor with the frame elements as batch axis.
    frame : frame object
        :class:`~nets.frames.OrthogonalFrame` (e.g. ``OrthogonalFrame(liegeom.SO(3),
        reflections=True, translations=True)`` for E(3)), :class:`~nets.frames.AffineFrame` or
        :class:`~nets.frames.PermutationFrame`.
    output : {"invariant", "equivariant"}
        How the output transforms.
    translate_output : bool
        For point-cloud groups with translations: equivariant outputs are points (moved by the
        translation) if True, vectors (only rotated / linearly mapped) if False.

    Notes
    -----
    ``forward(x, *, vectors=None, scalars=None, mask=None, **context)``:

    * ``x`` is what the frame is computed from: a point cloud ``[*batch, n, d]`` or adjacency
      matrices ``[*batch, n, n]``; it is the only positional input.
    * ``vectors``: ``{keyword: tensor [*batch, n, ..., d]}``, per-point vectors that the linear
      part of the group acts on (velocities, forces); point groups only.
    * ``scalars``: ``{keyword: tensor [*batch, n, ...]}``, per-point (per-node) invariant
      features (charges, atom types): repeated over the frame, and permuted with the nodes by
      a :class:`~nets.frames.PermutationFrame`, whose keys they refine.
    * ``mask``: ``[*batch, n]`` bool, True for real points. Padded points change neither the
      frame nor the average: they do not enter the frame, their entries in the canonical inputs
      are zero, and the backbone receives ``mask=`` so that it can leave them out. (Per-point
      outputs at padded points are whatever the backbone makes of them; ignore them.)
    * ``context``: further keywords, passed on; tensors must be 0-dimensional (shared) or
      start with the batch shape (one entry per cloud: repeated over the frame).

    Extra inputs must share the cloud's batch and point axes; a mismatch is a ValueError, not a
    broadcast. After a call, ``last_frame`` holds the :class:`FrameSet` used.

    ``torch.compile(fullgraph=True)`` traces the whole forward pass of point frames: the
    generic path has static shapes, and the slow path for tied spectra (symmetric clouds) and
    the checks of the input values run in one opaque operator whose output size is dynamic, so
    symmetric inputs neither break the graph nor trigger recompilation. (Without
    ``fullgraph``, dynamo breaks the graph at that operator and compiles a bounded number of
    pieces. :class:`~nets.frames.PermutationFrame` is Python code per graph and does not
    compile into one graph.)

    Examples
    --------
    >>> import torch, liegeom
    >>> from nets.frames import FrameAveraging, OrthogonalFrame
    >>> mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 1)).double()
    >>> e3 = OrthogonalFrame(liegeom.SO(3), reflections=True, translations=True)
    >>> fa = FrameAveraging(mlp, e3)
    >>> x = torch.randn(2, 4, 3, dtype=torch.float64)
    >>> q, _ = torch.linalg.qr(torch.randn(3, 3, dtype=torch.float64))
    >>> torch.allclose(fa(x @ q.T + 1.0), fa(x), atol=1e-10)
    True
    """

    def __init__(self, backbone: nn.Module, frame, output: str = "invariant", *,
                 translate_output: bool = True):
        super().__init__()
        if output not in ("invariant", "equivariant"):
            raise ValueError(f"expected output 'invariant' or 'equivariant', got {output!r}")
        for name in ("frame", "canonicalize", "act", "check_inputs"):
            if not callable(getattr(frame, name, None)):
                raise TypeError(
                    f"expected a frame object with a .{name}() method (e.g. nets.frames."
                    f"OrthogonalFrame(liegeom.SO(3))), got {type(frame).__name__}"
                )
        self.backbone = backbone
        self.frame = frame
        self.output = output
        self.translate_output = translate_output
        self.last_frame: FrameSet | None = None

    def extra_repr(self) -> str:
        return f"frame={self.frame!r}, output={self.output!r}"

    def forward(self, x: torch.Tensor, *args, vectors: Mapping | None = None,
                scalars: Mapping | None = None, mask: torch.Tensor | None = None, **context):
        if args:
            raise TypeError(
                f"FrameAveraging takes the point cloud (or adjacency) as its only positional "
                f"input, got {len(args)} more: pass further per-point inputs by role, "
                "vectors={'v': v} (transformed with the frame) or scalars={'q': q} (invariant)"
            )
        vectors, scalars, context = check_inputs(x, vectors, scalars, mask, context)
        self.frame.check_inputs(x, vectors, scalars)
        batch = x.shape[:-2]
        b = math.prod(batch)
        flat = lambda t: t.reshape(b, *t.shape[len(batch):])  # noqa: E731
        maskf = None if mask is None else flat(mask)
        xf = _masked(flat(x), maskf)
        vf = {k: _masked(flat(v), maskf) for k, v in vectors.items()}
        sf = {k: _masked(flat(s), maskf) for k, s in scalars.items()}
        cf = {k: flat(v) if isinstance(v, torch.Tensor) and v.dim() > 0 else v
              for k, v in context.items()}
        frames = self.frame.frame(xf, mask=maskf, scalars=sf)
        self.last_frame = frames
        xc, vc, sc = self.frame.canonicalize(frames, xf, vectors=vf, scalars=sf)
        kw = {**vc, **sc}
        kw.update({k: stack_for(frames, v) if isinstance(v, torch.Tensor) and v.dim() > 0
                   else v for k, v in cf.items()})
        if maskf is not None:
            kw["mask"] = stack_for(frames, maskf)
        y = self.backbone(xc, **kw)
        if self.output == "equivariant":
            y = self.frame.act(frames, y, translate=self.translate_output)
        out = frame_mean(frames, y)
        return out.reshape(*batch, *out.shape[1:])

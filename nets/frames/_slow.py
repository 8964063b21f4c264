"""The part of a point frame that needs the data on the host: checks of the input values and
the slow path for tied spectra, as one opaque operator.

Inside a compiled graph (``torch.compile(fullgraph=True)``) this is a single custom operator
whose output length is dynamic (an unbacked size), so symmetric inputs need neither a graph
break nor a recompilation; eagerly the same function is called directly. The operator reads
the frame's options from a registry of frame objects (a key is an ``int``, which an operator
can take; a generator is not).

Without ``fullgraph=True``, dynamo breaks the graph at the operator (it allows operators of
data-dependent output size only in full-graph mode, or with
``torch._dynamo.config.capture_dynamic_output_shape_ops``), compiles the pieces on both sides,
and, the size being 0 for generic batches and dynamic otherwise, compiles a bounded number of
graphs (10 for an E(3) frame averaging, whatever the mix of symmetric inputs).
"""

from __future__ import annotations

import itertools
import weakref

import torch
from torch import Tensor

from ._core import report
from ._robust import robust_frame

__all__ = ["register", "slow_frames"]

_FRAMES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_KEYS = itertools.count()


def register(frame) -> int:
    """Give ``frame`` a fresh key in the registry (at construction and after a copy/unpickle)."""
    key = next(_KEYS)
    _FRAMES[key] = frame
    return key


def _first(bad: Tensor) -> int:
    return int(bad.nonzero()[0, 0])


def _raise_bad_values(frame, x: Tensor, empty: Tensor, finite: Tensor,
                      singular: Tensor) -> None:
    """Raise a ValueError naming the first bad cloud: no real points, a non-finite coordinate,
    or (affine frames) points that do not span the space."""
    if bool(empty.any()):
        raise ValueError(f"{frame!r}: expected at least one real point per cloud, got none "
                         f"(mask all False) at batch index {_first(empty)}")
    if not bool(finite.all()):
        b = _first(~finite)
        bad = x[b][~torch.isfinite(x[b])]
        kinds = sorted({"nan" if v != v else ("inf" if v > 0 else "-inf") for v in bad.tolist()})
        raise ValueError(f"{frame!r}: expected finite coordinates, got {bad.numel()} non-finite "
                         f"({', '.join(kinds)}) at batch index {b}")
    if bool(singular.any()):
        raise ValueError(
            f"{frame!r}: affine frame needs points that span the space (n >= d + 1 in general "
            f"position), got a rank-deficient covariance at batch index {_first(singular)}"
        )


def _slow_frames_impl(x: Tensor, p: Tensor, mask: Tensor, tied: Tensor, singular: Tensor,
                      key: int) -> tuple[Tensor, Tensor, Tensor]:
    frame = _FRAMES[key]
    bsz, d = p.shape[0], p.shape[-1]
    empty = ~mask.any(-1)
    finite = torch.isfinite(x).flatten(1).all(-1)
    bad, any_tied = torch.stack([(empty | ~finite | singular).any(), tied.any()]).tolist()
    if bad:  # one host synchronization for the common case, details only when needed
        _raise_bad_values(frame, x, empty, finite, singular)
    exact = torch.ones(bsz, dtype=torch.bool, device=p.device)
    index = torch.zeros(0, dtype=torch.long, device=p.device)
    rot = p.new_zeros(0, d, d)
    if not any_tied:
        return index, rot, exact
    problems, pieces_r, pieces_i = [], [rot], [index]
    rtol = frame.tolerance(p.dtype)
    for b in tied.nonzero().squeeze(-1).tolist():
        if not frame.robust:  # the reference frame: detect what it gets wrong, change nothing
            exact[b] = False
            problems.append(f"batch index {b}: tied spectrum, reference frame (robust=False)")
            continue
        r, ok, why = robust_frame(
            p[b][mask[b]], [frame.k0, frame.k0 + 1, frame.k0 + 2], special=frame.special,
            rtol=rtol, max_size=frame.max_frame_size, n_null_samples=frame.n_null_samples,
            generator=frame.generator,
        )
        pieces_r.append(r)
        pieces_i.append(torch.full((r.shape[0],), b, dtype=torch.long, device=p.device))
        if not ok:
            exact[b] = False
            problems.append(f"batch index {b}: {why}")
    if problems:
        more = "; ..." if len(problems) > 3 else ""
        report(f"{frame!r}: frame is not exact for {len(problems)} of {bsz} inputs "
               f"({'; '.join(problems[:3])}{more})", frame.on_degenerate)
    return torch.cat(pieces_i), torch.cat(pieces_r), exact


@torch.library.custom_op("nets::slow_frames", mutates_args=())
def _slow_frames_op(x: Tensor, p: Tensor, mask: Tensor, tied: Tensor, singular: Tensor,
                    key: int) -> tuple[Tensor, Tensor, Tensor]:
    return _slow_frames_impl(x, p, mask, tied, singular, key)


@_slow_frames_op.register_fake
def _(x, p, mask, tied, singular, key):
    k = torch.library.get_ctx().new_dynamic_size()
    d = p.shape[-1]
    return (p.new_empty(k, dtype=torch.long), p.new_empty(k, d, d),
            p.new_empty(p.shape[0], dtype=torch.bool))


def slow_frames(frame, x: Tensor, p: Tensor, mask: Tensor, tied: Tensor,
                singular: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Check the values of a flattened batch and build the frames of its tied inputs.

    Parameters
    ----------
    frame : OrthogonalFrame or AffineFrame
    x : Tensor, shape=[B, n, d]
        The clouds, padded points zeroed (checked for finite values).
    p : Tensor, shape=[B, n, d]
        The centered (for affine frames whitened) clouds the frames are built from.
    mask : Tensor, shape=[B, n], bool
    tied : Tensor, shape=[B], bool
        Inputs whose spectrum is tied (they take the slow path, or are reported when the frame
        is the reference one).
    singular : Tensor, shape=[B], bool
        Inputs with no affine frame.

    Returns
    -------
    index : Tensor, shape=[K], long
    rot : Tensor, shape=[K, d, d]
        Frame elements of the tied inputs, K of them in all.
    exact : Tensor, shape=[B], bool
    """
    args = (x.detach(), p.detach(), mask, tied, singular, frame.key)
    if torch.compiler.is_compiling():  # an opaque node of dynamic output size in the graph
        return _slow_frames_op(*args)
    return _slow_frames_impl(*args)  # eagerly the same function, without the operator's
    # dispatch (whose first call imports torch._dynamo: seconds)

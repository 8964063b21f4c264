"""Permutation frames for graphs from the Laplacian spectrum, with tie blocks."""

from __future__ import annotations

import itertools
import math

import torch

from ._core import FrameSet, check_mode, report
from ._robust import clusters

__all__ = ["PermutationFrame", "node_keys"]


def node_keys(adj: torch.Tensor, features: torch.Tensor | None = None, *,
              rtol: float | None = None) -> torch.Tensor:
    r"""Permutation-equivariant node keys ``[B, n, K]`` from the graph Laplacian.

    For each eigenspace of :math:`L = D - A` (eigenvalues within ``rtol * max|λ|`` are one
    block), the diagonal of its orthogonal projector :math:`P_{ii} = \sum_{k\in b} V_{ik}^2`
    does not depend on the basis chosen inside the block nor on eigenvector signs, so the keys
    are exactly equivariant even at repeated eigenvalues. Degrees and node features (if given)
    come first. Keys are rounded to ``rtol`` relative precision so that equal keys compare equal.
    """
    rtol = rtol if rtol is not None else torch.finfo(adj.dtype).eps ** (1 / 3)
    deg = adj.sum(-1)
    lap = torch.diag_embed(deg) - adj
    lam, vec = torch.linalg.eigh(lap)
    keys = []
    for b in range(adj.shape[0]):
        lam_l = lam[b].tolist()
        scale = max(abs(lam_l[0]), abs(lam_l[-1]), 1.0)
        cols = [(vec[b][:, g] ** 2).sum(-1) for g in clusters(lam_l, rtol, scale)]
        keys.append(torch.stack(cols, -1))
    parts = [deg.unsqueeze(-1)]
    if features is not None:
        parts.append(features.reshape(*features.shape[:2], -1).to(adj.dtype))
    # pad the per-graph projector columns (their number depends on the multiplicities)
    width = max(k.shape[-1] for k in keys)
    parts.append(torch.stack([torch.nn.functional.pad(k, (0, width - k.shape[-1])) for k in keys]))
    out = torch.cat(parts, -1)
    unit = rtol * out.abs().amax((-1, -2), keepdim=True).clamp_min(1.0)
    return torch.round(out / unit) * unit


class PermutationFrame:
    r"""Frames of the symmetric group S_n acting on graphs (adjacency ``[B, n, n]``).

    A frame element is a permutation :math:`\sigma` that sorts the nodes by :func:`node_keys`
    lexicographically; nodes with equal keys can come in any order, so the frame is the set of
    all such orders (a product of factorials over the tie groups). The set is exactly
    equivariant. When it would exceed ``max_frame_size``, ``max_frame_size`` orders are drawn
    uniformly (with ``generator``), the result is flagged inexact and reported per
    ``on_degenerate``. Canonical inputs are ``A[σ][:, σ]`` and ``X[σ]``; node-level outputs are
    put back with :math:`\sigma^{-1}`.
    """

    translations = False

    def __init__(self, *, use_features: bool = True, rtol: float | None = None,
                 max_frame_size: int = 720, on_degenerate: str = "warn",
                 generator: torch.Generator | None = None):
        self.use_features = use_features
        self.rtol = rtol
        self.max_frame_size = max_frame_size
        self.on_degenerate = check_mode(on_degenerate)
        self.generator = generator

    def __repr__(self) -> str:
        return "PermutationFrame()"

    def _orders(self, keys: torch.Tensor) -> tuple[list[list[int]], bool]:
        n = keys.shape[0]
        rows = [tuple(r) for r in keys.tolist()]
        base = sorted(range(n), key=lambda i: rows[i])
        groups = [list(g) for _, g in itertools.groupby(base, key=lambda i: rows[i])]
        total = math.prod(math.factorial(len(g)) for g in groups)
        if total <= self.max_frame_size:
            combos = itertools.product(*[itertools.permutations(g) for g in groups])
            return [[i for part in c for i in part] for c in combos], True
        out = []
        for _ in range(self.max_frame_size):
            order = []
            for g in groups:
                perm = torch.randperm(len(g), generator=self.generator).tolist()
                order += [g[i] for i in perm]
            out.append(order)
        return out, False

    def frame(self, adj: torch.Tensor, *node_inputs: torch.Tensor) -> FrameSet:
        """Frames of the graphs ``adj`` [B, n, n]; ``node_inputs`` [B, n, ...] refine the keys."""
        if adj.dim() < 3 or adj.shape[-1] != adj.shape[-2]:
            raise ValueError(f"expected adjacency matrices [*batch, n, n], got {tuple(adj.shape)}")
        if not torch.allclose(adj, adj.transpose(-1, -2)):
            raise ValueError("expected symmetric adjacency matrices (undirected graphs)")
        feats = None
        if self.use_features and node_inputs:
            feats = torch.cat([t.reshape(*t.shape[:2], -1).to(adj.dtype) for t in node_inputs], -1)
        keys = node_keys(adj, feats, rtol=self.rtol)
        perms, index, sizes, exact, problems = [], [], [], [], []
        for b in range(adj.shape[0]):
            orders, ok = self._orders(keys[b])
            perms += orders
            index += [b] * len(orders)
            sizes.append(len(orders))
            exact.append(ok)
            if not ok:
                problems.append(f"batch index {b}")
        if problems:
            msg = (f"PermutationFrame: tie groups too large, frame subsampled to "
                   f"{self.max_frame_size} for {', '.join(problems[:5])}")
            report(msg, self.on_degenerate)
        dev = adj.device
        index_t = torch.tensor(index, dtype=torch.long, device=dev)
        sizes_t = torch.tensor(sizes, dtype=torch.long, device=dev)
        return FrameSet(index_t, 1.0 / sizes_t.to(adj.dtype)[index_t], sizes_t,
                        torch.tensor(exact, device=dev),
                        {"perm": torch.tensor(perms, dtype=torch.long, device=dev)})

    def canonicalize(self, frames: FrameSet, adj, *node_inputs):
        """``A[σ][:, σ]`` and ``X[σ]`` for every frame element."""
        perm = frames.data["perm"]
        a = adj.index_select(0, frames.index)
        a = torch.gather(a, 1, perm[:, :, None].expand(-1, -1, a.shape[-1]))
        a = torch.gather(a, 2, perm[:, None, :].expand(-1, a.shape[1], -1))
        out = [a]
        for x in node_inputs:
            xs = x.index_select(0, frames.index)
            idx = perm.reshape(*perm.shape, *([1] * (xs.dim() - 2))).expand(-1, -1, *xs.shape[2:])
            out.append(torch.gather(xs, 1, idx))
        return tuple(out)

    def act(self, frames: FrameSet, y: torch.Tensor, *, translate: bool = True) -> torch.Tensor:
        """Put node-level outputs ``y`` [M, n, ...] back in the input's node order."""
        inv = torch.argsort(frames.data["perm"], dim=-1)
        idx = inv.reshape(*inv.shape, *([1] * (y.dim() - 2))).expand(-1, -1, *y.shape[2:])
        return torch.gather(y, 1, idx)

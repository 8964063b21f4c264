"""Permutation frames for graphs from the Laplacian spectrum, with tie blocks."""

from __future__ import annotations

import itertools
import math

import torch

from ._core import FrameSet, check_mode, report
from ._robust import clusters

__all__ = ["PermutationFrame", "node_keys"]


def node_keys(adj: torch.Tensor, features: torch.Tensor | None = None, *,
              rtol: float | None = None, mask: torch.Tensor | None = None) -> torch.Tensor:
    r"""Permutation-equivariant node keys ``[B, n, K]`` from the graph Laplacian.

    For each eigenspace of :math:`L = D - A` (eigenvalues within ``rtol * max|λ|`` are one
    block), the diagonal of its orthogonal projector :math:`P_{ii} = \sum_{k\in b} V_{ik}^2`
    does not depend on the basis chosen inside the block nor on eigenvector signs, so the keys
    are exactly equivariant even at repeated eigenvalues. Degrees and node features (if given)
    come first. Keys are rounded to ``rtol`` relative precision so that equal keys compare equal.
    With ``mask`` [B, n] (True for real nodes) the keys are those of the subgraph of real
    nodes; padded nodes get zero keys.
    """
    rtol = rtol if rtol is not None else torch.finfo(adj.dtype).eps ** (1 / 3)
    deg = adj.sum(-1)
    keys = []
    for b in range(adj.shape[0]):
        real = torch.arange(adj.shape[1], device=adj.device)
        if mask is not None:
            real = mask[b].nonzero().squeeze(-1)
        sub = adj[b][real][:, real]
        lam, vec = torch.linalg.eigh(torch.diag(sub.sum(-1)) - sub)
        lam_l = lam.tolist()
        scale = max(abs(lam_l[0]), abs(lam_l[-1]), 1.0) if lam_l else 1.0
        cols = [(vec[:, g] ** 2).sum(-1) for g in clusters(lam_l, rtol, scale)] if lam_l else []
        full = adj.new_zeros(adj.shape[1], len(cols))
        if cols:
            full[real] = torch.stack(cols, -1)
        keys.append(full)
    parts = [deg.unsqueeze(-1)]
    if features is not None:
        parts.append(features.reshape(*features.shape[:2], -1).to(adj.dtype))
    # pad the per-graph projector columns (their number depends on the multiplicities)
    width = max(k.shape[-1] for k in keys)
    parts.append(torch.stack([torch.nn.functional.pad(k, (0, width - k.shape[-1])) for k in keys]))
    out = torch.cat(parts, -1)
    if mask is not None:
        out = torch.where(mask.unsqueeze(-1), out, torch.zeros((), dtype=out.dtype))
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

    def _orders(self, keys: torch.Tensor, real: list[int], pad: list[int]):
        """All orders of the ``real`` nodes by their keys (ties in any order), then ``pad``."""
        rows = [tuple(r) for r in keys.tolist()]
        base = sorted(real, key=lambda i: rows[i])
        groups = [list(g) for _, g in itertools.groupby(base, key=lambda i: rows[i])]
        total = math.prod(math.factorial(len(g)) for g in groups)
        if total <= self.max_frame_size:
            combos = itertools.product(*[itertools.permutations(g) for g in groups])
            return [[i for part in c for i in part] + pad for c in combos], True
        out = []
        for _ in range(self.max_frame_size):
            order = []
            for g in groups:
                perm = torch.randperm(len(g), generator=self.generator).tolist()
                order += [g[i] for i in perm]
            out.append(order + pad)
        return out, False

    def check_inputs(self, adj, vectors: dict, scalars: dict) -> None:
        """Adjacency ``[*batch, n, n]``; node inputs are ``scalars`` (no vectors)."""
        if adj.dim() < 2 or adj.shape[-1] != adj.shape[-2]:
            raise ValueError(f"expected adjacency matrices [*batch, n, n], got "
                             f"{tuple(adj.shape)}")
        if vectors:
            raise ValueError(f"PermutationFrame permutes nodes and acts on no vectors: pass node "
                             f"inputs as scalars=..., got vectors {sorted(vectors)}")

    @staticmethod
    def _pair_mask(mask, a):
        m = mask.unsqueeze(-1) & mask.unsqueeze(-2)
        return torch.where(m, a, torch.zeros((), dtype=a.dtype, device=a.device))

    def frame(self, adj: torch.Tensor, *, mask: torch.Tensor | None = None,
              scalars: dict | None = None) -> FrameSet:
        """Frames of the graphs ``adj`` [B, n, n], real nodes where ``mask`` [B, n] is True;
        the node features ``scalars`` ({key: [B, n, ...]}) refine the keys."""
        if adj.dim() != 3 or adj.shape[-1] != adj.shape[-2]:
            raise ValueError(f"expected adjacency matrices [B, n, n], got {tuple(adj.shape)}")
        if mask is not None:
            adj = self._pair_mask(mask, adj)
        if not torch.isfinite(adj).all():
            b = int((~torch.isfinite(adj)).flatten(1).any(-1).nonzero()[0, 0])
            raise ValueError(f"expected finite adjacency matrices, got non-finite entries at "
                             f"batch index {b}")
        if not torch.allclose(adj, adj.transpose(-1, -2)):
            raise ValueError("expected symmetric adjacency matrices (undirected graphs)")
        feats = None
        if self.use_features and scalars:
            feats = torch.cat([t.reshape(*t.shape[:2], -1).to(adj.dtype)
                               for t in scalars.values()], -1)
        keys = node_keys(adj, feats, rtol=self.rtol, mask=mask)
        perms, index, sizes, exact, problems = [], [], [], [], []
        n = adj.shape[1]
        for b in range(adj.shape[0]):
            real = list(range(n)) if mask is None else mask[b].nonzero().squeeze(-1).tolist()
            pad = [] if mask is None else (~mask[b]).nonzero().squeeze(-1).tolist()
            orders, ok = self._orders(keys[b], real, pad)
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
                        {"perm": torch.tensor(perms, dtype=torch.long, device=dev)}, mask)

    def canonicalize(self, frames: FrameSet, adj, *, vectors=None, scalars=None):
        """``A[σ][:, σ]`` and ``X[σ]`` for every frame element: ``(adjacency [M, n, n], {},
        {key: node inputs [M, n, ...]})``; entries of padded nodes are zero."""
        if frames.mask is not None:
            adj = self._pair_mask(frames.mask, adj)
        perm = frames.data["perm"]
        a = adj.index_select(0, frames.index)
        a = torch.gather(a, 1, perm[:, :, None].expand(-1, -1, a.shape[-1]))
        a = torch.gather(a, 2, perm[:, None, :].expand(-1, a.shape[1], -1))
        out = {}
        for key, x in (scalars or {}).items():
            xs = x.index_select(0, frames.index)
            idx = perm.reshape(*perm.shape, *([1] * (xs.dim() - 2))).expand(-1, -1, *xs.shape[2:])
            out[key] = torch.gather(xs, 1, idx)
        return a, {}, out

    def act(self, frames: FrameSet, y: torch.Tensor, *, translate: bool = True) -> torch.Tensor:
        """Put node-level outputs ``y`` [M, n, ...] back in the input's node order."""
        inv = torch.argsort(frames.data["perm"], dim=-1)
        idx = inv.reshape(*inv.shape, *([1] * (y.dim() - 2))).expand(-1, -1, *y.shape[2:])
        return torch.gather(y, 1, idx)

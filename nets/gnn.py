r"""Message-passing networks on small fully connected graphs: a GNN backbone and EGNN.

Both work on dense batches ``[B, n, ...]`` with all ``n (n - 1)`` directed edges, which is what
the charged n-body task uses (n = 5).

* :class:`GNN` — the plain message-passing network of the EGNN paper's "GNN" baseline:
  :math:`m_{ij} = \phi_e(h_i, h_j, a_{ij})`,
  :math:`h_i \leftarrow h_i + \phi_h(h_i, \sum_j m_{ij})`.
  Not equivariant by itself; frame averaging makes it so (FA-GNN, Puny et al. 2022).
* :class:`EGNN` — E(n)-equivariant graph network with velocities (Satorras et al. 2021,
  eq. 7): :math:`m_{ij} = \phi_e(h_i, h_j, |x_i - x_j|^2, a_{ij})`,
  :math:`v_i \leftarrow \phi_v(h_i) v_i^{\mathrm{init}} + \frac{1}{n-1}\sum_j (x_i - x_j)
  \phi_x(m_{ij})` (the input velocity in every layer, as in the paper),
  :math:`x_i \leftarrow x_i + v_i`, :math:`h_i \leftarrow h_i + \phi_h(h_i, \sum_j m_{ij})`.
* :class:`NBodyGNN` — the GNN as an n-body predictor: node inputs ``[x, v]``, edge attribute
  :math:`q_i q_j`, output ``x + decoder(h)``; wrap it in frame averaging for FA-GNN
  (:func:`fa_gnn`).
"""

from __future__ import annotations

import torch
from torch import nn

from .frames import E, FrameAveraging

__all__ = ["GNN", "EGNN", "NBodyGNN", "ConstantVelocity", "fa_gnn", "pair_features"]


def _mlp(i: int, h: int, o: int, *, last_act: bool) -> nn.Sequential:
    layers = [nn.Linear(i, h), nn.SiLU(), nn.Linear(h, o)]
    if last_act:
        layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def _off_diagonal(n: int, device) -> torch.Tensor:
    return ~torch.eye(n, dtype=torch.bool, device=device)


def pair_features(h: torch.Tensor) -> torch.Tensor:
    """``[h_i, h_j]`` for all pairs: ``[B, n, f] -> [B, n, n, 2f]``."""
    n = h.shape[-2]
    hi = h.unsqueeze(-2).expand(*h.shape[:-1], n, h.shape[-1])
    return torch.cat([hi, hi.transpose(-2, -3)], -1)


class GNN(nn.Module):
    """Dense message passing (see module docstring).

    Parameters
    ----------
    in_features, edge_features, hidden, out_features : int
    layers : int

    Shapes: ``h`` ``[B, n, in_features]``, ``edge_attr`` ``[B, n, n, edge_features]`` ->
    ``[B, n, out_features]``.
    """

    def __init__(self, in_features: int, edge_features: int, hidden: int = 64,
                 out_features: int = 3, layers: int = 4):
        super().__init__()
        self.embed = nn.Linear(in_features, hidden)
        self.edge = nn.ModuleList(
            _mlp(2 * hidden + edge_features, hidden, hidden, last_act=True) for _ in range(layers)
        )
        self.node = nn.ModuleList(_mlp(2 * hidden, hidden, hidden, last_act=False)
                                  for _ in range(layers))
        self.decode = _mlp(hidden, hidden, out_features, last_act=False)

    def forward(self, h: torch.Tensor, edge_attr: torch.Tensor) -> torch.Tensor:
        mask = _off_diagonal(h.shape[-2], h.device).unsqueeze(-1).to(h.dtype)
        h = self.embed(h)
        for edge, node in zip(self.edge, self.node):
            m = edge(torch.cat([pair_features(h), edge_attr], -1)) * mask
            h = h + node(torch.cat([h, m.sum(-2)], -1))
        return self.decode(h)


class NBodyGNN(nn.Module):
    """GNN predictor of future positions from ``x``, ``v`` ``[B, n, 3]`` and charges ``[B, n]``."""

    def __init__(self, hidden: int = 64, layers: int = 4, dim: int = 3):
        super().__init__()
        self.gnn = GNN(2 * dim, 1, hidden, dim, layers)

    def forward(self, x: torch.Tensor, v: torch.Tensor, charges: torch.Tensor) -> torch.Tensor:
        qq = (charges.unsqueeze(-1) * charges.unsqueeze(-2)).unsqueeze(-1).to(x.dtype)
        return x + self.gnn(torch.cat([x, v], -1), qq)


class ConstantVelocity(nn.Module):
    r"""The EGNN paper's "Linear" baseline: :math:`x + \lambda v` with one learned scalar.

    It calibrates a data set against the published numbers (no interaction is modelled, so its
    error depends only on the data). ``lam`` starts at the elapsed time, 1.0 for the default
    task (10 frames of 100 steps of 0.001).
    """

    def __init__(self, lam: float = 1.0):
        super().__init__()
        self.lam = nn.Parameter(torch.tensor(float(lam)))

    def forward(self, x: torch.Tensor, v: torch.Tensor, charges: torch.Tensor) -> torch.Tensor:
        return x + self.lam.to(x.dtype) * v


def fa_gnn(hidden: int = 64, layers: int = 4, dim: int = 3, **frame_kw) -> FrameAveraging:
    """FA-GNN: :class:`NBodyGNN` averaged over E(dim) frames, equivariant positions out.

    Called as ``model(x, v, charges=q)``.
    """
    return FrameAveraging(NBodyGNN(hidden, layers, dim), E(dim, **frame_kw), output="equivariant")


class EGNN(nn.Module):
    """EGNN with velocities for the n-body task (see module docstring).

    Called as ``model(x, v, charges)`` with ``x``, ``v`` ``[B, n, d]``, ``charges`` ``[B, n]``;
    returns predicted positions ``[B, n, d]``. Node features start from ``|v_i|``.
    """

    def __init__(self, hidden: int = 64, layers: int = 4):
        super().__init__()
        self.embed = nn.Linear(1, hidden)
        self.edge = nn.ModuleList(_mlp(2 * hidden + 2, hidden, hidden, last_act=True)
                                  for _ in range(layers))
        self.node = nn.ModuleList(_mlp(2 * hidden, hidden, hidden, last_act=False)
                                  for _ in range(layers))
        self.coord = nn.ModuleList()
        for _ in range(layers):
            head = nn.Linear(hidden, 1, bias=False)
            nn.init.xavier_uniform_(head.weight, gain=0.001)  # small first steps, as in EGNN
            self.coord.append(nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), head))
        self.vel = nn.ModuleList(_mlp(hidden, hidden, 1, last_act=False) for _ in range(layers))

    def forward(self, x: torch.Tensor, v: torch.Tensor, charges: torch.Tensor) -> torch.Tensor:
        n = x.shape[-2]
        mask = _off_diagonal(n, x.device).unsqueeze(-1).to(x.dtype)
        qq = (charges.unsqueeze(-1) * charges.unsqueeze(-2)).unsqueeze(-1).to(x.dtype)
        h = self.embed(torch.linalg.vector_norm(v, dim=-1, keepdim=True))
        v_init = v
        for edge, node, coord, vel in zip(self.edge, self.node, self.coord, self.vel):
            diff = x.unsqueeze(-2) - x.unsqueeze(-3)  # x_i - x_j
            r2 = (diff * diff).sum(-1, keepdim=True)
            m = edge(torch.cat([pair_features(h), r2, qq], -1)) * mask
            v = vel(h) * v_init + (diff * coord(m) * mask).sum(-2) / max(n - 1, 1)
            x = x + v
            h = h + node(torch.cat([h, m.sum(-2)], -1))
        return x

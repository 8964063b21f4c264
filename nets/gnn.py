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
  :math:`x_i \leftarrow x_i + v_i`, :math:`h_i \leftarrow h_i + \phi_h(h_i, \sum_j m_{ij})`;
  the edge attributes :math:`a_{ij}` are :math:`q_i q_j` and the squared distance of the *input*
  positions (fixed across layers, as in the authors' code).
* :class:`NBodyGNN` — the GNN as an n-body predictor: node inputs ``[x, v]``, edge attributes
  :math:`q_i q_j` and :math:`\lVert x_i - x_j\rVert^2` (:func:`nbody_edge_attributes`), output
  ``x + decoder(h)``.
* :class:`LayerwiseFAGNN` — FA-GNN: the GNN with frame averaging in every layer
  (:func:`fa_gnn`; ``fa_gnn(layerwise=False)`` averages once around :class:`NBodyGNN`).
"""

from __future__ import annotations

import torch
from torch import nn

from liegeom import SO

from .frames import FrameAveraging, OrthogonalFrame, frame_mean

__all__ = ["GNN", "EGNN", "NBodyGNN", "LayerwiseFAGNN", "InputFAGNN", "ConstantVelocity", "fa_gnn",
           "edge_messages", "pair_features", "nbody_edge_attributes", "ORIGINS"]

#: What :class:`LayerwiseFAGNN` adds its averaged decoder output to: the input positions
#: (a residual) or their centroid (the authors' n-body code).
ORIGINS = ("positions", "centroid")


def check_origin(origin: str) -> None:
    """Raise a ValueError unless ``origin`` is one of :data:`ORIGINS`."""
    if origin not in ORIGINS:
        raise ValueError(f"expected origin in {ORIGINS}, got {origin!r}")


def _mlp(i: int, h: int, o: int, *, last_act: bool) -> nn.Sequential:
    layers = [nn.Linear(i, h), nn.SiLU(), nn.Linear(h, o)]
    if last_act:
        layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def _off_diagonal(n: int, device) -> torch.Tensor:
    return ~torch.eye(n, dtype=torch.bool, device=device)


def edge_messages(mlp: nn.Sequential, h: torch.Tensor, edge_attr: torch.Tensor,
                  mask: torch.Tensor) -> torch.Tensor:
    r"""``mlp([h_i, h_j, a_ij]) * mask`` for all pairs, ``[B, n, f]`` -> ``[B, n, n, out]``.

    The first layer of ``mlp`` is linear, so it is applied as
    :math:`W_1 h_i + W_2 h_j + W_3 a_{ij} + b` with the node terms computed once per node
    rather than once per edge (the same numbers as ``mlp(cat(pair_features(h), a))``).
    """
    first = mlp[0]
    f = h.shape[-1]
    w = first.weight
    hi = h @ w[:, :f].T
    hj = h @ w[:, f:2 * f].T
    pre = hi.unsqueeze(-2) + hj.unsqueeze(-3) + torch.nn.functional.linear(
        edge_attr, w[:, 2 * f:], first.bias)
    return mlp[1:](pre) * mask


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

    def layer(self, i: int, h: torch.Tensor, edge_attr: torch.Tensor) -> torch.Tensor:
        """Message-passing layer ``i`` on hidden states ``h`` ``[B, n, hidden]`` (residual)."""
        mask = _off_diagonal(h.shape[-2], h.device).unsqueeze(-1).to(h.dtype)
        m = edge_messages(self.edge[i], h, edge_attr, mask)
        return h + self.node[i](torch.cat([h, m.sum(-2)], -1))

    def forward(self, h: torch.Tensor, edge_attr: torch.Tensor) -> torch.Tensor:
        h = self.embed(h)
        for i in range(len(self.edge)):
            h = self.layer(i, h, edge_attr)
        return self.decode(h)


def nbody_edge_attributes(x: torch.Tensor, charges: torch.Tensor) -> torch.Tensor:
    r"""Invariant edge attributes ``[B, n, n, 2]``: :math:`q_i q_j` and
    :math:`\lVert x_i - x_j\rVert^2` (the EGNN paper's n-body edge features)."""
    qq = (charges.unsqueeze(-1) * charges.unsqueeze(-2)).to(x.dtype)
    diff = x.unsqueeze(-2) - x.unsqueeze(-3)
    return torch.stack([qq, (diff * diff).sum(-1)], -1)


class NBodyGNN(nn.Module):
    """GNN predictor of future positions from ``x``, ``v`` ``[B, n, 3]`` and charges ``[B, n]``:
    node inputs ``[x, v]``, edge attributes :func:`nbody_edge_attributes`, output
    ``x + decoder(h)``."""

    def __init__(self, hidden: int = 64, layers: int = 4, dim: int = 3):
        super().__init__()
        self.gnn = GNN(2 * dim, 2, hidden, dim, layers)

    def forward(self, x: torch.Tensor, v: torch.Tensor, charges: torch.Tensor) -> torch.Tensor:
        return x + self.gnn(torch.cat([x, v], -1), nbody_edge_attributes(x, charges))


def _euclidean_frame(dim: int, **frame_kw) -> OrthogonalFrame:
    """E(dim) frames: rotations, reflections and the centroid as translation."""
    return OrthogonalFrame(SO(dim), reflections=True, translations=True, **frame_kw)


class LayerwiseFAGNN(nn.Module):
    r"""FA-GNN with frame averaging in every layer, the design of Puny et al.'s n-body model.

    The hidden state of a node is ``k = hidden // dim`` vectors of R^dim. Layer by layer:

    1. an E(dim) frame of the current cloud (the positions for the first layer, all
       ``n k`` hidden vectors afterwards, centred) canonicalizes the input;
    2. one :class:`GNN` layer runs on every frame element (one call on the stacked frame), with
       the invariant edge attributes :math:`q_i q_j`, :math:`\lVert x_i - x_j\rVert^2`;
    3. its output, read as ``k`` vectors per node, is mapped back by each frame element and
       averaged: an O(dim)-equivariant, translation-invariant hidden state.

    The last layer is followed by the decoder (``dim`` outputs per node), mapped back and averaged
    the same way, and added to the input positions: ``x + <decoder>`` (``origin="positions"``,
    the default), or to their centroid: ``mean(x) + <decoder>`` (``origin="centroid"``, the
    authors' code: the decoder then predicts where each body ends up relative to the centroid).
    Every layer is thereby exactly E(dim)-equivariant, not only the network as a whole, which is
    a much stronger constraint than averaging once over a free backbone (:func:`fa_gnn` with
    ``layerwise=False``). Frames are E(dim) frames (:class:`~nets.frames.OrthogonalFrame` with
    reflections and translations) and inherit its tie handling.

    By default gradients flow through the frames of the hidden clouds (their eigenvectors), so
    parameter gradients are those of the function computed. ``detach_frames=True`` treats the
    rotations of the hidden frames as constants in the backward pass (the centring stays
    differentiable), as the authors' code does; the forward values, and hence equivariance, are
    the same either way.

    Called as ``model(x, v, charges)``; ``x``, ``v`` ``[B, n, dim]``, ``charges`` ``[B, n]``.
    """

    def __init__(self, hidden: int = 60, layers: int = 4, dim: int = 3, *,
                 detach_frames: bool = False, origin: str = "positions", **frame_kw):
        super().__init__()
        check_origin(origin)
        self.detach_frames = detach_frames
        self.origin = origin
        if hidden % dim:
            raise ValueError(f"expected hidden divisible by dim={dim} (vectors per node), "
                             f"got hidden={hidden}")
        if layers < 1:
            raise ValueError(f"expected layers >= 1, got {layers}")
        self.dim = dim
        self.gnn = GNN(2 * dim, 2, hidden, dim, layers)
        self.frame = _euclidean_frame(dim, **frame_kw)

    def _run(self, x, v, charges, hidden: list | None = None) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] != self.dim or v.shape != x.shape:
            raise ValueError(f"expected x and v of shape [B, n, {self.dim}], got "
                             f"{tuple(x.shape)} and {tuple(v.shape)}")
        b, n, d = x.shape
        edge = nbody_edge_attributes(x, charges)
        frames = self.frame.frame(x)
        xc, vecs, _ = self.frame.canonicalize(frames, x, vectors={"v": v})
        vc = vecs["v"]
        h = self.gnn.embed(torch.cat([xc, vc], -1))
        layers = len(self.gnn.edge)
        for i in range(layers):
            h = self.gnn.layer(i, h, edge.index_select(0, frames.index))
            if i < layers - 1:  # back to the world frame, average, and re-frame
                vec = self.frame.act(frames, h.reshape(h.shape[0], n, -1, d), translate=False)
                cloud = frame_mean(frames, vec)
                if hidden is not None:
                    hidden.append(cloud)
                cloud = cloud.reshape(b, -1, d)
                if self.detach_frames:  # constant rotations, differentiable centring
                    frames = self.frame.frame(cloud.detach())
                    frames.data["shift"] = cloud.mean(-2).index_select(0, frames.index)
                else:
                    frames = self.frame.frame(cloud)
                h = self.frame.canonicalize(frames, cloud)[0]
                h = h.reshape(h.shape[0], n, -1)
        out = frame_mean(frames, self.frame.act(frames, self.gnn.decode(h), translate=False))
        return (x if self.origin == "positions" else x.mean(-2, keepdim=True)) + out

    def forward(self, x: torch.Tensor, v: torch.Tensor, charges: torch.Tensor) -> torch.Tensor:
        return self._run(x, v, charges)

    def hidden_states(self, x: torch.Tensor, v: torch.Tensor,
                      charges: torch.Tensor) -> list[torch.Tensor]:
        """The averaged hidden states after each layer but the last, ``[B, n, k, dim]`` each:
        they rotate with the input and do not move under translations."""
        hidden: list[torch.Tensor] = []
        self._run(x, v, charges, hidden)
        return hidden


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


def fa_gnn(hidden: int = 60, layers: int = 4, dim: int = 3, *, layerwise: bool = True,
           origin: str = "positions", **frame_kw) -> nn.Module:
    """FA-GNN for the n-body task, called as ``model(x, v, charges=q)``.

    ``layerwise=True`` (default): :class:`LayerwiseFAGNN`, frames in every layer as in the
    authors' n-body model. ``layerwise=False``: the whole :class:`NBodyGNN` wrapped once in
    :class:`~nets.frames.FrameAveraging` over E(dim) frames (:class:`InputFAGNN`, equivariant
    positions out).
    ``origin`` (layerwise only): see :class:`LayerwiseFAGNN`.
    """
    if layerwise:
        return LayerwiseFAGNN(hidden, layers, dim, origin=origin, **frame_kw)
    check_origin(origin)
    if origin != "positions":
        raise ValueError(f"origin={origin!r} applies to the layerwise FA-GNN only")
    return InputFAGNN(NBodyGNN(hidden, layers, dim), _euclidean_frame(dim, **frame_kw))


class InputFAGNN(FrameAveraging):
    """An n-body backbone averaged once over E(dim) frames of the input positions, called as
    ``model(x, v, charges)``: ``v`` is rotated with the frame (a vector input), ``charges``
    ``[B, n]`` are repeated (a per-point scalar); equivariant positions out."""

    def __init__(self, backbone: nn.Module, frame: OrthogonalFrame):
        super().__init__(backbone, frame, output="equivariant")

    def forward(self, x: torch.Tensor, v: torch.Tensor, charges: torch.Tensor) -> torch.Tensor:
        return super().forward(x, vectors={"v": v}, scalars={"charges": charges})


class EGNN(nn.Module):
    """EGNN with velocities for the n-body task (see module docstring).

    Called as ``model(x, v, charges)`` with ``x``, ``v`` ``[B, n, d]``, ``charges`` ``[B, n]``;
    returns predicted positions ``[B, n, d]``. Node features start from ``|v_i|``.
    """

    def __init__(self, hidden: int = 64, layers: int = 4):
        super().__init__()
        self.embed = nn.Linear(1, hidden)
        self.edge = nn.ModuleList(_mlp(2 * hidden + 3, hidden, hidden, last_act=True)
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
        attr = nbody_edge_attributes(x, charges)  # q_i q_j and the input |x_i - x_j|^2
        h = self.embed(torch.linalg.vector_norm(v, dim=-1, keepdim=True))
        v_init = v
        for edge, node, coord, vel in zip(self.edge, self.node, self.coord, self.vel):
            diff = x.unsqueeze(-2) - x.unsqueeze(-3)  # x_i - x_j
            r2 = (diff * diff).sum(-1, keepdim=True)
            m = edge_messages(edge, h, torch.cat([r2, attr], -1), mask)
            v = vel(h) * v_init + (diff * coord(m) * mask).sum(-2) / max(n - 1, 1)
            x = x + v
            h = h + node(torch.cat([h, m.sum(-2)], -1))
        return x

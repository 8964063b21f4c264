"""Continuous kernels: an MLP of spatial offsets and of the chart coordinates of ``h_out⁻¹ h_in``.

The kernel of a layer over ``R² ⋊ H`` is a function ``k(u, r)`` of a spatial offset ``u`` (in units
of the kernel radius) and of a relative group element ``r = h_out⁻¹ h_in``. It is evaluated on
transformed grids ``u = h_out⁻¹ z / R`` (``z`` the integer pixel offsets of a ``K × K`` grid) and
multiplied by masks that bound its support: a flat-topped C¹ bump of ``|u|`` in space and of
``|X|/ρ`` in the non-compact coordinates ``X`` of ``r`` (:func:`bump`).

Relative elements are described by the polar coordinates of GL+(2), ``r = e^X R_θ``: the three
orthonormal coordinates of the symmetric ``X`` and ``(cos θ, sin θ)`` (periodic, so a kernel is
continuous across θ = ±π). Every H of :mod:`nets.affine` is a subgroup of GL+(2), so one
description serves them all (for SO(2), ``X = 0``; for SL(2), ``tr X = 0``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from liegeom import linalg, polar

__all__ = ["KernelNet", "bump", "offset_grid", "relative_features"]

#: Random Fourier features of the spatial offsets in :class:`KernelNet`.
FOURIER = 16

#: Number of features :func:`relative_features` returns.
RELATIVE_FEATURES = 5


def offset_grid(kernel_size: int, *, dtype=None, device=None) -> Tensor:
    """Pixel offsets ``z = (x, y)`` of a ``K × K`` kernel, shape=[K, K, 2]; ``x`` runs along the
    width (the last axis of a ``conv2d`` weight), ``y`` along the height, as in ``act_image``."""
    r = torch.arange(kernel_size, dtype=dtype, device=device) - (kernel_size - 1) / 2
    y, x = torch.meshgrid(r, r, indexing="ij")
    return torch.stack([x, y], -1)


#: Where the flat top of :func:`bump` ends (as a fraction of the radius).
FLAT = 0.7


def bump(sq: Tensor) -> Tensor:
    """A C¹ mask of a squared radius ``s = r²``: 1 for ``r <= 0.7``, ``cos²`` down to 0 at
    ``r = 1``, 0 beyond. Flat inside so that it bounds the support without shrinking the
    kernel's useful footprint."""
    r = sq.clamp(min=0).sqrt()
    t = ((r - FLAT) / (1 - FLAT)).clamp(0, 1)
    return torch.cos(0.5 * math.pi * t) ** 2


def relative_features(r: Tensor) -> tuple[Tensor, Tensor]:
    """Features of elements ``r`` of GL+(2), shape=[..., 2, 2] -> ([..., 5], |X|² [...]).

    ``r = e^X R_θ`` (polar decomposition): ``(X11, X22, sqrt(2) X12, cos θ, sin θ)`` and the
    squared norm of ``X`` (for the mask)."""
    P, R = polar(r)
    X = linalg.spd_log(P)
    sym = torch.stack([X[..., 0, 0], X[..., 1, 1], math.sqrt(2) * X[..., 0, 1]], -1)
    feats = torch.cat([sym, R[..., 0, 0, None], R[..., 1, 0, None]], -1)
    return feats, (sym * sym).sum(-1)


class KernelNet(nn.Module):
    """MLP ``(u, features) -> [out_channels, in_channels]`` with SiLU activations.

    The first layer is split by input block, so that offsets and group features, which are
    broadcast against each other, go through it before the broadcast.

    Parameters
    ----------
    in_channels, out_channels : int
    group_features : int
        0 for a lifting kernel, :data:`RELATIVE_FEATURES` for a group kernel.
    hidden : int
        Width of the hidden layers.
    """

    def __init__(self, in_channels: int, out_channels: int, group_features: int = 0,
                 hidden: int = 32):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        # fixed random Fourier features of the offsets: an MLP of raw coordinates learns smooth,
        # nearly linear kernels first (spectral bias); frequencies up to a few cycles per radius
        gen = torch.Generator().manual_seed(0)
        self.register_buffer("freqs", math.pi * torch.randn(2, FOURIER, generator=gen))
        self.space = nn.Linear(2 + 2 * FOURIER, hidden)
        self.group = nn.Linear(group_features, hidden, bias=False) if group_features else None
        self.hidden = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, out_channels * in_channels)
        self.act = nn.SiLU()

    def reset_parameters(self) -> None:
        for m in (self.space, self.group, self.hidden, self.out):
            if m is not None:
                m.reset_parameters()

    def forward(self, u: Tensor, feats: Tensor | None = None) -> Tensor:
        """``u`` [..., 2] and ``feats`` [..., F] (broadcastable) -> [..., out, in]."""
        proj = u @ self.freqs.to(u)
        a = self.space(torch.cat([u, proj.sin(), proj.cos()], -1))
        if self.group is not None:
            a = a + self.group(feats)
        a = self.hidden(self.act(a))
        return self.out(self.act(a)).unflatten(-1, (self.out_channels, self.in_channels))


class RBFKernel(nn.Module):
    r"""Kernel as a learned linear combination of a fixed basis: Gaussian bumps ``φ_p(u)`` centred
    on the integer offsets ``p`` of the identity footprint (``|p| < R``, width ``width`` pixels),
    times ``ψ_g`` = (1, the centred features of the relative element) for group kernels:
    :math:`k_{oc}(u, r) = \sum_{p,g} W_{ocpg}\, φ_p(u)\, ψ_g(r)`.

    At the identity the spatial basis is nearly the pixel basis, so the kernels start as free
    as an ordinary convolution's and are linear in the parameters (they train like one); the
    group dependence is first order in the polar coordinates of ``h_out⁻¹ h_in``, cut off by the
    layer's mask in H.

    Parameters
    ----------
    in_channels, out_channels : int
    radius : float
        Kernel radius ``R`` in pixels (offsets ``u`` come in units of ``R``).
    group_features : int
        0 for a lifting kernel, :data:`RELATIVE_FEATURES` for a group kernel.
    width : float
        Standard deviation of the bumps, in pixels.
    """

    def __init__(self, in_channels: int, out_channels: int, radius: float,
                 group_features: int = 0, width: float = 1.0):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        r = math.ceil(radius)
        pts = torch.stack(torch.meshgrid(torch.arange(-r, r + 1.0), torch.arange(-r, r + 1.0),
                                         indexing="xy"), -1).reshape(-1, 2)
        pts = pts[pts.norm(dim=-1) < radius]
        self.register_buffer("centers", pts / radius)
        self.sigma = width / radius
        self.n_group = 1 + group_features
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, len(pts),
                                               self.n_group))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(self.weight.shape[2]))

    def forward(self, u: Tensor, feats: Tensor | None = None) -> Tensor:
        """``u`` [..., 2] and ``feats`` [..., F] (broadcastable) -> [..., out, in]."""
        d2 = (u[..., None, :] - self.centers.to(u)).square().sum(-1)
        phi = torch.exp(-0.5 * d2 / self.sigma**2)  # [..., P]
        w = self.weight.to(u)
        if self.n_group == 1:
            return torch.einsum("...p,ocp->...oc", phi, w[..., 0])
        centred = feats - feats.new_tensor([0.0, 0.0, 0.0, 1.0, 0.0])  # identity -> 0
        psi = torch.cat([torch.ones_like(centred[..., :1]), centred], -1)  # [..., G]
        phi, psi = torch.broadcast_tensors(phi[..., :, None], psi[..., None, :])
        return torch.einsum("...pg,ocpg->...oc", phi * psi, w)

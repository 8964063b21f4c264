r"""Lifting and group convolutions on ``R² ⋊ H`` by Monte Carlo over H, and invariant pooling.

With the left Haar measure :math:`d\mu_L(y, h) = |\det h|^{-1} dy\, d\mu_H(h)` of ``R² ⋊ H`` and
the action ``(L_g f)(y) = f(A^{-1}(y - t))`` of ``g = (t, A)``:

* lifting, :math:`[f \star k](x, h) = |\det h|^{-1} \sum_y f(y)\, k(h^{-1}(y - x))`;
* group convolution, :math:`[F \star k](x, h) = \int F(y, h')\, k(h^{-1}(y - x), h^{-1}h')\,
  d\mu_L(y, h')`, estimated with samples :math:`h'_t \sim q` and weights
  :math:`w_t = 1/(S\, q(h'_t))` (:class:`~nets.affine.GroupSamples`).

Both are exactly equivariant in the continuum (substitute ``y = A y' + t``, ``h' = A h''``: the
``|det A|`` of ``dy`` cancels against the determinant factor, which is the modular function of
``R² ⋊ H``; :func:`liegeom.modular_function`). With samples, the group convolution is equivariant
in distribution: transforming the input moves the samples. Invariant outputs come from
:class:`GroupPool`.

Shapes: lifting ``[B, C, H, W] -> [B, O, S, H, W]``; group convolution ``[B, C, S_in, H, W] ->
[B, O, S_out, H, W]``; each is one ``conv2d`` with ``O·S`` output channels, on kernels the kernel
network evaluates on transformed grids.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._kernels import RELATIVE_FEATURES, KernelNet, RBFKernel, bump, offset_grid, relative_features
from ._sampling import GroupSamples, group_name

__all__ = ["LiftingConv2d", "GroupConv2d", "GroupPool"]


def _positive_int(value, name: str, layer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{layer}: expected {name} to be a positive int, got {value!r}")
    return value


def _inv2(h: Tensor) -> tuple[Tensor, Tensor]:
    """Inverse and determinant of 2x2 matrices (closed form)."""
    a, b, c, d = h[..., 0, 0], h[..., 0, 1], h[..., 1, 0], h[..., 1, 1]
    det = a * d - b * c
    inv = torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2)
    return inv / det[..., None, None], det


def _check_input(layer: nn.Module, x: Tensor, spec: str, channels: int) -> None:
    name = type(layer).__name__
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor of shape {spec}, got {type(x).__name__}")
    rank = spec.count(",") + 1
    if x.dim() != rank:
        raise ValueError(f"{name}: expected input of shape {spec}, got shape {tuple(x.shape)}")
    if x.shape[1] != channels:
        raise ValueError(f"{name}: expected {channels} input channels (shape {spec}), got "
                         f"{x.shape[1]} (shape {tuple(x.shape)})")
    dtype = layer.bias.dtype
    if x.dtype != dtype:
        raise TypeError(f"{name}: expected input of dtype {dtype} (the layer's parameters), got "
                        f"{x.dtype}; convert one of them with .to()")
    if not torch.compiler.is_compiling() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name}: the input holds NaN or infinite values")


def _check_samples(layer: nn.Module, s, what: str) -> GroupSamples:
    name = type(layer).__name__
    if not isinstance(s, tuple) or len(s) != 2:
        raise TypeError(f"{name}: expected {what} as GroupSamples(h [S, 2, 2], log_weight [S]), "
                        f"got {type(s).__name__}")
    h, lw = s
    if h.dim() != 3 or h.shape[1:] != (2, 2) or lw.shape != h.shape[:1]:
        raise ValueError(f"{name}: expected {what} with h of shape [S, 2, 2] and log_weight of "
                         f"shape [S], got {tuple(h.shape)} and {tuple(lw.shape)}")
    return GroupSamples(*s)


class _AffineConv(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, group, radius, hidden, bias,
                 group_features, kernel):
        super().__init__()
        name = type(self).__name__
        self.in_channels = _positive_int(in_channels, "in_channels", name)
        self.out_channels = _positive_int(out_channels, "out_channels", name)
        self.kernel_size = _positive_int(kernel_size, "kernel_size", name)
        if kernel_size % 2 == 0:
            raise ValueError(f"{name}: expected an odd kernel_size (centred kernels keep "
                             f"'same' padding exact), got {kernel_size}")
        self.group_name = group_name(group)
        self.radius = kernel_size / 2 if radius is None else float(radius)
        if not 0 < self.radius <= kernel_size / 2 + 1e-9:
            raise ValueError(f"{name}: expected 0 < radius <= kernel_size / 2 = "
                             f"{kernel_size / 2}, got {radius!r} (a larger radius is cut off by "
                             "the kernel grid)")
        if kernel == "mlp":
            self.kernel = KernelNet(in_channels, out_channels, group_features, hidden)
        elif kernel == "rbf":
            self.kernel = RBFKernel(in_channels, out_channels, self.radius, group_features)
        else:
            raise ValueError(f"{name}: expected kernel='rbf' or 'mlp', got {kernel!r}")
        self.register_buffer("grid", offset_grid(kernel_size), persistent=False)
        mass = float((bump((self.grid / self.radius).square().sum(-1)) ** 2).sum())
        self.scale = 1.0 / math.sqrt(in_channels * max(mass, 1.0))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        if self.bias is None:
            self.register_buffer("_dtype_probe", torch.zeros(()), persistent=False)

    @property
    def _dtype(self):
        return (self.bias if self.bias is not None else self._dtype_probe).dtype

    def reset_parameters(self) -> None:
        self.kernel.reset_parameters()
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"group={self.group_name}, radius={self.radius:.3g}, "
                f"bias={self.bias is not None}")

    def _offsets(self, hinv: Tensor) -> Tensor:
        """``h⁻¹ z / R`` on the grid, shape=[S, K, K, 2]."""
        return torch.einsum("sab,ijb->sija", hinv, self.grid.to(hinv)) / self.radius

    def _finish(self, out: Tensor, B: int, S: int) -> Tensor:
        out = out.unflatten(1, (self.out_channels, S))
        if self.bias is not None:
            out = out + self.bias[None, :, None, None, None]
        return out


class LiftingConv2d(_AffineConv):
    r"""Lifting convolution ``[B, C, H, W] -> [B, O, S, H, W]`` onto ``R² ⋊ H``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
        Odd size ``K`` of the pixel grid the kernel is evaluated on.
    group : liegeom group
        ``SL(2)``, ``GLPlus(2)``, ``SO(2)`` or ``RotationScaling(2)``.
    radius : float, optional
        Support radius ``R`` of the kernel at the identity, in pixels (default ``K / 2``, the
        largest the grid holds). A sample ``h`` stretches the support to ``h·B_R``: a grid with
        ``K >= 2 floor(R·max‖h‖) + 1`` holds every transformed kernel
        (:meth:`GroupSampler.max_stretch`; :class:`AffineEquivariantCNN` sizes its grids so).
    hidden : int
        Width of the kernel network (``kernel="mlp"``).
    bias : bool
    kernel : {"rbf", "mlp"}
        :class:`~nets.affine.RBFKernel` (a fixed basis with learned coefficients; default) or
        :class:`~nets.affine.KernelNet` (an MLP).

    Examples
    --------
    >>> import torch
    >>> from liegeom import SL
    >>> from nets.affine import GroupSampler
    >>> lift = LiftingConv2d(1, 4, 5, SL(2))
    >>> samples = GroupSampler(SL(2), 6).eval()()
    >>> lift(torch.rand(2, 1, 12, 12), samples).shape
    torch.Size([2, 4, 6, 12, 12])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, group, *,
                 radius: float | None = None, hidden: int = 32, bias: bool = True,
                 kernel: str = "rbf"):
        super().__init__(in_channels, out_channels, kernel_size, group, radius, hidden, bias, 0,
                         kernel)

    def weight(self, samples: GroupSamples) -> Tensor:
        """The ``conv2d`` weight for ``samples``, shape=[O·S, C, K, K]."""
        h = samples.h.to(self._dtype)
        hinv, det = _inv2(h)
        u = self._offsets(hinv)
        k = self.kernel(u) * bump(u.square().sum(-1))[..., None, None]  # [S, K, K, O, C]
        k = k * (self.scale / det.abs())[:, None, None, None, None]
        S, K = h.shape[0], self.kernel_size
        return k.permute(3, 0, 4, 1, 2).reshape(self.out_channels * S, self.in_channels, K, K)

    def forward(self, x: Tensor, samples: GroupSamples) -> Tensor:
        _check_input(self, x, "[B, C, H, W]", self.in_channels)
        samples = _check_samples(self, samples, "samples")
        out = F.conv2d(x, self.weight(samples), padding=self.kernel_size // 2)
        return self._finish(out, x.shape[0], samples.h.shape[0])


class GroupConv2d(_AffineConv):
    r"""Group convolution ``[B, C, S_in, H, W] -> [B, O, S_out, H, W]`` on ``R² ⋊ H``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, group, radius, hidden, bias
        As for :class:`LiftingConv2d`.
    group_radius : float
        Support of the kernel in H: it vanishes where the symmetric log ``X`` of the relative
        element ``h_out⁻¹ h_in = e^X R`` has ``|X| >= group_radius`` (flat up to 0.7 of it), which
        keeps the integral over a non-compact H finite.

    Examples
    --------
    >>> import torch
    >>> from liegeom import GLPlus
    >>> from nets.affine import GroupSampler
    >>> conv = GroupConv2d(4, 3, 5, GLPlus(2))
    >>> s = GroupSampler(GLPlus(2), 6).eval()()
    >>> conv(torch.rand(2, 4, 6, 10, 10), s).shape
    torch.Size([2, 3, 6, 10, 10])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, group, *,
                 radius: float | None = None, group_radius: float = 1.0, hidden: int = 32,
                 bias: bool = True, kernel: str = "rbf"):
        super().__init__(in_channels, out_channels, kernel_size, group, radius, hidden, bias,
                         RELATIVE_FEATURES, kernel)
        if not group_radius > 0:
            raise ValueError(f"GroupConv2d: expected group_radius > 0, got {group_radius!r}")
        self.group_radius = float(group_radius)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", group_radius={self.group_radius:.3g}"

    def weight(self, samples_in: GroupSamples, samples_out: GroupSamples) -> Tensor:
        """The ``conv2d`` weight, shape=[O·S_out, C·S_in, K, K]."""
        dt = self._dtype
        h_in, log_w = samples_in.h.to(dt), samples_in.log_weight.to(dt)
        hinv_out, _ = _inv2(samples_out.h.to(dt))
        _, det_in = _inv2(h_in)
        feats, xsq = relative_features(hinv_out[:, None] @ h_in[None])  # [So, Si, 5], [So, Si]
        u = self._offsets(hinv_out)  # [So, K, K, 2]
        k = self.kernel(u[:, None], feats[:, :, None, None, :])  # [So, Si, K, K, O, C]
        measure = bump(xsq / self.group_radius**2) * torch.exp(log_w) / det_in.abs()
        k = k * (bump(u.square().sum(-1))[:, None, :, :, None, None]
                 * (self.scale * measure)[:, :, None, None, None, None])
        So, Si, K = u.shape[0], h_in.shape[0], self.kernel_size
        return k.permute(4, 0, 5, 1, 2, 3).reshape(self.out_channels * So,
                                                   self.in_channels * Si, K, K)

    def forward(self, x: Tensor, samples_in: GroupSamples,
                samples_out: GroupSamples | None = None) -> Tensor:
        _check_input(self, x, "[B, C, S, H, W]", self.in_channels)
        samples_in = _check_samples(self, samples_in, "samples_in")
        samples_out = samples_in if samples_out is None else _check_samples(
            self, samples_out, "samples_out")
        if x.shape[2] != samples_in.h.shape[0]:
            raise ValueError(f"GroupConv2d: the input has {x.shape[2]} group samples (axis 2 of "
                             f"[B, C, S, H, W]) but samples_in holds {samples_in.h.shape[0]}")
        B, C, S, Hh, W = x.shape
        out = F.conv2d(x.reshape(B, C * S, Hh, W), self.weight(samples_in, samples_out),
                       padding=self.kernel_size // 2)
        return self._finish(out, B, samples_out.h.shape[0])


class GroupPool(nn.Module):
    """Invariant pooling ``[B, C, S, H, W] -> [B, C]``: the maximum over the group samples, then
    the mean (or maximum) over space.

    The maximum over H approximates the supremum over the proposal's support, which the action
    of H moves only at its edge; a mean over samples would need the samples' weights and is
    invariant only for compact H.

    Parameters
    ----------
    space : {"mean", "max"}
    """

    def __init__(self, space: str = "mean"):
        super().__init__()
        if space not in ("mean", "max"):
            raise ValueError(f"GroupPool: expected space='mean' or 'max', got {space!r}")
        self.space = space

    def extra_repr(self) -> str:
        return f"group=max, space={self.space}"

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.dim() != 5:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"GroupPool: expected input of shape [B, C, S, H, W], got {shape}")
        y = x.amax(2).flatten(2)
        return y.mean(-1) if self.space == "mean" else y.amax(-1)

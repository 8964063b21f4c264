r"""Layered equilibrium networks as vector fields :math:`F(u; \theta, x, \beta)`.

A network has state layers :math:`u_1, \dots, u_L` (flattened into one state vector ``u`` of
``shape=[..., n]``) driven by the input :math:`x = u_0`. Coupling :math:`l` joins layer
:math:`l-1` to layer :math:`l` with a feedforward operator :math:`W_l` and a separate feedback
operator :math:`B_l` (from layer :math:`l` back to :math:`l-1`). The vector field is

.. math::

    F_l(u) = -u_l + \sigma_l'(u_l) \odot \bigl(W_l\,\sigma_{l-1}(u_{l-1}) + b_l
             + B_{l+1}\,\sigma_{l+1}(u_{l+1})\bigr) - \beta\,\partial\ell/\partial u_l ,

with :math:`\sigma_0 = \mathrm{id}` on the input and a linear output layer. When
:math:`B_{l+1} = W_{l+1}^\top` this is :math:`F = -\partial(E + \beta\ell)/\partial u` for the
Hopfield-type energy

.. math::

    E(u) = \sum_l \tfrac12\|u_l\|^2 - \sum_l \sigma_l(u_l)^\top W_l\,\sigma_{l-1}(u_{l-1})
           - \sum_l b_l^\top \sigma_l(u_l),

so its Jacobian :math:`J = \partial F/\partial u = -\nabla^2 E` is symmetric, the setting in which
equilibrium propagation is exact. With independent :math:`B` the Jacobian is not symmetric; the
initial angle :math:`\alpha` between :math:`B_{l+1}` and :math:`W_{l+1}^\top` sets how far.

The loss is cross-entropy on the output state (the logits), written with ``exp`` and ``log`` only
so that it and its gradient are holomorphic and accept complex states (holomorphic EP).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.autograd.forward_ad as fwad
import torch.nn.functional as nnf
from torch import Tensor, nn

__all__ = [
    "ACTIVATIONS",
    "check_labels",
    "ConvCoupling",
    "ConvEPNetwork",
    "DenseCoupling",
    "EPNetwork",
    "MLPEPNetwork",
]


def _tanh_prime(u: Tensor) -> Tensor:
    t = torch.tanh(u)
    return 1 - t * t


def _sigmoid_prime(u: Tensor) -> Tensor:
    s = torch.sigmoid(u)
    return s * (1 - s)


#: Holomorphic activations ``name -> (sigma, sigma')``; all accept complex tensors.
ACTIVATIONS = {
    "tanh": (torch.tanh, _tanh_prime),
    "sigmoid": (torch.sigmoid, _sigmoid_prime),
    "identity": (lambda u: u, torch.ones_like),
}


def _real_op(op, h: Tensor) -> Tensor:
    """Apply a real-linear operator with real weights to a real or complex tensor."""
    if h.is_complex():
        return torch.complex(op(h.real), op(h.imag))
    return op(h)


def _draw(sampler, shape, generator, dtype, device) -> Tensor:
    """``sampler(shape)`` drawn where ``generator`` lives, then moved to ``device``: a seeded CPU
    generator initialises a network identically on every device."""
    where = generator.device if generator is not None else device
    return sampler(shape, generator=generator, dtype=dtype, device=where).to(device)


def _feedback_at_angle(w: Tensor, alpha: float, generator, *, out: Tensor) -> None:
    r"""Fill ``out`` with a tensor of the norm of ``w`` at angle ``alpha`` (radians) to it."""
    r = _draw(torch.randn, w.shape, generator, w.dtype, w.device)
    w_hat = w / w.norm()
    r = r - (r * w_hat).sum() * w_hat
    r_hat = r / r.norm()
    out.copy_(w.norm() * (math.cos(alpha) * w_hat + math.sin(alpha) * r_hat))


class _Coupling(nn.Module):
    """Feedforward/feedback pair between two layers; subclasses define the operators."""

    weight: nn.Parameter
    feedback: nn.Parameter | None

    def _init_feedback(self, symmetric: bool, alpha: float, generator) -> None:
        if symmetric:
            if alpha != 0.0:
                raise ValueError(f"a symmetric coupling has angle 0, got alpha={alpha}")
            self.register_parameter("feedback", None)
            return
        if not 0.0 <= alpha <= math.pi:
            raise ValueError(f"expected an angle alpha in [0, pi] radians, got {alpha}")
        self.feedback = nn.Parameter(torch.empty_like(self.weight))
        with torch.no_grad():
            _feedback_at_angle(self.weight, alpha, generator, out=self.feedback)

    @property
    def symmetric(self) -> bool:
        """True when the feedback is tied to the transpose of the feedforward weight."""
        return self.feedback is None

    def feedback_weight(self) -> Tensor:
        """The feedback weight, in the layout of ``weight`` (so ``B = W`` means symmetric)."""
        return self.weight if self.feedback is None else self.feedback


class DenseCoupling(_Coupling):
    r"""Fully connected coupling: ``ff(h) = W h``, ``fb(h) = B h`` with ``B`` stored as
    :math:`B^\top` in the layout of ``W`` (``shape=[n_out, n_in]``).

    Parameters
    ----------
    in_shape : tuple of int
        Shape of the lower layer (flattened for the product).
    n_out : int
        Size of the upper layer.
    symmetric : bool
        Tie the feedback to :math:`W^\top`.
    alpha : float
        Initial angle in radians between the feedback and :math:`W^\top` (asymmetric only).
    """

    def __init__(self, in_shape, n_out, *, symmetric=False, alpha=0.0, generator=None,
                 dtype=None, device=None):
        super().__init__()
        self.in_shape = tuple(in_shape)
        self.out_shape = (int(n_out),)
        n_in = math.prod(self.in_shape)
        bound = 1.0 / math.sqrt(n_in)
        w = 2 * _draw(torch.rand, (n_out, n_in), generator, dtype, device) - 1
        self.weight = nn.Parameter(bound * w)
        self.bias = nn.Parameter(torch.zeros(n_out, dtype=dtype, device=device))
        self._init_feedback(symmetric, alpha, generator)

    def ff(self, h: Tensor) -> Tensor:
        return _real_op(lambda t: t.flatten(1) @ self.weight.T, h)

    def fb(self, h: Tensor) -> Tensor:
        b = self.feedback_weight()
        return _real_op(lambda t: (t @ b).reshape(-1, *self.in_shape), h)

    def add_bias(self, a: Tensor) -> Tensor:
        return a + self.bias


class ConvCoupling(_Coupling):
    r"""Convolutional coupling with 'same' padding: ``ff = conv2d(., K)``,
    ``fb = conv_transpose2d(., K_fb)``; ``K_fb = K`` is the exact adjoint (symmetric case).

    Parameters
    ----------
    in_shape : tuple of int
        ``(C_in, H, W)`` of the lower layer.
    channels : int
        Output channels; the upper layer has shape ``(channels, H, W)``.
    kernel_size : int
        Odd kernel size.
    """

    def __init__(self, in_shape, channels, *, kernel_size=3, symmetric=False, alpha=0.0,
                 generator=None, dtype=None, device=None):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"expected an odd kernel_size for 'same' padding, got {kernel_size}")
        c_in, height, width = in_shape
        self.in_shape = tuple(in_shape)
        self.out_shape = (int(channels), height, width)
        self.padding = kernel_size // 2
        bound = 1.0 / math.sqrt(c_in * kernel_size**2)
        shape = (channels, c_in, kernel_size, kernel_size)
        w = 2 * _draw(torch.rand, shape, generator, dtype, device) - 1
        self.weight = nn.Parameter(bound * w)
        self.bias = nn.Parameter(torch.zeros(channels, dtype=dtype, device=device))
        self._init_feedback(symmetric, alpha, generator)

    def ff(self, h: Tensor) -> Tensor:
        return _real_op(lambda t: nnf.conv2d(t, self.weight, padding=self.padding), h)

    def fb(self, h: Tensor) -> Tensor:
        k = self.feedback_weight()
        return _real_op(lambda t: nnf.conv_transpose2d(t, k, padding=self.padding), h)

    def add_bias(self, a: Tensor) -> Tensor:
        return a + self.bias[:, None, None]


def check_labels(y: Tensor, n_classes: int) -> None:
    """Raise unless ``y`` holds integer class indices in ``[0, n_classes)``: a label out of
    range (or a float) would otherwise match no class and give an all-zero target, with a
    plausible loss and gradient."""
    if y.dtype == torch.bool or y.is_floating_point() or y.is_complex():
        hint = ""
        if y.is_floating_point() and y.numel():
            frac = (y != torch.round(y)) | ~torch.isfinite(y)
            if bool(frac.any()):
                at = tuple(int(i) for i in frac.nonzero()[0])
                hint = f" (e.g. {float(y[at])} at batch index {at})"
        raise TypeError(f"expected integer class labels (e.g. torch.long) in [0, {n_classes}), "
                        f"got dtype {y.dtype}{hint}")
    bad = (y < 0) | (y >= n_classes)
    if bool(bad.any()):
        at = tuple(int(i) for i in bad.nonzero()[0])
        raise ValueError(f"expected class labels in [0, {n_classes}) for {n_classes} classes, "
                         f"got {int(y[at])} at batch index {at}")


class EPNetwork(nn.Module):
    r"""A layered equilibrium network given by its couplings (see the module docstring).

    Parameters
    ----------
    couplings : sequence of coupling modules
        Coupling ``l`` maps layer ``l-1`` (the input for ``l = 1``) to layer ``l``.
    activation : str
        Hidden activation, a key of :data:`ACTIVATIONS`; the output layer is linear.
    logit_scale : float
        Logits are ``logit_scale * u_L``. A scale above 1 lets the output weights, and with
        them the feedback loop gain through the output layer, stay small while the logits grow
        (training with cross-entropy otherwise drives the fixed point towards instability).

    Notes
    -----
    States have ``shape=[..., n]`` with ``n = state_size``; inputs ``shape=[..., *input_shape]``;
    labels ``shape=[...]`` (integer classes).
    """

    def __init__(self, couplings: Sequence[_Coupling], *, activation: str = "tanh",
                 logit_scale: float = 1.0):
        super().__init__()
        if not logit_scale > 0:
            raise ValueError(f"expected logit_scale > 0, got {logit_scale}")
        self.logit_scale = float(logit_scale)
        if activation not in ACTIVATIONS:
            raise ValueError(f"expected activation in {sorted(ACTIVATIONS)}, got {activation!r}")
        for i in range(1, len(couplings)):
            if couplings[i].in_shape != couplings[i - 1].out_shape:
                raise ValueError(
                    f"coupling {i} expects a lower layer of shape {couplings[i].in_shape}, "
                    f"coupling {i - 1} produces {couplings[i - 1].out_shape}"
                )
        self.couplings = nn.ModuleList(couplings)
        self.activation = activation
        self.input_shape = couplings[0].in_shape
        self.layer_shapes = [c.out_shape for c in couplings]
        self.layer_sizes = [math.prod(s) for s in self.layer_shapes]
        self.state_size = sum(self.layer_sizes)
        self.n_classes = self.layer_sizes[-1]

    # -- bookkeeping -------------------------------------------------------------------------
    @property
    def symmetric(self) -> bool:
        """True when every feedback is tied to its feedforward weight (an energy exists)."""
        return all(c.symmetric for c in self.couplings)

    def layer_slices(self) -> list[slice]:
        """Slices of the flat state, one per layer."""
        out, start = [], 0
        for size in self.layer_sizes:
            out.append(slice(start, start + size))
            start += size
        return out

    def _batch_shape(self, x: Tensor) -> tuple[int, ...]:
        k = len(self.input_shape)
        if x.dim() < k + 1 or tuple(x.shape[x.dim() - k:]) != self.input_shape:
            raise ValueError(
                f"expected inputs of shape [..., {', '.join(map(str, self.input_shape))}] "
                f"with at least one batch dimension, got {tuple(x.shape)}"
            )
        return tuple(x.shape[: x.dim() - k])

    def init_state(self, x: Tensor, dtype: torch.dtype | None = None) -> Tensor:
        """Zero state for inputs ``x``: ``shape=[..., n]``."""
        batch = self._batch_shape(x)
        return torch.zeros(*batch, self.state_size, dtype=dtype or x.dtype, device=x.device)

    def _split(self, u: Tensor) -> list[Tensor]:
        return [u[:, s].reshape(-1, *shape) for s, shape in
                zip(self.layer_slices(), self.layer_shapes)]

    def _check(self, u: Tensor, x: Tensor) -> tuple[int, ...]:
        batch = self._batch_shape(x)
        if tuple(u.shape) != (*batch, self.state_size):
            raise ValueError(
                f"expected a state of shape {(*batch, self.state_size)} for inputs of shape "
                f"{tuple(x.shape)}, got {tuple(u.shape)}"
            )
        return batch

    # -- the vector field --------------------------------------------------------------------
    def _sigma(self, layer: int):
        return ACTIVATIONS["identity" if layer == len(self.couplings) - 1 else self.activation]

    def field(self, u: Tensor, x: Tensor, beta=0.0, y: Tensor | None = None) -> Tensor:
        r""":math:`F(u; \theta, x, \beta)`, ``shape=[..., n]``; ``beta`` may be complex.

        Parameters
        ----------
        u : Tensor, shape=[..., n]
            State (real or complex).
        x : Tensor, shape=[..., *input_shape]
            Input.
        beta : float or complex
            Nudging strength; ``y`` is required when it is nonzero.
        y : Tensor of int, shape=[...]
            Labels.
        """
        batch = self._check(u, x)
        flat_u = u.reshape(-1, self.state_size)
        layers = self._split(flat_u)
        xin = x.reshape(-1, *self.input_shape)
        lower = [xin] + [self._sigma(i)[0](h) for i, h in enumerate(layers)]
        out = []
        for i, (c, h) in enumerate(zip(self.couplings, layers)):
            drive = c.add_bias(c.ff(lower[i]))
            if i + 1 < len(self.couplings):
                drive = drive + self.couplings[i + 1].fb(lower[i + 2])
            out.append((-h + self._sigma(i)[1](h) * drive).flatten(1))
        f = torch.cat(out, dim=1).reshape(*batch, self.state_size)
        if isinstance(beta, Tensor) or beta != 0:
            f = f - beta * self.loss_grad(u, y)
        return f

    def jvp(self, u: Tensor, x: Tensor, v: Tensor) -> Tensor:
        r"""Forward-mode product :math:`J v = (\partial F/\partial u)\,v` at ``u`` (no nudge),
        ``shape=[..., n]``; differentiable with respect to the parameters."""
        with fwad.dual_level():
            out = self.field(fwad.make_dual(u, v), x)
            return fwad.unpack_dual(out).tangent

    def energy(self, u: Tensor, x: Tensor) -> Tensor:
        """Energy per sample, ``shape=[...]``; defined only for symmetric networks."""
        if not self.symmetric:
            raise ValueError("energy() needs a symmetric network (feedback tied to weight^T)")
        batch = self._check(u, x)
        layers = self._split(u.reshape(-1, self.state_size))
        lower = [x.reshape(-1, *self.input_shape)]
        e = 0.5 * (u.reshape(-1, self.state_size) ** 2).sum(1)
        for i, (c, h) in enumerate(zip(self.couplings, layers)):
            s = self._sigma(i)[0](h)
            e = e - (s * c.add_bias(c.ff(lower[i]))).flatten(1).sum(1)
            lower.append(s)
        return e.reshape(batch)

    # -- loss --------------------------------------------------------------------------------
    def output(self, u: Tensor) -> Tensor:
        """Logits, ``logit_scale`` times the output layer, ``shape=[..., n_classes]``."""
        return self.logit_scale * u[..., self.state_size - self.n_classes:]

    def _onehot(self, y: Tensor, like: Tensor) -> Tensor:
        if y is None:
            raise ValueError("labels y are required when beta != 0")
        if not isinstance(y, Tensor):
            raise TypeError(f"expected labels y as a tensor of class indices, got "
                            f"{type(y).__name__}")
        if tuple(y.shape) != tuple(like.shape[:-1]):
            raise ValueError(
                f"expected labels of shape {tuple(like.shape[:-1])}, got {tuple(y.shape)}"
            )
        check_labels(y, self.n_classes)
        classes = torch.arange(self.n_classes, device=like.device)
        return (y[..., None] == classes).to(like.dtype)

    def loss(self, u: Tensor, y: Tensor) -> Tensor:
        """Cross-entropy of the logits per sample, ``shape=[...]`` (holomorphic in ``u``)."""
        z = self.output(u)
        m = z.real.amax(-1, keepdim=True).detach()
        lse = torch.log(torch.exp(z - m).sum(-1)) + m[..., 0]
        return lse - (self._onehot(y, z) * z).sum(-1)

    def loss_grad(self, u: Tensor, y: Tensor) -> Tensor:
        r""":math:`\partial\ell/\partial u`, zero outside the output layer, ``shape=[..., n]``."""
        z = self.output(u)
        m = z.real.amax(-1, keepdim=True).detach()
        ez = torch.exp(z - m)
        g = self.logit_scale * (ez / ez.sum(-1, keepdim=True) - self._onehot(y, z))
        pad = torch.zeros(*u.shape[:-1], self.state_size - self.n_classes, dtype=g.dtype,
                          device=g.device)
        return torch.cat([pad, g], dim=-1)


class MLPEPNetwork(EPNetwork):
    """Layered MLP, e.g. ``sizes=(64, 128, 10)``.

    Examples
    --------
    >>> import torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> net = MLPEPNetwork((64, 32, 10), alpha=math.pi / 2, generator=gen)
    >>> net.field(net.init_state(torch.zeros(5, 64)), torch.zeros(5, 64)).shape
    torch.Size([5, 42])
    """

    def __init__(self, sizes: Sequence[int] = (64, 128, 10), *, symmetric: bool = False,
                 alpha: float = 0.0, activation: str = "tanh", logit_scale: float = 1.0,
                 generator=None, dtype=None, device=None):
        if len(sizes) < 2:
            raise ValueError(f"expected at least (n_in, n_out) sizes, got {tuple(sizes)}")
        # The first coupling's feedback would point at the input, which is clamped: none.
        couplings = [
            DenseCoupling((sizes[i],), sizes[i + 1], symmetric=symmetric or i == 0,
                          alpha=alpha if i > 0 else 0.0, generator=generator, dtype=dtype,
                          device=device)
            for i in range(len(sizes) - 1)
        ]
        super().__init__(couplings, activation=activation, logit_scale=logit_scale)


class ConvEPNetwork(EPNetwork):
    """Small convolutional variant: conv layers (same padding) then a dense output layer.

    Examples
    --------
    >>> net = ConvEPNetwork((1, 8, 8), channels=(4,), n_classes=10)
    >>> net.state_size
    266
    """

    def __init__(self, in_shape=(1, 8, 8), *, channels: Sequence[int] = (8,),
                 n_classes: int = 10, kernel_size: int = 3, symmetric: bool = False,
                 alpha: float = 0.0, activation: str = "tanh", logit_scale: float = 1.0,
                 generator=None, dtype=None, device=None):
        kw = dict(generator=generator, dtype=dtype, device=device)
        couplings, shape = [], tuple(in_shape)
        for i, ch in enumerate(channels):
            first = i == 0  # no feedback onto the clamped input
            c = ConvCoupling(shape, ch, kernel_size=kernel_size, symmetric=symmetric or first,
                             alpha=0.0 if first else alpha, **kw)
            couplings.append(c)
            shape = c.out_shape
        first = not channels
        couplings.append(DenseCoupling(shape, n_classes, symmetric=symmetric or first,
                                       alpha=0.0 if first else alpha, **kw))
        super().__init__(couplings, activation=activation, logit_scale=logit_scale)

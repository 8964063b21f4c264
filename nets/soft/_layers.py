r"""Linear layers between representations, and the gated tensor network built from them.

:class:`RepLinear` is a dense linear map between two :class:`~nets.soft.Rep` s. Free, its weight
is any matrix (the layer of an unconstrained model); with ``group`` it is projected onto the
``group``-equivariant maps in every forward pass (an exactly equivariant layer); with ``group``
and ``residual=True`` it is the residual-pathway layer of Finzi et al. (2021),
``W = P_G(W_eq) + W_free`` with separate priors on the two paths.

:class:`GatedTensorNet` stacks blocks ``RepLinear -> products -> gates``. The only operations
besides the linear layers are

* ``swish`` on scalar channels,
* outer products ``u ⊗ w`` of vector channels into tensor channels,
* products of vector and tensor channels with scalar "gate" channels (``x·s``, or
  ``x·sigmoid(s)``),

all of which commute with any group acting linearly on ``V`` (with ``T2 = V ⊗ V`` and scalars
invariant). So the network is ``G``-equivariant as soon as all its linear layers are, which is what
makes the projection regularizer (distance of each layer to the ``G``-equivariant maps) a
regularizer of the whole model.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._groups import SymmetryGroup
from ._projectors import project_bias, project_linear
from ._reps import Rep

__all__ = ["RepLinear", "GatedTensorNet", "MLP"]


def _init(shape, fan_in, generator, dtype, scale=1.0):
    return torch.randn(*shape, generator=generator, dtype=dtype) * (scale / math.sqrt(fan_in))


class RepLinear(nn.Module):
    """Linear map ``rep_in → rep_out``: free, exactly ``group``-equivariant, or residual pathway.

    Parameters
    ----------
    rep_in, rep_out : Rep
    group : SymmetryGroup, optional
        Constrain the layer to ``group``-equivariant maps (projection in every forward).
    residual : bool
        With ``group``: add an unconstrained path, ``W = P_G(W_eq) + W_free``.
    bias : bool
    generator, dtype
        Initialisation (``N(0, 1/dim_in)`` entries).

    Examples
    --------
    >>> from nets.soft import orthogonal
    >>> lin = RepLinear(Rep(0, 1), Rep(0, 1), group=orthogonal(3))
    >>> W, b = (t.detach() for t in lin.effective())
    >>> bool(torch.allclose(W, W[0, 0] * torch.eye(3))), float(b.abs().max())
    (True, 0.0)
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, *, group: SymmetryGroup | None = None,
                 residual: bool = False, bias: bool = True, generator=None,
                 dtype=torch.float32, init_scale: float = 1.0):
        super().__init__()
        if not isinstance(rep_in, Rep) or not isinstance(rep_out, Rep):
            raise TypeError("expected Rep instances for rep_in and rep_out, got "
                            f"{type(rep_in).__name__} and {type(rep_out).__name__}")
        if rep_in.size != rep_out.size:
            raise ValueError(f"expected reps on one base space, got R^{rep_in.size} and "
                             f"R^{rep_out.size}")
        if residual and group is None:
            raise ValueError("residual=True needs the group of the equivariant path, got None")
        if group is not None and group.size != rep_in.size:
            raise ValueError(f"{group.name} has {group.size}x{group.size} elements but the "
                             f"layer acts on R^{rep_in.size}")
        self.rep_in, self.rep_out, self.group, self.residual = rep_in, rep_out, group, residual
        shape = (rep_out.dim, rep_in.dim)
        self.weight = nn.Parameter(_init(shape, rep_in.dim, generator, dtype, init_scale))
        self.bias = nn.Parameter(torch.zeros(rep_out.dim, dtype=dtype)) if bias else None
        if residual:
            self.weight_free = nn.Parameter(torch.zeros(shape, dtype=dtype))
            self.bias_free = nn.Parameter(torch.zeros(rep_out.dim, dtype=dtype)) if bias else None

    def effective(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The weight and bias the layer applies, shapes [dim_out, dim_in] and [dim_out]."""
        W, b = self.weight, self.bias
        if self.group is not None:
            W = project_linear(self.group, W, self.rep_in, self.rep_out)
            b = None if b is None else project_bias(self.group, b, self.rep_out)
            if self.residual:
                W = W + self.weight_free
                b = None if b is None else b + self.bias_free
        return W, b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        W, b = self.effective()
        y = x @ W.mT
        return y if b is None else y + b

    def extra_repr(self) -> str:
        mode = ("free" if self.group is None else
                f"{'residual ' if self.residual else ''}{self.group.name}-equivariant")
        return f"{self.rep_in} → {self.rep_out}, {mode}"


class GatedTensorNet(nn.Module):
    r"""Network on scalar, vector and tensor channels whose only non-equivariant parts are its
    linear layers.

    Each hidden block maps ``h`` to ``RepLinear(h)`` laid out as ``(s + v + t)`` scalars,
    ``(v + 2t)`` vectors and ``t`` tensors, then returns ``s`` scalars ``swish(·)``, ``v`` vectors
    gated by their scalars and ``t`` tensors ``(T + u ⊗ w)`` gated by theirs. The output layer
    reads the last hidden features; a linear skip path reads the input.

    Parameters
    ----------
    rep_in, rep_out : Rep
    hidden : tuple of int
        ``(s, v, t)`` scalar, vector and tensor channels per hidden block.
    blocks : int
        Number of hidden blocks (>= 1).
    gate : {"bilinear", "sigmoid"}
        Multiply by the gate scalar itself (products of any degree) or by its sigmoid.
    group, residual
        Passed to every :class:`RepLinear` (exactly equivariant or residual-pathway model).
    skip : bool
        Add a linear map from the input to the output.

    Examples
    --------
    >>> from nets.soft import orthogonal
    >>> net = GatedTensorNet(Rep(5, 5), Rep(0, 0, 1), hidden=(4, 4, 4), group=orthogonal(3),
    ...                      generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> x = torch.randn(2, 20, dtype=torch.float64)
    >>> g = orthogonal(3).sample((2,), generator=torch.Generator().manual_seed(1))
    >>> lhs = net(Rep(5, 5).act(g, x)); rhs = Rep(0, 0, 1).act(g, net(x))
    >>> bool(torch.allclose(lhs, rhs))
    True
    """

    def __init__(self, rep_in: Rep, rep_out: Rep, hidden=(32, 16, 16), blocks: int = 1, *,
                 gate: str = "bilinear", group: SymmetryGroup | None = None,
                 residual: bool = False, skip: bool = True, generator=None,
                 dtype=torch.float32):
        super().__init__()
        if gate not in ("bilinear", "sigmoid"):
            raise ValueError(f"expected gate in ('bilinear', 'sigmoid'), got {gate!r}")
        if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1:
            raise ValueError(f"expected blocks >= 1, got {blocks!r}")
        hidden = tuple(hidden)
        if len(hidden) != 3 or any(isinstance(h, bool) or not isinstance(h, int) or h < 0
                                   for h in hidden) or sum(hidden) == 0:
            raise ValueError(f"expected hidden = (scalars, vectors, tensors) of non-negative "
                             f"ints, not all 0, got {hidden!r}")
        s, v, t = hidden
        n = rep_in.size
        self.rep_in, self.rep_out, self.hidden, self.gate = rep_in, rep_out, hidden, gate
        self.mid = Rep(s + v + t, v + 2 * t, t, size=n) if s + v + t else None
        self.h = Rep(s, v, t, size=n)
        kw = dict(group=group, residual=residual, generator=generator, dtype=dtype)
        layers, r = [], rep_in
        for _ in range(blocks):
            layers.append(RepLinear(r, self.mid, **kw))
            r = self.h
        self.layers = nn.ModuleList(layers)
        self.out = RepLinear(self.h, rep_out, **kw)
        self.skip = RepLinear(rep_in, rep_out, bias=False, **kw) if skip else None

    def _block(self, z: torch.Tensor) -> torch.Tensor:
        s, v, t = self.hidden
        zs, zv, zt = self.mid.split(z)
        act, gv, gt = torch.split(zs, [s, v, t], -1)
        gate = (lambda q: q) if self.gate == "bilinear" else torch.sigmoid
        vec = zv[..., :v, :] * gate(gv)[..., None]
        u, w = zv[..., v:v + t, :], zv[..., v + t:, :]
        ten = (zt + u[..., :, None] * w[..., None, :]) * gate(gt)[..., None, None]
        return self.h.join(nn.functional.silu(act), vec, ten)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for layer in self.layers:
            h = self._block(layer(h))
        y = self.out(h)
        return y if self.skip is None else y + self.skip(x)


class MLP(nn.Module):
    """Plain multilayer perceptron with ``swish`` activations on flat features.

    Examples
    --------
    >>> MLP(20, 9, width=8, depth=2)(torch.zeros(3, 20)).shape
    torch.Size([3, 9])
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 128, depth: int = 3, *,
                 generator=None, dtype=torch.float32):
        super().__init__()
        for name, val, least in (("in_dim", in_dim, 1), ("out_dim", out_dim, 1),
                                 ("width", width, 1), ("depth", depth, 1)):
            if isinstance(val, bool) or not isinstance(val, int) or val < least:
                raise ValueError(f"expected an integer {name} >= {least}, got {val!r}")
        dims = [in_dim] + [width] * depth + [out_dim]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for a, b in zip(dims[:-1], dims[1:]):
            self.weights.append(nn.Parameter(_init((b, a), a, generator, dtype)))
            self.biases.append(nn.Parameter(torch.zeros(b, dtype=dtype)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            x = x @ W.mT + b
            if i < len(self.weights) - 1:
                x = nn.functional.silu(x)
        return x

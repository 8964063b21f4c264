r"""How far a model is from equivariance under one symmetry type.

Sampling estimate (any ``nn.Module``):

.. math::

    R_G(f) = \mathbb{E}_{g, x}\, \lVert f(ρ_{in}(g) x) - ρ_{out}(g) f(x) \rVert^2,

with ``g`` from the group's sampler (Haar for compact groups) and ``x`` the batch. It is
differentiable in the model's parameters and costs one extra forward pass per group sample.

Projection variant (models built from :class:`~nets.soft.RepLinear`): the exact, data-free

.. math::

    R_G = 2 \sum_{\text{layers}} \lVert W - P_G W \rVert_F^2 + \lVert b - P_G b \rVert^2,

the squared distance of each layer to the equivariant maps. For a single affine layer
``f(x) = W x + b``, an orthogonal representation of a compact group and ``x ~ N(0, I)`` it is the
exact value of the sampling estimate: ``E_g ‖(W ρ_in(g) − ρ_out(g) W) x‖² = ‖W‖² + ‖W‖² −
2 ⟨W, E_g ρ_out(g)ᵀ W ρ_in(g)⟩`` and the Haar average is the projector ``P_G``, so
``E = 2 ‖(I − P_G) W‖²`` (and likewise for ``b``). The tests check this law.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from liegeom.testing import equivariance_error

from ._groups import SymmetryGroup
from ._layers import RepLinear
from ._projectors import nonequivariant_dim, project_bias, project_linear
from ._reps import Rep

__all__ = [
    "EquivarianceRegularizer",
    "relative_equivariance_error",
    "points_action",
    "invariant_action",
    "check_finite",
]

Action = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def check_finite(x: torch.Tensor, name: str = "data") -> torch.Tensor:
    """Raise ``ValueError`` naming the first non-finite entry of ``x``; return ``x``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {name} as a torch.Tensor, got {type(x).__name__}")
    bad = ~torch.isfinite(x)
    if bad.any():
        idx = tuple(int(i) for i in torch.nonzero(bad)[0])
        raise ValueError(f"expected finite {name}, got {x[idx].item()} at index {idx} "
                         f"({int(bad.sum())} non-finite entries)")
    return x


def points_action(n_points: int, dim: int = 3) -> Action:
    """Action of homogeneous ``(dim+1) x (dim+1)`` matrices on ``n_points`` points of R^dim
    stored flat, shape=[..., n_points·dim]: ``p ↦ R p + t`` for each point."""

    def act(g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != n_points * dim:
            raise ValueError(f"expected {n_points} points of R^{dim} as features of shape "
                             f"[..., {n_points * dim}], got {tuple(x.shape)}")
        if g.shape[-2:] != (dim + 1, dim + 1):
            raise ValueError(f"expected homogeneous matrices of shape [..., {dim + 1}, "
                             f"{dim + 1}], got {tuple(g.shape)}")
        g = g.to(x.dtype)
        p = x.reshape(*x.shape[:-1], n_points, dim)
        q = (g[..., None, :dim, :dim] @ p[..., None])[..., 0] + g[..., None, :dim, dim]
        return q.reshape(*q.shape[:-2], n_points * dim)

    return act


def invariant_action(g: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The trivial action (invariant outputs), broadcast to the batch of ``g``."""
    return y.expand(*torch.broadcast_shapes(g.shape[:-2], y.shape[:-1]), y.shape[-1])


def _action(act, label: str) -> tuple[Action, Rep | None]:
    if isinstance(act, Rep):
        return act.act, act
    if callable(act):
        return act, None
    raise TypeError(f"expected {label} to be a Rep or a callable act(g, x), got "
                    f"{type(act).__name__}")


class EquivarianceRegularizer(nn.Module):
    r"""Distance of a model from equivariance under one symmetry type.

    Parameters
    ----------
    group : SymmetryGroup
    act_in, act_out : Rep or callable
        Actions on the model's inputs and outputs, ``act(g, x)`` with ``g`` of shape
        ``[..., s, s]``; a :class:`Rep` acts by its ``act``.
    method : {"sample", "projection"}
        Sampling estimate on the batch, or the exact projection form for models whose linear
        maps are :class:`RepLinear` layers (then ``x`` is not needed).
    samples : int
        Group elements per input for the sampling estimate.
    name : str, optional
        Defaults to the group's name.

    Examples
    --------
    >>> from nets.soft import orthogonal
    >>> V = Rep(0, 1)
    >>> reg = EquivarianceRegularizer(orthogonal(3), V, V)
    >>> x = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    >>> float(reg(lambda v: 2 * v, x))                  # equivariant: zero
    0.0
    >>> float(reg(lambda v: v * torch.tensor([1.0, 1.0, 0.0]), x)) > 0
    True
    """

    def __init__(self, group: SymmetryGroup, act_in, act_out, *, method: str = "sample",
                 samples: int = 1, name: str | None = None):
        super().__init__()
        if not isinstance(group, SymmetryGroup):
            raise TypeError(f"expected a SymmetryGroup, got {type(group).__name__}")
        if method not in ("sample", "projection"):
            raise ValueError(f"expected method 'sample' or 'projection', got {method!r}")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ValueError(f"expected samples >= 1, got {samples!r}")
        self.group, self.method, self.samples = group, method, samples
        self.act_in, self.rep_in = _action(act_in, "act_in")
        self.act_out, self.rep_out = _action(act_out, "act_out")
        for r in (self.rep_in, self.rep_out):
            if r is not None and r.size != group.size:
                raise ValueError(f"{group.name} has {group.size}x{group.size} elements but "
                                 f"the representation {r} is built on R^{r.size}")
        self.name = name or group.name
        self.out_dim: int | None = None

    # --- sampling ----------------------------------------------------------------------------

    def _transformed(self, g, x):
        try:
            gx = self.act_in(g, x)
        except (ValueError, RuntimeError, IndexError) as err:
            raise ValueError(f"the action of {self.group.name} ({self.group.size}x"
                             f"{self.group.size} matrices) does not fit the model's input of "
                             f"shape {tuple(x.shape)}: {err}") from err
        if gx.shape[-1] != x.shape[-1]:
            raise ValueError(f"the action of {self.group.name} maps inputs of shape "
                             f"{tuple(x.shape)} to shape {tuple(gx.shape)}; expected the "
                             "feature size to be kept")
        return gx

    def _out(self, g, y):
        try:
            gy = self.act_out(g, y)
        except (ValueError, RuntimeError, IndexError) as err:
            raise ValueError(f"the output action of {self.group.name} does not fit the model's "
                             f"output of shape {tuple(y.shape)}: {err}") from err
        return gy

    def sample_residuals(self, model, x: torch.Tensor, *, y: torch.Tensor | None = None,
                         generator: torch.Generator | None = None):
        """``f(g·x) − g·f(x)`` for ``samples`` draws per input, shape=[samples, B, out]."""
        if not isinstance(x, torch.Tensor) or x.dim() != 2:
            raise ValueError("expected a batch of flat inputs of shape [B, features], got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x)}")
        check_finite(x, "inputs")
        g = self.group.sample((self.samples, x.shape[0]), generator=generator,
                              dtype=x.dtype, device=x.device)
        gx = self._transformed(g, x.expand(self.samples, *x.shape))
        lhs = model(gx.reshape(-1, x.shape[-1]))
        y = model(x) if y is None else y
        rhs = self._out(g, y.expand(self.samples, *y.shape))
        lhs = lhs.reshape(rhs.shape)
        self.out_dim = rhs.shape[-1]
        return lhs - rhs

    # --- projection --------------------------------------------------------------------------

    def _layers(self, model):
        layers = [m for m in model.modules() if isinstance(m, RepLinear)]
        if not layers:
            raise ValueError("method='projection' needs a model built from RepLinear layers; "
                             f"{type(model).__name__} has none (use method='sample')")
        for m in layers:
            if m.rep_in.size != self.group.size:
                raise ValueError(f"{self.group.name} has {self.group.size}x{self.group.size} "
                                 f"elements but a layer acts on R^{m.rep_in.size}")
        return layers

    def projection_value(self, model) -> torch.Tensor:
        """``2 Σ ‖W − P W‖² + ‖b − P b‖²`` over the model's :class:`RepLinear` layers."""
        total = None
        for m in self._layers(model):
            W, b = m.effective()
            r = (W - project_linear(self.group, W, m.rep_in, m.rep_out)).square().sum()
            if b is not None:
                r = r + (b - project_bias(self.group, b, m.rep_out)).square().sum()
            total = r if total is None else total + r
        return 2 * total

    def dof(self, model) -> int:
        """Coordinates the regularizer sums over: non-equivariant weight coordinates
        (projection) or output coordinates per input (sampling; known after a call)."""
        if self.method == "projection":
            return sum(nonequivariant_dim(self.group, m.rep_in, m.rep_out,
                                          bias=m.bias is not None) for m in self._layers(model))
        if self.out_dim is None:
            raise RuntimeError("call the regularizer once before asking for its dof")
        return self.out_dim

    # --- public ------------------------------------------------------------------------------

    def forward(self, model, x: torch.Tensor | None = None, *, y: torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """Regularizer value (a differentiable scalar)."""
        if self.method == "projection":
            return self.projection_value(model)
        if x is None:
            raise ValueError("method='sample' needs a batch of inputs x, got None")
        r = self.sample_residuals(model, x, y=y, generator=generator)
        return r.square().sum(-1).mean()

    def relative_error(self, model, x: torch.Tensor, *, samples: int = 8,
                       generator: torch.Generator | None = None) -> float:
        """Mean scale-adjusted relative error (:func:`liegeom.testing.equivariance_error`)."""
        return relative_equivariance_error(model, self.group, self.act_in, self.act_out, x,
                                           samples=samples, generator=generator)

    def extra_repr(self) -> str:
        return f"{self.name}, method={self.method!r}, samples={self.samples}"


@torch.no_grad()
def relative_equivariance_error(f, group: SymmetryGroup, act_in, act_out, x: torch.Tensor, *,
                                samples: int = 8, generator: torch.Generator | None = None,
                                reduce: bool = True):
    r"""Mean over inputs and Haar (or sampler) draws of the relative error
    ``‖f(g·x) − g·f(x)‖ / (‖f(g·x)‖ + ‖g·f(x)‖)`` from :func:`liegeom.testing.equivariance_error`.

    Parameters
    ----------
    f : callable
        The model or the data's true function, on flat inputs ``[B, features]``.
    group : SymmetryGroup
    act_in, act_out : Rep or callable
    x : torch.Tensor, shape=[B, features]
    samples : int
        Group elements per input.
    reduce : bool
        Return the mean (float) or all errors, shape=[samples, B].
    """
    ain, _ = _action(act_in, "act_in")
    aout, _ = _action(act_out, "act_out")
    check_finite(x, "inputs")
    g = group.sample((samples, x.shape[0]), generator=generator, dtype=x.dtype, device=x.device)
    xs = x.expand(samples, *x.shape).reshape(-1, x.shape[-1])
    gs = g.reshape(-1, group.size, group.size)
    err = equivariance_error(f, ain, aout, xs, gs).reshape(samples, x.shape[0])
    return float(err.mean()) if reduce else err

r"""Gradient estimators for equilibrium networks, batched.

At the free fixed point :math:`F(u^*; \theta, x, 0) = 0` with Jacobian :math:`J = \partial_u F`
and :math:`g = \partial\ell/\partial u`, implicit differentiation gives

.. math::

    \frac{dL}{d\theta} = \lambda^\top \frac{\partial F}{\partial\theta}, \qquad
    \lambda = -J^{-\top} g \quad\text{(recurrent backprop, the reference)}.

Nudging, :math:`F_\beta = F - \beta g`, moves the fixed point by
:math:`du^*/d\beta = J^{-1} g`, so the EP error vector
:math:`\delta = -du^*/d\beta = -J^{-1} g` equals :math:`\lambda` exactly when :math:`J` is
symmetric. Its estimators from :math:`N` nudges :math:`\beta_k = \beta e^{2\pi i k/N}` are

.. math::

    \hat\delta_N = -\frac1N \sum_k \frac{u^*(\beta_k) - u^*(0)}{\beta_k}
    = \delta - \sum_{m \ge 1} u_{mN+1}\,\beta^{mN},

where :math:`u^*(\beta) = \sum_m u_m \beta^m`: the bias is :math:`O(|\beta|^N)`. Generalized EP
uses :math:`\hat\delta^\top \partial F/\partial\theta` at :math:`u^*(0)`; classic EP (symmetric
networks only) uses the energy, :math:`dL/d\theta = \frac{d}{d\beta}\partial_\theta E(u^*_\beta)`.
"""

from __future__ import annotations

import cmath
from dataclasses import dataclass

import torch
from torch import Tensor

from .networks import EPNetwork
from .solver import SolverConfig, solve_fixed_point

__all__ = [
    "ClassicEP",
    "ExactEP",
    "GeneralizedEP",
    "GradientEstimate",
    "HolomorphicEP",
    "RecurrentBackprop",
    "adjoint",
    "exact_error_vector",
    "free_state",
    "nudge_points",
    "nudged_error_vector",
    "param_grads",
]


@dataclass
class GradientEstimate:
    """What an estimator returns.

    Attributes
    ----------
    grads : tuple of Tensor
        One per ``net.parameters()``, estimating the gradient of the batch-mean loss.
    loss : Tensor
        Batch-mean loss at the free fixed point (scalar).
    u : Tensor, shape=[..., n]
        Free fixed point.
    delta : Tensor, shape=[..., n]
        The error vector used (``lambda`` for recurrent backprop).
    """

    grads: tuple
    loss: Tensor
    u: Tensor
    delta: Tensor


def free_state(net: EPNetwork, x: Tensor, config: SolverConfig | None = None,
               u0: Tensor | None = None) -> Tensor:
    """Free fixed point :math:`u^*(0)`, ``shape=[..., n]``; raises if it is not reached."""
    start = net.init_state(x) if u0 is None else u0
    return solve_fixed_point(lambda u: net.field(u, x), start, config).u


def nudge_points(beta: float, n_points: int) -> list:
    r"""The nudges :math:`\beta e^{2\pi i k/N}`, ``k = 0..N-1``; real for ``N <= 2``."""
    if n_points < 1:
        raise ValueError(f"expected n_points >= 1, got {n_points}")
    if not beta > 0:
        raise ValueError(f"expected a nudge modulus beta > 0, got {beta}")
    if n_points == 1:
        return [float(beta)]
    if n_points == 2:
        return [float(beta), -float(beta)]
    return [beta * cmath.exp(2j * cmath.pi * k / n_points) for k in range(n_points)]


def nudged_error_vector(net: EPNetwork, x: Tensor, y: Tensor, u0: Tensor, betas,
                        config: SolverConfig | None = None) -> Tensor:
    r""":math:`\hat\delta = -\frac1N\sum_k (u^*(\beta_k) - u^*(0))/\beta_k`, real part,
    ``shape=[..., n]``. Complex nudges run complex states."""
    total = None
    for b in betas:
        start = u0.to(torch.promote_types(u0.dtype, torch.complex64)) if isinstance(
            b, complex) else u0
        ub = solve_fixed_point(lambda u, b=b: net.field(u, x, b, y), start, config).u
        term = (ub - start) / b
        total = term if total is None else total + term
    return -(total / len(betas)).real


def _field_at(net: EPNetwork, x: Tensor):
    return lambda u: net.field(u, x)


def exact_error_vector(net: EPNetwork, x: Tensor, y: Tensor, u0: Tensor,
                       config: SolverConfig | None = None) -> Tensor:
    r"""Exact :math:`\delta = -du^*/d\beta|_0 = -J^{-1}g` by forward mode: the tangent of the
    damped dynamics, :math:`\delta \leftarrow \delta + \Delta t (J\delta + g)`, with
    :math:`J\delta` from forward-mode AD (:meth:`EPNetwork.jvp`)."""
    g = net.loss_grad(u0, y).detach()
    u0 = u0.detach()

    def tangent(d):
        return net.jvp(u0, x, d) + g

    return solve_fixed_point(tangent, torch.zeros_like(u0), config).u


def adjoint(net: EPNetwork, x: Tensor, y: Tensor, u0: Tensor,
            config: SolverConfig | None = None) -> Tensor:
    r"""Recurrent-backprop adjoint :math:`\lambda = -J^{-\top} g`, by the damped iteration
    :math:`\lambda \leftarrow \lambda + \Delta t(J^\top\lambda + g)` with ``torch.func.vjp``."""
    g = net.loss_grad(u0, y).detach()
    with torch.no_grad():
        _, vjp = torch.func.vjp(_field_at(net, x), u0.detach())
    return solve_fixed_point(lambda lam: vjp(lam)[0] + g, torch.zeros_like(g), config).u


def param_grads(net: EPNetwork, x: Tensor, u0: Tensor, delta: Tensor) -> tuple:
    r"""Batch mean of :math:`\delta^\top \partial F/\partial\theta` at ``u0``, one per
    parameter."""
    params = list(net.parameters())
    n = u0.numel() // net.state_size
    with torch.enable_grad():
        f = net.field(u0.detach(), x)
        grads = torch.autograd.grad(f, params, grad_outputs=delta.detach() / n, allow_unused=True)
    return tuple(torch.zeros_like(p) if g is None else g for p, g in zip(params, grads))


def _mean_loss(net, u, y):
    return net.loss(u, y).mean().detach()


class _ErrorVectorEstimator:
    """Free phase, then a subclass's ``_error_vector`` ``d`` and the gradient
    ``d^T dF/dtheta``."""

    name = ""

    def __init__(self, config: SolverConfig | None = None):
        self.config = config

    def __call__(self, net, x, y, u0=None):
        u = free_state(net, x, self.config, u0)
        d = self._error_vector(net, x, y, u)
        return GradientEstimate(param_grads(net, x, u, d), _mean_loss(net, u, y), u, d)


class RecurrentBackprop(_ErrorVectorEstimator):
    """Reference gradient by implicit differentiation (recurrent backprop)."""

    name = "rbp"

    def _error_vector(self, net, x, y, u):
        return adjoint(net, x, y, u, self.config)


class ExactEP(_ErrorVectorEstimator):
    r"""EP with the exact :math:`\beta \to 0` derivative (forward mode)."""

    name = "ep-exact"

    def _error_vector(self, net, x, y, u):
        return exact_error_vector(net, x, y, u, self.config)


class HolomorphicEP(_ErrorVectorEstimator):
    r"""Holomorphic EP: ``n_points`` nudges :math:`\beta e^{2\pi i k/N}` (complex for N >= 3);
    bias :math:`O(\beta^N)`."""

    def __init__(self, beta: float = 0.1, n_points: int = 4,
                 config: SolverConfig | None = None):
        super().__init__(config)
        self.betas = nudge_points(beta, n_points)
        self.beta, self.n_points = beta, n_points
        self.name = f"hep-N{n_points}"

    def _error_vector(self, net, x, y, u):
        return nudged_error_vector(net, x, y, u, self.betas, self.config)


class GeneralizedEP(HolomorphicEP):
    r"""Generalized EP with real nudges: one-sided (:math:`+\beta`) or centred
    (:math:`\pm\beta`); works for asymmetric networks through
    :math:`\hat\delta^\top\partial F/\partial\theta`."""

    def __init__(self, beta: float = 0.1, *, centred: bool = True,
                 config: SolverConfig | None = None):
        super().__init__(beta, 2 if centred else 1, config)
        self.name = "gep-centred" if centred else "gep-one-sided"


class ClassicEP:
    r"""Classic EP for energy-based (symmetric) networks:
    :math:`\frac1\beta[\partial_\theta E(u^*_\beta) - \partial_\theta E(u^*_0)]` (one-sided) or
    :math:`\frac1{2\beta}[\partial_\theta E(u^*_\beta) - \partial_\theta E(u^*_{-\beta})]`."""

    def __init__(self, beta: float = 0.1, *, centred: bool = True,
                 config: SolverConfig | None = None):
        self.betas = nudge_points(beta, 2 if centred else 1)
        self.beta, self.centred, self.config = beta, centred, config
        self.name = "ep-centred" if centred else "ep-one-sided"

    def __call__(self, net, x, y, u0=None):
        if not net.symmetric:
            raise ValueError("classic EP needs a symmetric (energy-based) network; use "
                             "GeneralizedEP or HolomorphicEP for asymmetric feedback")
        u = free_state(net, x, self.config, u0)
        params = list(net.parameters())
        states = [solve_fixed_point(lambda v, b=b: net.field(v, x, b, y), u, self.config).u
                  for b in self.betas]
        lo = u if len(states) == 1 else states[1]
        span = self.beta * (1 if len(states) == 1 else 2)
        with torch.enable_grad():
            de = (net.energy(states[0], x) - net.energy(lo, x)).mean() / span
            grads = torch.autograd.grad(de, params, allow_unused=True)
        grads = tuple(torch.zeros_like(p) if g is None else g for p, g in zip(params, grads))
        delta = -(states[0] - lo) / span
        return GradientEstimate(grads, _mean_loss(net, u, y), u, delta.detach())

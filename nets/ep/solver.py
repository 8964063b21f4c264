r"""Damped fixed-point iteration :math:`u \leftarrow u + \Delta t\,F(u)` with a residual check.

Undamped synchronous updates (:math:`\Delta t = 1`) of a layered network can oscillate with
period 2 (an eigenvalue of :math:`I + J` near :math:`-1`); damping shrinks the iteration
matrix :math:`I + \Delta t J` towards a contraction. Convergence is never assumed: the solver
measures :math:`\max_b \|F(u_b)\|_\infty` and raises :class:`ConvergenceError` (or, with
``on_fail="flag"``, returns ``converged=False``) when it stays above the tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["ConvergenceError", "FixedPoint", "SolverConfig", "solve_fixed_point"]


class ConvergenceError(RuntimeError):
    """The fixed-point iteration did not reach its tolerance.

    Attributes
    ----------
    residual : float
        Final :math:`\\max_b \\|F(u_b)\\|_\\infty` (``inf`` when non-finite).
    iterations : int
        Iterations performed.
    worst_index : tuple of int
        Batch index of the worst sample.
    """

    def __init__(self, residual: float, iterations: int, tol: float, worst_index: tuple):
        self.residual, self.iterations, self.tol, self.worst_index = (
            residual, iterations, tol, worst_index)
        super().__init__(
            f"fixed point not reached: residual {residual:.3e} > tol {tol:.1e} after "
            f"{iterations} iterations (worst at batch index {worst_index}); lower dt, raise "
            "max_iter, or shrink the weights"
        )


@dataclass(frozen=True)
class SolverConfig:
    """Damping ``dt`` in (0, 1], tolerance on ``max |F|``, iteration cap, check period."""

    dt: float = 0.5
    tol: float = 1e-6
    max_iter: int = 1000
    check_every: int = 5

    def __post_init__(self):
        if not 0.0 < self.dt <= 1.0:
            raise ValueError(f"expected damping dt in (0, 1], got {self.dt}")
        if not self.tol > 0:
            raise ValueError(f"expected tol > 0, got {self.tol}")
        if self.max_iter < 1 or self.check_every < 1:
            raise ValueError(
                f"expected max_iter >= 1 and check_every >= 1, got {self.max_iter}, "
                f"{self.check_every}"
            )


@dataclass
class FixedPoint:
    """Result of :func:`solve_fixed_point`.

    Attributes
    ----------
    u : Tensor, shape=[..., n]
        Final state.
    residual : Tensor, shape=[...]
        :math:`\\|F(u)\\|_\\infty` per sample (real).
    iterations : int
    converged : bool
    """

    u: Tensor
    residual: Tensor
    iterations: int
    converged: bool


def _residual(f: Tensor) -> Tensor:
    r = f.abs().amax(-1)
    return torch.where(torch.isfinite(r), r, torch.full_like(r, float("inf")))


def solve_fixed_point(
    field: Callable[[Tensor], Tensor],
    u0: Tensor,
    config: SolverConfig | None = None,
    *,
    on_fail: str = "raise",
) -> FixedPoint:
    r"""Iterate :math:`u \leftarrow u + \Delta t\,F(u)` until :math:`\max_b\|F(u_b)\|_\infty \le`
    ``tol``.

    Parameters
    ----------
    field : callable
        ``F``, mapping ``shape=[..., n]`` to ``shape=[..., n]`` (real or complex).
    u0 : Tensor, shape=[..., n]
        Start; its dtype (real or complex) is kept.
    config : SolverConfig
    on_fail : {"raise", "flag"}
        Raise :class:`ConvergenceError`, or return with ``converged=False``.

    Returns
    -------
    FixedPoint
        Computed without a graph (``torch.no_grad``).

    Examples
    --------
    >>> import torch
    >>> r = solve_fixed_point(lambda u: 0.5 - u, torch.zeros(2, 3))
    >>> bool(r.converged), round(float(r.u[0, 0]), 5), bool(r.residual.max() <= 1e-6)
    (True, 0.5, True)
    """
    cfg = config or SolverConfig()
    if on_fail not in ("raise", "flag"):
        raise ValueError(f"expected on_fail in ('raise', 'flag'), got {on_fail!r}")
    if u0.dim() < 2:
        raise ValueError(f"expected a state of shape [..., n] with a batch axis, got {u0.shape}")
    u = u0.detach().clone()
    with torch.no_grad():
        res = None
        for it in range(1, cfg.max_iter + 1):
            f = field(u)
            if (it - 1) % cfg.check_every == 0 or it == cfg.max_iter:
                res = _residual(f)
                if bool((res <= cfg.tol).all()):
                    return FixedPoint(u, res, it - 1, True)
                if not bool(torch.isfinite(res).all()):
                    break
            u = u + cfg.dt * f
        else:
            it = cfg.max_iter
            res = _residual(field(u))
            if bool((res <= cfg.tol).all()):
                return FixedPoint(u, res, it, True)
    if on_fail == "flag":
        return FixedPoint(u, res, it, False)
    worst = torch.unravel_index(torch.argmax(res), res.shape)
    raise ConvergenceError(float(res.max()), it, cfg.tol, tuple(int(i) for i in worst))

r"""Equivariance error and assertion, the one quantity every part of symkit reports.

For a map :math:`f`, input action :math:`\rho_{in}` and output action :math:`\rho_{out}`, the
scale-adjusted relative error at ``(g, x)`` is

.. math::

    e(g, x) = \frac{\lVert f(\rho_{in}(g) x) - \rho_{out}(g) f(x) \rVert}
                   {\lVert f(\rho_{in}(g) x) \rVert + \lVert \rho_{out}(g) f(x) \rVert},

computed in float64 whatever the dtype of ``f``. It lies in ``[0, 1]``; it is 0 for an exactly
equivariant map and does not depend on the overall scale of the outputs. Where both norms
vanish the error is defined as 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["equivariance_error", "assert_equivariant", "EquivarianceError"]


class EquivarianceError(AssertionError):
    """Raised by :func:`assert_equivariant`; the message is the full report."""


def _as_float64(t: torch.Tensor) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected the map and actions to return tensors, got {type(t).__name__}")
    if t.is_complex():
        return t.to(torch.complex128)
    return t.to(torch.float64)


def equivariance_error(
    f: Callable[[torch.Tensor], torch.Tensor],
    act_in: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    act_out: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    group_elements: torch.Tensor,
    *,
    batch_ndim: int = 1,
) -> torch.Tensor:
    r"""Scale-adjusted relative equivariance error, per batch element, in float64.

    Parameters
    ----------
    f : callable
        The map under test, ``f(x)`` for a batch ``x``.
    act_in, act_out : callable
        ``act(g, x)``: the action of the batch of group elements ``g`` on a batch of inputs
        (respectively outputs). For an invariant map pass ``act_out=lambda g, y: y``.
    inputs : torch.Tensor, shape=[*batch, ...]
        Points at which to test.
    group_elements : torch.Tensor, shape=[*batch, ...]
        One group element per input (broadcasting is up to the actions).
    batch_ndim : int
        How many leading dimensions of ``f``'s output are batch dimensions; the norm is taken
        over the rest.

    Returns
    -------
    torch.Tensor, shape=[*batch], dtype=float64
        :math:`\lVert f(gx) - g f(x)\rVert / (\lVert f(gx)\rVert + \lVert g f(x)\rVert)`.

    Examples
    --------
    >>> import torch
    >>> R = torch.tensor([[[0.0, -1.0], [1.0, 0.0]]])
    >>> x = torch.tensor([[1.0, 2.0]])
    >>> rot = lambda g, v: (g @ v.unsqueeze(-1)).squeeze(-1)
    >>> equivariance_error(lambda v: 3 * v, rot, rot, x, R)
    tensor([0.], dtype=torch.float64)
    """
    if batch_ndim < 0:
        raise ValueError(f"expected batch_ndim >= 0, got {batch_ndim}")
    lhs = _as_float64(f(act_in(group_elements, inputs)))
    rhs = _as_float64(act_out(group_elements, f(inputs)))
    if lhs.shape != rhs.shape:
        raise ValueError(
            "f(g·x) and g·f(x) must have the same shape, got "
            f"{tuple(lhs.shape)} and {tuple(rhs.shape)}"
        )
    if lhs.dim() < batch_ndim:
        raise ValueError(
            f"expected outputs with at least batch_ndim={batch_ndim} dimensions, "
            f"got shape {tuple(lhs.shape)}"
        )
    flat = lambda t: t.reshape(*t.shape[:batch_ndim], -1)
    num = torch.linalg.vector_norm(flat(lhs - rhs), dim=-1)
    den = torch.linalg.vector_norm(flat(lhs), dim=-1) + torch.linalg.vector_norm(flat(rhs), dim=-1)
    return torch.where(den > 0, num / torch.where(den > 0, den, torch.ones_like(den)), num)


def assert_equivariant(
    f: Callable[[torch.Tensor], torch.Tensor],
    act_in: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    act_out: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    group_elements: torch.Tensor,
    *,
    tol: float | None = None,
    batch_ndim: int = 1,
) -> torch.Tensor:
    """Assert that ``f`` is equivariant on the given samples; return the errors.

    ``tol`` defaults to ``1e-10`` when the inputs are float64 and ``1e-5`` otherwise. On failure
    an :class:`EquivarianceError` reports the largest error, where it occurred, how many samples
    failed, and the mean and median errors.
    """
    if tol is None:
        tol = 1e-10 if inputs.dtype in (torch.float64, torch.complex128) else 1e-5
    err = equivariance_error(f, act_in, act_out, inputs, group_elements, batch_ndim=batch_ndim)
    if not torch.isfinite(err).all():
        bad = torch.nonzero(~torch.isfinite(err))[0].tolist()
        raise EquivarianceError(f"equivariance error is not finite at batch index {tuple(bad)}")
    failing = err > tol
    if failing.any():
        worst = int(torch.argmax(err.reshape(-1)))
        idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), err.shape))
        raise EquivarianceError(
            "map is not equivariant within tolerance\n"
            f"  tolerance        : {tol:.3e}\n"
            f"  failing samples  : {int(failing.sum())} of {err.numel()}\n"
            f"  max error        : {float(err.max()):.3e} at batch index {idx}\n"
            f"  mean / median    : {float(err.mean()):.3e} / {float(err.median()):.3e}\n"
            f"  input dtype      : {inputs.dtype}"
        )
    return err

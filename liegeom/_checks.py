"""Input checks shared by liegeom: one error class and a shape-spec checker.

Every check raises :class:`GroupMembershipError` (a ``ValueError``) whose message names what was
expected, what came, and, for batches, the first offending batch index.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence

import torch

__all__ = ["GroupMembershipError", "check_shape", "check_finite", "first_index", "check_tensor",
           "set_validation", "validation_enabled"]

_VALIDATE = contextvars.ContextVar("liegeom_validate", default=True)


class set_validation:
    r"""Turn liegeom's membership validation on (the default) or off.

    Every function that reads group elements (``log``, ``inverse``, the affine ``act``, chart
    ``to_coords``, distribution ``log_prob``, the decompositions) checks by default that they
    belong to the group and raises :class:`GroupMembershipError` naming the first bad batch
    index, as ``torch.distributions`` does with ``validate_args``. The checks cost a few
    elementwise passes and a synchronisation; turn them off in hot loops whose inputs are known
    to be members. Works as a function (sets the value for the current thread or task) and as a
    context manager (restores the previous value on exit), like ``torch.set_grad_enabled``.

    Validation is skipped, whatever this switch says, inside ``torch.func.vmap`` and while
    ``torch.compile`` traces (their tensors have no values to branch on); validate the inputs
    before entering those transforms.

    Examples
    --------
    >>> import torch, liegeom
    >>> with liegeom.set_validation(False):
    ...     X = liegeom.SO(3).log(2 * torch.eye(3, dtype=torch.float64))  # not checked
    >>> liegeom.validation_enabled()
    True
    """

    def __init__(self, enabled: bool):
        if not isinstance(enabled, bool):
            raise TypeError(f"expected set_validation(True or False), got {enabled!r}")
        self._token = _VALIDATE.set(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _VALIDATE.reset(self._token)
        return False


def validation_enabled() -> bool:
    """Whether membership validation is on (see :class:`set_validation`)."""
    return _VALIDATE.get()


def should_validate(x: torch.Tensor) -> bool:
    """Validation is on and ``x`` has values: not a vmap-batched tensor, not being traced."""
    if torch.compiler.is_compiling():  # first: dynamo cannot trace ContextVar.get
        return False
    if not _VALIDATE.get():
        return False
    return not is_vmapped(x)


def is_vmapped(x: torch.Tensor) -> bool:
    """Whether ``x`` is batched by ``torch.func.vmap`` (at any level)."""
    is_batched = getattr(torch._C._functorch, "is_batchedtensor", None)
    return is_batched is not None and _any_batched(x, is_batched)


def _any_batched(x: torch.Tensor, is_batched) -> bool:
    # a tensor wrapped by grad() around vmap() is batched one level down
    while True:
        if is_batched(x):
            return True
        if not torch._C._functorch.is_functorch_wrapped_tensor(x):
            return False
        x = torch._C._functorch.get_unwrapped(x)


class GroupMembershipError(ValueError):
    """Bad input to a liegeom function: wrong shape, non-finite entries, or not in the group."""


def check_tensor(x, name: str = "input") -> torch.Tensor:
    """Raise ``TypeError`` unless ``x`` is a floating-point tensor; return it."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {name} to be a torch.Tensor, got {type(x).__name__}")
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"expected {name} to have a floating dtype, got {x.dtype}")
    return x


def check_shape(x: torch.Tensor, spec: Sequence[str | int], name: str = "input", **sizes) -> dict:
    """Check ``x.shape`` against a spec such as ``["...", "n", "n"]``; return the bound sizes.

    Parameters
    ----------
    x : torch.Tensor
        The tensor to check.
    spec : sequence of str or int
        ``"..."`` (at most once, first) matches any number of leading batch dimensions; an
        ``int`` must match exactly; a name binds a size on first use and must match afterwards.
    name : str
        How the tensor is called in the error message.
    **sizes : int
        Sizes already bound, e.g. ``n=3``.

    Returns
    -------
    dict
        The names in ``spec`` bound to sizes.

    Raises
    ------
    GroupMembershipError
        If the shape does not match; the message states both.

    Examples
    --------
    >>> check_shape(torch.zeros(5, 3, 3), ["...", "n", "n"])
    {'n': 3}
    """
    check_tensor(x, name)
    spec = list(spec)
    variadic = bool(spec) and spec[0] == "..."
    core = spec[1:] if variadic else spec
    expected = "[" + ", ".join(str(s) for s in spec) + "]"
    bound = dict(sizes)
    if x.dim() < len(core) or (not variadic and x.dim() != len(core)):
        raise GroupMembershipError(
            f"expected {name} of shape {expected}"
            + "".join(f" with {k}={v}" for k, v in sizes.items())
            + f", got shape {tuple(x.shape)}"
        )
    tail = x.shape[x.dim() - len(core):]
    for want, got in zip(core, tail):
        if isinstance(want, int):
            ok = want == got
        else:
            ok = bound.setdefault(want, got) == got
        if not ok:
            raise GroupMembershipError(
                f"expected {name} of shape {expected}"
                + "".join(f" with {k}={v}" for k, v in bound.items())
                + f", got shape {tuple(x.shape)}"
            )
    return {k: v for k, v in bound.items() if k not in sizes}


def first_index(mask: torch.Tensor) -> tuple[int, ...] | None:
    """Batch index of the first ``True`` in ``mask`` (row-major), or ``None``."""
    if not bool(mask.any()):
        return None
    flat = int(torch.nonzero(mask.reshape(-1))[0, 0])
    return tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), mask.shape))


def check_finite(x: torch.Tensor, name: str = "input", core_ndim: int = 2) -> None:
    """Raise :class:`GroupMembershipError` naming the batch index of the first non-finite entry."""
    bad = ~torch.isfinite(x)
    if core_ndim:
        bad = bad.flatten(-core_ndim).any(-1) if bad.dim() >= core_ndim else bad
    idx = first_index(bad)
    if idx is not None:
        raise GroupMembershipError(
            f"expected finite entries in {name}, got non-finite values at batch index {idx}"
        )

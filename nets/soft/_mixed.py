r"""Several candidate symmetry types at once, with strengths tuned during training.

``loss = task + Σ_j λ_j R_j`` with one :class:`~nets.soft.EquivarianceRegularizer` per candidate
type (Kim, Lee, Yang & Lee, ICML 2023). The strengths start at the given values and change by a
:class:`~nets.soft.StrengthSchedule` after each optimizer step (:meth:`step`); :attr:`history`
keeps ``(step, λ, R)`` for the figures.

Proximal form. A projection-form term ``λ R = 2λ ‖(I − P) W‖²`` added to the loss makes Adam
jitter: where it dominates a coordinate's gradient, Adam's normalised step moves that coordinate by
about the learning rate each way, and thousands of weights oscillating around the equivariant
subspace put noise into the function (on modified inertia the regularized model then fits worse
than the exactly equivariant one). With ``proximal=True`` those terms leave the loss and are
applied after each optimizer step as the proximal map of ``λ R`` in Adam's metric, approximated
per tensor by the scalar ``s = sqrt(mean v̂)`` (``v̂`` the bias-corrected second moment of the
data gradient):

.. math::

    W \leftarrow P W + \frac{(I - P) W}{1 + 4 η λ / s},

which is exact for ``s = 1`` (plain gradient descent) and stable for any ``λ`` (the same
correction AdamW makes for weight decay). The strengths keep their meaning in loss units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from ._projectors import project_bias, project_linear
from ._regularizers import EquivarianceRegularizer
from ._schedules import ConstantStrengths, StrengthSchedule

__all__ = ["MixedSymmetryRegularizer"]


def _metric_scale(optimizer, p: torch.Tensor) -> float:
    """``sqrt(mean v̂)`` of Adam-like optimizers for ``p`` (1 when there is no such state)."""
    if optimizer is None:
        return 1.0
    state = optimizer.state.get(p, {})
    v = state.get("exp_avg_sq")
    if v is None:
        return 1.0
    beta2 = next((g["betas"][1] for g in optimizer.param_groups
                  if any(q is p for q in g["params"])), 0.999)
    step = state.get("step", 1)
    step = float(step.item() if isinstance(step, torch.Tensor) else step)
    vhat = float(v.mean()) / max(1.0 - beta2 ** max(step, 1.0), 1e-12)
    return max(vhat ** 0.5, 1e-12)


class MixedSymmetryRegularizer(nn.Module):
    r"""``Σ_j λ_j R_j`` over candidate symmetry types.

    Parameters
    ----------
    regularizers : sequence of EquivarianceRegularizer
        One per candidate type (not empty).
    strengths : float or sequence of float
        Initial ``λ_j >= 0``.
    schedule : StrengthSchedule, optional
        Default :class:`ConstantStrengths`.
    sample_count : int
        ``c_j`` of sampling-form regularizers for schedules that count pseudo-observations:
        how many independent measurements of the type's non-equivariance one value stands for
        (1: the batch mean is one measurement of the expected residual).
    proximal : bool
        Apply projection-form terms by :meth:`proximal_step` instead of through the loss.

    Examples
    --------
    >>> from nets.soft import Rep, orthogonal, axis_orthogonal
    >>> V = Rep(0, 1)
    >>> mixed = MixedSymmetryRegularizer(
    ...     [EquivarianceRegularizer(G, V, V) for G in (orthogonal(3), axis_orthogonal(2))],
    ...     strengths=[1.0, 10.0])
    >>> model = lambda v: v * torch.tensor([1.0, 1.0, 2.0])   # O(2)_z- but not O(3)-equivariant
    >>> x = torch.randn(256, 3, generator=torch.Generator().manual_seed(0))
    >>> total = mixed(model, x, generator=torch.Generator().manual_seed(1))
    >>> r_o3, r_o2 = mixed.values.tolist()    # exact values: 2‖(I − P)W‖² = 4/3 and 0
    >>> abs(r_o3 - 4 / 3) < 0.25, r_o2
    (True, 0.0)
    """

    def __init__(self, regularizers: Sequence[EquivarianceRegularizer], strengths=1.0,
                 schedule: StrengthSchedule | None = None, *, sample_count: int = 1,
                 proximal: bool = False):
        super().__init__()
        regs = list(regularizers) if not isinstance(regularizers, EquivarianceRegularizer) else [
            regularizers]
        if not regs:
            raise ValueError("expected at least one candidate symmetry type, got an empty list")
        for r in regs:
            if not isinstance(r, EquivarianceRegularizer):
                raise TypeError(f"expected EquivarianceRegularizer candidates, got "
                                f"{type(r).__name__}")
        self.regularizers = nn.ModuleList(regs)
        names, seen = [], {}
        for r in regs:
            k = seen.get(r.name, 0)
            seen[r.name] = k + 1
            names.append(r.name if k == 0 else f"{r.name}#{k + 1}")
        self.names = names
        if isinstance(strengths, (int, float)) and not isinstance(strengths, bool):
            strengths = [float(strengths)] * len(regs)
        strengths = [float(s) for s in strengths]
        if len(strengths) != len(regs):
            raise ValueError(f"expected {len(regs)} strengths (one per candidate type), got "
                             f"{len(strengths)}")
        for name, s in zip(names, strengths):
            if not math.isfinite(s) or s < 0:
                raise ValueError(f"expected a finite strength >= 0 for {name}, got {s}")
        self.register_buffer("strengths", torch.tensor(strengths, dtype=torch.float64))
        if schedule is None:
            schedule = ConstantStrengths()
        if not isinstance(schedule, StrengthSchedule):
            raise TypeError(f"expected a StrengthSchedule, got {type(schedule).__name__}")
        self.schedule = schedule
        if isinstance(sample_count, bool) or not isinstance(sample_count, int) or sample_count < 1:
            raise ValueError(f"expected sample_count >= 1, got {sample_count!r}")
        self.sample_count = sample_count
        self.proximal = bool(proximal)
        self.values: torch.Tensor | None = None
        self.data_loss: float | None = None
        self.steps = 0
        self.history: list[dict] = []
        #: Every record made, kept when a best state is restored (:attr:`history` then goes
        #: back to that state's records); not part of the state dict.
        self.full_history: list[dict] = []

    def forward(self, model, x: torch.Tensor | None = None, *, y: torch.Tensor | None = None,
                data_loss: float | torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """``Σ λ_j R_j`` over the terms not applied proximally (differentiable); all ``R_j`` are
        kept in :attr:`values`, and ``data_loss`` (the batch MSE, for schedules that use it) in
        :attr:`data_loss`. ``y`` is ``model(x)`` when the caller has it already."""
        if data_loss is not None:
            loss = float(data_loss.detach() if isinstance(data_loss, torch.Tensor) else data_loss)
            if not math.isfinite(loss):
                raise ValueError(f"expected a finite data loss, got {loss} (NaN or inf in the "
                                 "targets or predictions; the strength schedules need it)")
            self.data_loss = loss
        vals, total = [], None
        for j, r in enumerate(self.regularizers):
            if self._is_proximal(r):
                with torch.no_grad():
                    v = r(model, x, y=y, generator=generator)
            else:
                v = r(model, x, y=y, generator=generator)
                term = self.strengths[j].to(v.dtype) * v
                total = term if total is None else total + term
            vals.append(v.detach())
        self.values = torch.stack([v.to(torch.float64) for v in vals])
        if total is None:
            return torch.zeros((), dtype=vals[0].dtype, device=vals[0].device)
        return total

    def _is_proximal(self, reg) -> bool:
        return self.proximal and reg.method == "projection"

    @torch.no_grad()
    def proximal_step(self, model, lr: float, optimizer: torch.optim.Optimizer | None = None):
        """Shrink each free :class:`~nets.soft.RepLinear` layer's non-equivariant part by the
        proximal map of ``λ_j R_j`` (module doc), for every projection-form type in turn."""
        if not self.proximal:
            return
        if not (isinstance(lr, (int, float)) and lr >= 0):
            raise ValueError(f"expected a learning rate >= 0, got {lr!r}")
        for j, reg in enumerate(self.regularizers):
            lam = float(self.strengths[j])
            if not self._is_proximal(reg) or lam == 0 or lr == 0:
                continue
            for m in reg._layers(model):
                if m.group is not None:
                    raise ValueError("the proximal step needs free RepLinear layers; got one "
                                     f"constrained to {m.group.name}")
                G = reg.group
                pairs = [(m.weight, project_linear(G, m.weight, m.rep_in, m.rep_out))]
                if m.bias is not None:
                    pairs.append((m.bias, project_bias(G, m.bias, m.rep_out)))
                for p, pp in pairs:
                    factor = 1.0 / (1.0 + 4.0 * lr * lam / _metric_scale(optimizer, p))
                    p.copy_(pp + factor * (p - pp))

    def counts(self, model) -> list[tuple[int, int]]:
        """``(c_j, D_j)`` per type: pseudo-observation count and coordinates per count."""
        out = []
        for r in self.regularizers:
            c = 1 if r.method == "projection" else self.sample_count
            out.append((c, r.dof(model)))
        return out

    def step(self, model=None, *, data_loss: float | None = None) -> None:
        """Advance the schedule after an optimizer step (uses the last :attr:`values`)."""
        if self.values is None:
            raise RuntimeError("call the regularizer on a batch before step()")
        counts = None
        if not isinstance(self.schedule, ConstantStrengths) and model is not None:
            counts = self.counts(model)
        new = self.schedule.update(self.steps, self.strengths, self.values, data_loss, counts)
        if new is not None:
            if not torch.isfinite(new).all() or (new < 0).any():
                raise RuntimeError(f"schedule {self.schedule.name} produced strengths "
                                   f"{new.tolist()}")
            self.strengths.copy_(new)
        self.steps += 1

    def attach(self, optimizer: torch.optim.Optimizer, model, *, record_every: int = 10):
        """Run :meth:`proximal_step`, :meth:`step` and (every ``record_every`` steps)
        :meth:`record` after each ``optimizer.step()``, from a post-step hook; returns the hook
        handle. The learning rate is the first parameter group's."""
        if isinstance(record_every, bool) or not isinstance(record_every, int) or record_every < 1:
            raise ValueError(f"expected record_every >= 1, got {record_every!r}")

        def hook(opt, args, kwargs):
            if self.values is None:
                return
            self.proximal_step(model, float(opt.param_groups[0]["lr"]), opt)
            self.step(model, data_loss=self.data_loss)
            if self.steps % record_every == 0:
                self.record(data_loss=self.data_loss)

        return optimizer.register_step_post_hook(hook)

    def get_extra_state(self) -> dict:
        return {"steps": self.steps, "history": self.history,
                "schedule": self.schedule.state_dict(), "data_loss": self.data_loss,
                "values": None if self.values is None else self.values.tolist()}

    def set_extra_state(self, state: dict) -> None:
        self.steps = int(state.get("steps", 0))
        self.history = list(state.get("history", []))
        if len(self.history) >= len(self.full_history):  # resumed: continue from the records
            self.full_history = list(self.history)
        self.schedule.load_state_dict(state.get("schedule", {}))
        self.data_loss = state.get("data_loss")
        v = state.get("values")
        self.values = None if v is None else torch.tensor(v, dtype=torch.float64)

    def record(self, **extra) -> dict:
        """Append ``{step, strengths, values, **extra}`` to :attr:`history`; return it."""
        row = {"step": self.steps, "strengths": dict(zip(self.names, self.strengths.tolist())),
               "values": dict(zip(self.names, self.values.tolist())) if self.values is not None
               else None, **extra}
        self.history.append(row)
        self.full_history.append(row)
        return row

    def extra_repr(self) -> str:
        lam = ", ".join(f"{n}: {s:.3g}" for n, s in zip(self.names, self.strengths.tolist()))
        return f"schedule={self.schedule.name}, strengths={{{lam}}}"

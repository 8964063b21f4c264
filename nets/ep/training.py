"""Training loop for equilibrium networks (any estimator) and a feedforward backprop baseline.

Each epoch records test accuracy and the alignment diagnostics on a fixed batch: per-layer
cos(delta, lambda) between the estimator's error vector and the recurrent-backprop adjoint, the
symmetric share of the Jacobian, the Jacobian asymmetry and the feedforward/feedback angles.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as nnf
from torch import Tensor, nn

from .estimators import adjoint, free_state
from .homeostasis import (
    alignment,
    asymmetry,
    feedback_angles,
    homeostasis_loss,
    jacobian,
    symmetric_share,
)
from .networks import EPNetwork
from .solver import SolverConfig

__all__ = ["TrainConfig", "accuracy", "feedforward_mlp", "make_optimizer", "save_metrics",
           "train"]

_OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


@dataclass
class TrainConfig:
    """Training settings.

    ``clip`` is the maximum global gradient norm (``None``: no clipping); ``homeostasis`` is the
    weight of the Jacobian-homeostasis loss (0: off), estimated with ``homeostasis_samples``
    Hutchinson draws per example; ``diag_size`` examples of the test set are used for the
    alignment diagnostics (``jacobian_size`` of them for the dense-Jacobian ones).
    """

    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    clip: float | None = 1.0
    homeostasis: float = 0.0
    homeostasis_samples: int = 1
    seed: int = 0
    progress: bool = True
    diag_size: int = 256
    jacobian_size: int = 16

    def __post_init__(self):
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"expected optimizer in {sorted(_OPTIMIZERS)}, got {self.optimizer!r}")
        if self.epochs < 0 or self.batch_size < 1 or not self.lr > 0:
            raise ValueError(f"expected epochs >= 0, batch_size >= 1, lr > 0, got {self.epochs}, "
                             f"{self.batch_size}, {self.lr}")
        if self.homeostasis < 0:
            raise ValueError(f"expected homeostasis weight >= 0, got {self.homeostasis}")


def make_optimizer(params, config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer named by ``config.optimizer``."""
    kw = {"lr": config.lr, "weight_decay": config.weight_decay}
    if config.optimizer == "sgd":
        kw["momentum"] = config.momentum
    return _OPTIMIZERS[config.optimizer](params, **kw)


def feedforward_mlp(sizes, *, activation: str = "tanh", generator=None, dtype=None) -> nn.Module:
    """Plain feedforward MLP with the layer sizes of an :class:`MLPEPNetwork`, initialised from
    ``generator`` (the backprop baseline)."""
    act = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[activation]
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1], dtype=dtype)
        bound = 1.0 / sizes[i] ** 0.5
        with torch.no_grad():
            lin.weight.copy_(bound * (2 * torch.rand(lin.weight.shape, generator=generator,
                                                     dtype=lin.weight.dtype) - 1))
            lin.bias.zero_()
        layers += [lin, act()] if i < len(sizes) - 2 else [lin]
    return nn.Sequential(*layers)


def accuracy(model, x: Tensor, y: Tensor, solver: SolverConfig | None = None) -> float:
    """Top-1 accuracy in percent; equilibrium networks are evaluated at their free fixed point."""
    with torch.no_grad():
        if isinstance(model, EPNetwork):
            logits = model.output(free_state(model, x, solver))
        else:
            logits = model(x)
    return 100.0 * float((logits.argmax(-1) == y).double().mean())


def _diagnostics(net: EPNetwork, estimator, x, y, solver) -> dict:
    est = estimator(net, x, y)
    lam = adjoint(net, x, y, est.u, solver)
    cos = alignment(net, est.delta, lam)
    k = min(len(x), 16)
    j = jacobian(net, x[:k], est.u[:k])
    return {
        "cos_layers": cos["layers"],
        "cos_all": cos["all"],
        "sym_share": float(symmetric_share(j.detach()).mean()),
        "asymmetry": float(asymmetry(j.detach()).mean()),
        "angles_deg": feedback_angles(net),
    }


def _set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = g.detach().clone() if p.grad is None else p.grad + g.detach()


def train(model: nn.Module, data, config: TrainConfig, estimator=None,
          solver: SolverConfig | None = None, label: str = "", *,
          checkpoint: str | Path | None = None, resume: str | Path | None = None) -> dict:
    """Train ``model`` on ``data`` (``x_train, y_train, x_test, y_test`` attributes) with the
    shared :class:`~nets.experiments.harness.Trainer`.

    Parameters
    ----------
    model : EPNetwork or nn.Module
        An equilibrium network trained with ``estimator``, or (``estimator=None``) a
        feedforward model trained by backprop.
    data : DigitsSplit-like
    config : TrainConfig
    estimator : callable, optional
        ``estimator(net, x, y) -> GradientEstimate``.
    solver : SolverConfig
    label : str
        The progress bar's label.
    checkpoint, resume : path, optional
        Rewrite a checkpoint after every epoch; continue one exactly (see the harness).

    Returns
    -------
    dict
        ``{"label", "config", "history": [per-epoch dicts], "final": last entry}``; an entry
        holds ``epoch``, ``train_loss`` (mean over the epoch's examples), ``test_acc``,
        ``seconds`` (the epoch's training time) and, for equilibrium networks, ``homeostasis``
        and the alignment diagnostics.
    """
    from ..experiments.harness import Trainer, unwrap

    is_ep = isinstance(model, EPNetwork)
    if is_ep == (estimator is None):
        raise TypeError("expected an EPNetwork with an estimator, or a plain module without one")
    params = [p for p in model.parameters()]
    opt = make_optimizer(params, config)
    gen = torch.Generator(device=data.x_train.device).manual_seed(config.seed)
    n = len(data.x_train)
    xd, yd = data.x_test[: config.diag_size], data.y_test[: config.diag_size]

    def batches(epoch):
        perm = torch.randperm(n, generator=gen, device=data.x_train.device)
        for start in range(0, n, config.batch_size):
            idx = perm[start:start + config.batch_size]
            yield data.x_train[idx], data.y_train[idx]

    def step(net, batch):
        x, y = batch
        if not is_ep:
            return nnf.cross_entropy(net(x), y)
        net = unwrap(net)
        est = estimator(net, x, y, None)
        _set_grads(params, est.grads)  # EP sets the gradients; the loss comes detached
        out = {"loss": est.loss.detach(), "homeostasis": 0.0}
        if config.homeostasis > 0:
            h = homeostasis_loss(net, x, est.u, config.homeostasis_samples, generator=gen)
            _set_grads(params, torch.autograd.grad(config.homeostasis * h, params,
                                                   allow_unused=True, materialize_grads=True))
            out["homeostasis"] = h.detach()
        return out

    def evaluate(net):
        record = {"test_acc": accuracy(net, data.x_test, data.y_test, solver)}
        if is_ep:
            record.update(_diagnostics(net, estimator, xd, yd, solver))
        return record

    settings = {k: v for k, v in asdict(config).items() if k not in ("epochs", "progress")}
    run = Trainer(model, opt, step=step, batches=batches, epochs=config.epochs,
                  evaluate=evaluate, select=None, clip=config.clip, generator=gen,
                  config={**settings, "estimator": type(estimator).__name__},
                  name=label or "train", checkpoint=checkpoint, resume=resume,
                  progress=config.progress).fit()
    history = [{("seconds" if k == "epoch_s" else k): v for k, v in h.items() if k != "time_s"}
               for h in run["history"]]
    return {"label": label, "config": asdict(config), "history": history,
            "final": history[-1] if history else {}}


def save_metrics(metrics, path) -> Path:
    """Write ``metrics`` as indented JSON, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, indent=2))
    return path

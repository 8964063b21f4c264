r"""One training harness for every nets experiment: seeded runs, a progress bar, metrics, atomic
checkpoints with exact resume, and multi-process training under ``torchrun``.

An experiment supplies a model, an optimizer and three callables; :class:`Trainer` runs the
epochs::

    trainer = Trainer(model, optimizer, step=step, batches=batches, epochs=30,
                      evaluate=evaluate, select=("val_loss", "min"), generator=gen,
                      config={"lr": 1e-3, "hidden": 64}, checkpoint="out/run.ckpt")
    metrics = trainer.fit()

``batches(epoch) -> Iterable[tuple[Tensor, ...]]``
    The epoch's GLOBAL batches: tuples of tensors, batch axis first. The experiment draws the
    order from ``generator`` (a ``torch.Generator``; the Trainer saves and restores its state,
    so a resumed run draws the same batches). The Trainer moves the tensors to its device and,
    under ``torchrun``, gives each rank its shard of every batch.
``step(model, batch) -> Tensor | dict``
    Returns the loss, or a dict with ``"loss"`` and other float metrics. A loss that requires
    grad is back-propagated by the Trainer; a step that sets ``.grad`` itself (equilibrium
    propagation) returns a detached loss and the Trainer does not call ``backward``. Then
    optional gradient-norm clipping (``clip``) and ``optimizer.step()``. The metrics are
    averaged over the epoch's examples and recorded as ``train_loss`` (for ``"loss"``) and under
    their own names (the others). The gradients are zeroed (set to ``None``) before each step.
    Under DistributedDataParallel the step gets the wrapped model; call :func:`unwrap` for the
    bare module (to call anything but ``forward``).
``evaluate(model) -> dict[str, float]``
    Called every ``eval_every`` epochs and at the last epoch, on the bare model in the state
    the training left it (the callable sets ``eval()`` and ``no_grad`` as it needs; the Trainer
    sets ``train()`` before each epoch). The best state by ``select=(key, "min" | "max")`` is
    kept and restored into the model when :meth:`Trainer.fit` returns (``select=None``: keep
    the final state). NaN never counts as better.

The scheduler (optional) is stepped once per epoch. ``time_limit_s`` stops after the epoch that
passes it (that epoch is evaluated and checkpointed).

Records
    Each evaluation appends ``{"epoch", "train_loss", <step metrics>, <evaluate metrics>,
    "time_s" (wall seconds since the run began, over all resumed segments, at the end of the
    epoch's training), "epoch_s" (the epoch's training seconds, evaluation not counted)}`` to
    the history. :meth:`Trainer.fit` returns ``{"name",
    "epochs_run", "best_epoch", "best" (the best record), "train_time_s", "history",
    "segments" (which device ran which epochs for how long: one entry per call), "config",
    "parameters", "init_from", "resumed_from_epoch", "device", "world_size",
    "torch_threads"}``.

Checkpoints
    ``checkpoint=PATH`` is rewritten atomically (temporary file, then ``os.replace``) after every
    evaluation, on rank 0, with everything an exact resume needs: model, optimizer, scheduler,
    the batch-order generator, torch's CPU (and CUDA) RNG state, epoch, history, best state,
    elapsed time, config, segments and ``init_from``. ``resume=PATH`` continues it exactly
    (N epochs straight and k epochs + resume to N give bit-identical weights on one device); a
    ``config`` that differs from the checkpoint's raises :class:`CheckpointMismatchError`
    listing the differences. ``init_from=PATH`` starts from saved weights (a state dict or a
    checkpoint) with a fresh optimizer: a warm start, carried on through resumes. Everything is
    loaded with ``torch.load(..., weights_only=True)`` on the CPU, so checkpoints move between
    devices. The n-body checkpoints written before this harness (format
    ``"symkit.nets.nbody/1"``) are translated on load.

Distributed
    Under ``torchrun --nproc_per_node K`` the Trainer calls :func:`init_distributed` (gloo on
    the CPU, nccl on CUDA; the device is ``cuda:LOCAL_RANK``), wraps the model in
    DistributedDataParallel, splits each global batch into K shards (sizes differing by at most
    one: a shard's gradient is weighted by its share of the batch, so a mean loss gives the
    one-process gradient also for a short last batch), averages the gradients of steps that set
    them themselves, averages the epoch metrics over all examples, evaluates on rank 0 and
    shares the result, and writes the progress bar and checkpoints on rank 0 only;
    :func:`write_json` and :func:`save_checkpoint` write on rank 0 only too.

Helpers: :func:`seed_everything`, :func:`save_checkpoint`, :func:`load_checkpoint`,
:func:`write_json`, :func:`results_table`, :func:`resolve_device`, :func:`device_label`.

Examples
--------
>>> import torch
>>> gen = seed_everything(0)
>>> x = torch.randn(64, 3, generator=gen)
>>> y = x @ torch.tensor([1.0, -2.0, 0.5])
>>> model = torch.nn.Linear(3, 1)
>>> def batches(epoch):
...     order = torch.randperm(64, generator=gen)
...     return [(x[order[i:i + 16]], y[order[i:i + 16]]) for i in range(0, 64, 16)]
>>> step = lambda m, b: torch.nn.functional.mse_loss(m(b[0]).squeeze(-1), b[1])
>>> evaluate = lambda m: {"val_loss": float(step(m, (x, y)))}
>>> trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=0.1), step=step,
...                   batches=batches, epochs=40, evaluate=evaluate, eval_every=10,
...                   generator=gen, progress=False)
>>> metrics = trainer.fit()
>>> metrics["epochs_run"], len(metrics["history"]), metrics["best"]["val_loss"] < 0.05
(40, 4, True)
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn

from symkit.cli import UsageError

__all__ = ["Trainer", "CheckpointMismatchError", "DistInfo", "init_distributed", "dist_info",
           "is_main_process", "unwrap", "seed_everything", "save_checkpoint", "load_checkpoint",
           "write_json", "results_table", "resolve_device", "device_label", "CHECKPOINT_FORMAT"]

#: The ``format`` field of a checkpoint written by :class:`Trainer`.
CHECKPOINT_FORMAT = "symkit.nets.harness/1"
_NBODY_V1 = "symkit.nets.nbody/1"


class CheckpointMismatchError(ValueError):
    """``resume`` was given a checkpoint of another configuration (or not a checkpoint)."""


# ----------------------------------------------------------------------------- distributed


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands in a (possibly one-process) run."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected an integer in the environment variable {name}, "
                         f"got {text!r}") from None


def dist_info() -> DistInfo:
    """Rank, world size and local rank: from the process group when one is initialized, else
    from torchrun's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``), else one process."""
    if dist.is_available() and dist.is_initialized():
        return DistInfo(dist.get_rank(), dist.get_world_size(), _env_int("LOCAL_RANK", 0))
    return DistInfo(_env_int("RANK", 0), _env_int("WORLD_SIZE", 1), _env_int("LOCAL_RANK", 0))


def is_main_process() -> bool:
    """True on rank 0 (and in a one-process run): the process that writes outputs."""
    return dist_info().is_main


def init_distributed(backend: str | None = None) -> DistInfo:
    """Initialize the default process group from torchrun's environment when ``WORLD_SIZE`` >
    1 (``backend``: ``"nccl"`` when CUDA is available, else ``"gloo"``); a no-op in a
    one-process run or when a group is already initialized. Returns :func:`dist_info`."""
    info = dist_info()
    if info.world_size > 1 and not dist.is_initialized():
        if not dist.is_available():
            raise RuntimeError("WORLD_SIZE > 1 but this torch build has no torch.distributed")
        if backend is None:
            backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(info.local_rank)
        dist.init_process_group(backend=backend)
        info = dist_info()
    return info


def unwrap(model: nn.Module) -> nn.Module:
    """The bare module inside a DistributedDataParallel wrapper (or ``model`` itself)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


# ----------------------------------------------------------------------------- files


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, numpy's and torch's global generators (all devices) with ``seed`` and
    return a fresh CPU ``torch.Generator`` seeded with it, for the batch order.

    >>> seed_everything(3).initial_seed()
    3
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"expected a seed as an integer >= 0, got {seed!r}")
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def save_checkpoint(path: str | Path, state: Mapping) -> Path:
    """``torch.save(state)`` atomically (temporary file + ``os.replace``: a run killed mid-write
    leaves the previous file intact), creating parent folders; on rank 0 only."""
    path = Path(path)
    if is_main_process():
        _atomic_write(path, lambda tmp: torch.save(dict(state), tmp))
    return path


def _legacy_nbody(ck: dict) -> dict:
    """A ``symkit.nets.nbody/1`` checkpoint in this harness's format: the data parameters join
    the config (``origin`` defaults to the one model such checkpoints had), the training MSE is
    ``train_loss``, and the best state carries its record."""
    config = {"origin": "positions", **ck["config"], "data": ck.get("data")}
    history = [{("train_loss" if k == "train_mse" else k): v for k, v in h.items()}
               for h in ck["history"]]
    old = ck["best"]
    record = next((h for h in history if h["epoch"] == old["epoch"]),
                  {"epoch": old["epoch"], "val_mse": old["val_mse"]})
    out = {k: v for k, v in ck.items() if k not in ("data", "best")}
    out.update(format=CHECKPOINT_FORMAT, name=f"nbody {config.get('model', '')}".strip(),
               config=config, history=history, translated_from=_NBODY_V1,
               best={"epoch": old["epoch"], "record": record, "state": old["state"]})
    return out


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """A checkpoint written by :class:`Trainer` (or an n-body checkpoint of the earlier format,
    translated), loaded with ``weights_only=True``; raises :class:`CheckpointMismatchError` for
    a file that is not one (a bare state dict: pass it as ``init_from``)."""
    obj = torch.load(path, map_location=map_location, weights_only=True)
    if isinstance(obj, dict) and obj.get("format") == _NBODY_V1:
        return _legacy_nbody(obj)
    if not (isinstance(obj, dict) and obj.get("format") == CHECKPOINT_FORMAT):
        raise CheckpointMismatchError(
            f"expected a checkpoint written by a Trainer(checkpoint=...) (format "
            f"{CHECKPOINT_FORMAT!r}), got {path} (a bare state dict? use init_from)")
    return obj


def _load_weights(path: str | Path) -> dict:
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and obj.get("format") in (CHECKPOINT_FORMAT, _NBODY_V1):
        return obj["model"]
    return obj


def write_json(path: str | Path, obj) -> Path:
    """``obj`` as indented JSON, written atomically, creating parent folders; on rank 0 only.
    Non-finite floats are written as ``NaN``/``Infinity`` (Python's json reads them back)."""
    path = Path(path)
    if is_main_process():
        text = json.dumps(obj, indent=2, default=_json_default)
        _atomic_write(path, lambda tmp: tmp.write_text(text + "\n"))
    return path


def _json_default(obj):
    if isinstance(obj, Tensor) and obj.numel() == 1:
        return obj.item()
    if isinstance(obj, Tensor):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"expected JSON-serializable metrics, got {type(obj).__name__}: {obj!r}")


def results_table(rows: Sequence[Mapping], columns: Sequence) -> str:
    """A markdown table with one line per row.

    ``columns``: items ``key`` (header = key), ``(header, key)`` or ``(header, key, fmt)``, where
    ``key`` is a row key or a callable ``row -> value`` and ``fmt`` a format spec (default:
    ``.4g`` for floats). Missing or ``None`` values show as "—"; ``|`` in a cell is escaped.

    >>> print(results_table([{"model": "a", "acc": 0.91234}, {"model": "b"}],
    ...                     ["model", ("accuracy", "acc", ".2%")]), end="")
    | model | accuracy |
    |---|---|
    | a | 91.23% |
    | b | — |
    """
    specs = []
    for col in columns:
        if isinstance(col, str):
            specs.append((col, col, None))
        elif isinstance(col, tuple) and len(col) in (2, 3):
            specs.append((col[0], col[1], col[2] if len(col) == 3 else None))
        else:
            raise TypeError(f"expected a column as key, (header, key) or (header, key, fmt), "
                            f"got {col!r}")
    lines = ["| " + " | ".join(h for h, _, _ in specs) + " |", "|" + "---|" * len(specs)]
    for row in rows:
        cells = []
        for _, key, fmt in specs:
            value = key(row) if callable(key) else row.get(key)
            if value is None:
                text = "—"
            elif fmt is not None:
                text = format(value, fmt)
            elif isinstance(value, float):
                text = format(value, ".4g")
            else:
                text = str(value)
            cells.append(text.replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- devices


def resolve_device(device: str | torch.device | None = "cpu", threads: int | None = None, *,
                   option: str = "--device") -> torch.device:
    """The torch device a ``--device`` option names (``cpu``, ``cuda``, ``cuda:N``, ``auto``:
    CUDA when present), after setting ``threads`` torch intra-op threads (``None`` or 0: leave
    torch's default). Raises :class:`symkit.cli.UsageError` for a device that is not there
    (``--device cuda`` without CUDA) or not a device name, so a command fails before any work;
    ``option`` is the option the messages name.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
            raise UsageError(f"expected --threads as an integer >= 0, got {threads!r}")
        if threads > 0:
            torch.set_num_threads(threads)
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise UsageError(f"expected {option} cpu, cuda, cuda:N or auto, got {device!r}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"{option} {device}: CUDA is not available on this machine "
                             "(use cpu or auto)")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise UsageError(f"{option} {device}: this machine has "
                             f"{torch.cuda.device_count()} CUDA device(s)")
    elif dev.type != "cpu":
        if dev.type == "mps" and torch.backends.mps.is_available():
            return dev
        raise UsageError(f"expected {option} cpu, cuda, cuda:N or auto, got {device!r}")
    return dev


def device_label(device: str | torch.device, world_size: int = 1) -> str:
    """How metrics name where epochs ran: the GPU's name, or ``"CPU (n threads)"``; prefixed
    with ``"K × "`` for K processes."""
    device = torch.device(device)
    if device.type == "cuda":
        label = torch.cuda.get_device_name(device)
    else:
        n = torch.get_num_threads()
        label = f"{device.type.upper()} ({n} thread{'s' if n > 1 else ''})"
    return label if world_size == 1 else f"{world_size} × {label}"


def _segment(device: str, first: int, last: int, wall_s: float) -> dict:
    return {"device": device, "first_epoch": first, "last_epoch": last,
            "wall_s": round(wall_s, 1)}


def _to(batch, device):
    if isinstance(batch, Tensor):
        batch = (batch,)
    if not isinstance(batch, (tuple, list)):
        raise TypeError(f"expected batches(epoch) to yield tuples of tensors, got "
                        f"{type(batch).__name__}")
    return tuple(t.to(device, non_blocking=True) if isinstance(t, Tensor) else t for t in batch)


def _batch_len(batch) -> int:
    for t in batch:
        if isinstance(t, Tensor) and t.dim() > 0:
            return t.shape[0]
    raise TypeError("expected a batch with at least one tensor with a batch axis, got none")


def _fmt(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


# ----------------------------------------------------------------------------- trainer


class Trainer:
    """Train ``model`` with ``optimizer`` for ``epochs`` epochs (see the module docstring).

    Parameters
    ----------
    model : nn.Module
        Moved to ``device`` (default: where its parameters are; ``cuda:LOCAL_RANK`` under
        torchrun with CUDA).
    optimizer : torch.optim.Optimizer
    step : callable
        ``step(model, batch) -> Tensor | dict``.
    batches : callable
        ``batches(epoch) -> Iterable[tuple[Tensor, ...]]``, global batches, batch axis first.
    epochs : int
        Total epochs (a resumed run continues up to this number).
    evaluate : callable, optional
        ``evaluate(model) -> dict[str, float]``.
    select : (str, "min" | "max") or None
        The record key and direction that pick the best state.
    eval_every : int
    scheduler : optional
        Stepped once per epoch.
    clip : float, optional
        Maximum global gradient norm.
    generator : torch.Generator, optional
        The generator ``batches`` draws from; checkpointed.
    config : dict, optional
        Plain values (str, int, float, bool, None, lists, dicts) that define the run; a resume
        checks them against the checkpoint's.
    name : str
        The progress bar's label and the metrics' ``name``.
    checkpoint, resume, init_from : path, optional
    time_limit_s : float
    progress : bool
    device : str or torch.device, optional
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, *,
                 step: Callable[[nn.Module, tuple], Tensor | dict],
                 batches: Callable[[int], Iterable[tuple]], epochs: int,
                 evaluate: Callable[[nn.Module], Mapping[str, float]] | None = None,
                 select: tuple[str, str] | None = ("val_loss", "min"), eval_every: int = 1,
                 scheduler=None, clip: float | None = None,
                 generator: torch.Generator | None = None, config: Mapping | None = None,
                 name: str = "run", checkpoint: str | Path | None = None,
                 resume: str | Path | None = None, init_from: str | Path | None = None,
                 time_limit_s: float = math.inf, progress: bool = True,
                 device: str | torch.device | None = None):
        if not isinstance(model, nn.Module):
            raise TypeError(f"expected model as an nn.Module, got {type(model).__name__}")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"expected a torch.optim.Optimizer, got {type(optimizer).__name__}")
        for label, fn in (("step", step), ("batches", batches)):
            if not callable(fn):
                raise TypeError(f"expected {label} as a callable, got {fn!r}")
        if evaluate is not None and not callable(evaluate):
            raise TypeError(f"expected evaluate as a callable or None, got {evaluate!r}")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"expected epochs as an integer >= 0, got {epochs!r}")
        if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
            raise ValueError(f"expected eval_every as an integer >= 1, got {eval_every!r}")
        if select is not None and (not isinstance(select, (tuple, list)) or len(select) != 2
                                   or select[1] not in ("min", "max")):
            raise ValueError(f"expected select=(key, 'min' | 'max') or None, got {select!r}")
        if clip is not None and not clip > 0:
            raise ValueError(f"expected clip > 0 or None, got {clip!r}")
        if not time_limit_s >= 0:
            raise ValueError(f"expected time_limit_s >= 0, got {time_limit_s!r}")
        if resume is not None and init_from is not None:
            raise ValueError("give either resume (continue a checkpoint) or init_from (warm "
                             "start from weights), not both")
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"expected generator as a torch.Generator, got {generator!r}")
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.step, self.batches, self.evaluate = step, batches, evaluate
        self.epochs, self.eval_every, self.clip = epochs, eval_every, clip
        self.select = None if select is None else (select[0], select[1])
        self.generator, self.name = generator, name
        self.config = {} if config is None else dict(config)
        self.checkpoint = None if checkpoint is None else Path(checkpoint)
        self.resume, self.init_from = resume, init_from
        self.time_limit_s, self.progress = time_limit_s, progress
        self.device = None if device is None else torch.device(device)

    # -- pieces of fit ------------------------------------------------------------------

    def _setup_device(self, info: DistInfo) -> torch.device:
        device = self.device
        if device is None:
            if info.world_size > 1 and torch.cuda.is_available():
                device = torch.device("cuda", info.local_rank)
            else:
                param = next(self.model.parameters(), None)
                device = param.device if param is not None else torch.device("cpu")
        self.model.to(device)
        return device

    def _check_config(self, saved: Mapping, where) -> None:
        missing = "<not recorded>"
        keys = list(self.config) + [k for k in saved if k not in self.config]
        differ = [(k, saved.get(k, missing), self.config.get(k, missing)) for k in keys
                  if saved.get(k, missing) != self.config.get(k, missing)]
        if differ:
            raise CheckpointMismatchError(
                f"checkpoint {where} configuration differs (saved, given): " + ", ".join(
                    f"{k}={a!r} vs {b!r}" for k, a, b in differ))

    def _restore(self, ck: dict, device: torch.device) -> dict:
        self._check_config(ck.get("config", {}), self.resume)
        self.model.load_state_dict(ck["model"])
        self.optimizer.load_state_dict(ck["optimizer"])
        if self.scheduler is not None:
            if ck.get("scheduler") is None:
                raise CheckpointMismatchError(f"checkpoint {self.resume} has no scheduler state "
                                              "but this run has a scheduler")
            self.scheduler.load_state_dict(ck["scheduler"])
        if self.generator is not None and ck.get("generator") is not None:
            self.generator.set_state(ck["generator"])
        torch.set_rng_state(ck["torch_rng"])
        cuda_rng = ck.get("cuda_rng")
        if cuda_rng and torch.cuda.is_available() and len(cuda_rng) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_rng)
        segments = ck.get("segments")
        if segments is None:  # written before checkpoints kept their record
            warnings.warn(f"{self.resume} does not record where its {ck['epoch']} epochs ran or "
                          "whether they began from a warm start; the metrics say 'not recorded'",
                          stacklevel=3)
            segments = [_segment("not recorded", 1, ck["epoch"], ck["elapsed_s"])]
        return {"history": list(ck["history"]), "best": ck["best"], "first": ck["epoch"] + 1,
                "prior_s": ck["elapsed_s"], "segments": list(segments),
                "init_from": ck.get("init_from")}

    def _better(self, record: Mapping, best: dict) -> bool:
        if self.select is None:
            return True
        key, mode = self.select
        if key not in record:
            raise ValueError(f"select={self.select!r}: expected key {key!r} in the evaluation "
                             f"record, got keys {sorted(record)} (select=None keeps the final "
                             "state)")
        value = record[key]
        if not isinstance(value, (int, float)) or math.isnan(value):
            return False
        if best["record"] is None:
            return True
        old = best["record"][key]
        return value < old if mode == "min" else value > old

    def _state(self, epoch, history, best, segments, elapsed, init_from, info) -> dict:
        return {"format": CHECKPOINT_FORMAT, "name": self.name, "config": self.config,
                "epoch": epoch, "world_size": info.world_size,
                "init_from": None if init_from is None else str(init_from),
                "segments": segments, "model": unwrap(self.model).state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                "generator": None if self.generator is None else self.generator.get_state(),
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": (torch.cuda.get_rng_state_all() if torch.cuda.is_available()
                             else None),
                "history": history, "best": best, "elapsed_s": elapsed}

    def _run_epoch(self, net: nn.Module, epoch: int, info: DistInfo, device) -> dict:
        params = [p for p in net.parameters()]
        sums: dict[str, float] = {}
        count = 0
        for batch in self.batches(epoch):
            batch = _to(batch, device)
            total = _batch_len(batch)
            if info.world_size > 1:
                if total < info.world_size:
                    raise ValueError(f"expected every global batch to hold at least one example "
                                     f"per process ({info.world_size}), got a batch of {total}")
                batch = tuple(t.tensor_split(info.world_size)[info.rank]
                              if isinstance(t, Tensor) and t.dim() > 0 else t for t in batch)
            n = _batch_len(batch)
            # a shard's mean-loss gradient, weighted by its share: the average over the ranks
            # is the global batch's mean-loss gradient even when the shards differ by one
            weight = n * info.world_size / total
            self.optimizer.zero_grad(set_to_none=True)
            out = self.step(net, batch)
            metrics = dict(out) if isinstance(out, Mapping) else {"loss": out}
            if "loss" not in metrics:
                raise ValueError(f"expected step(model, batch) to return the loss or a dict "
                                 f"with 'loss', got keys {sorted(metrics)}")
            loss = metrics["loss"]
            if isinstance(loss, Tensor) and loss.requires_grad:
                (loss * weight if weight != 1 else loss).backward()
            elif info.world_size > 1:  # the step set .grad itself: average like DDP does
                for p in params:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    if weight != 1:
                        p.grad.mul_(weight)
                    dist.all_reduce(p.grad)
                    p.grad.div_(info.world_size)
            if self.clip is not None:
                nn.utils.clip_grad_norm_(params, self.clip)
            self.optimizer.step()
            for key, value in metrics.items():
                name = "train_loss" if key == "loss" else key
                if isinstance(value, Tensor):
                    value = value.detach()
                sums[name] = sums.get(name, 0.0) + float(value) * n
            count += n
        if info.world_size > 1:
            keys = sorted(sums)
            packed = torch.tensor([sums[k] for k in keys] + [count], dtype=torch.float64)
            if dist.get_backend() == "nccl":
                packed = packed.to(device)
            dist.all_reduce(packed)
            packed = packed.cpu()
            sums = dict(zip(keys, packed[:-1].tolist()))
            count = int(packed[-1])
        if count == 0:
            raise ValueError(f"expected batches({epoch}) to yield at least one example, got none")
        return {k: v / count for k, v in sums.items()}

    # -- the loop -----------------------------------------------------------------------

    def fit(self) -> dict:
        """Train; return the metrics (see the module docstring). The model holds the best state
        (by ``select``) afterwards."""
        info = init_distributed()
        device = self._setup_device(info)
        bare = self.model
        net = bare
        if info.world_size > 1:
            net = nn.parallel.DistributedDataParallel(
                bare, device_ids=[device.index] if device.type == "cuda" else None)
        history: list[dict] = []
        best: dict[str, Any] = {"epoch": 0, "record": None,
                                "state": copy.deepcopy(bare.state_dict())}
        first, prior_s, segments, init_from = 1, 0.0, [], self.init_from
        if init_from is not None:
            bare.load_state_dict(_load_weights(init_from))
            best["state"] = copy.deepcopy(bare.state_dict())
        if self.resume is not None:
            restored = self._restore(load_checkpoint(self.resume), device)
            history, best = restored["history"], restored["best"]
            first, prior_s = restored["first"], restored["prior_s"]
            segments, init_from = restored["segments"], restored["init_from"]
        here = device_label(device, info.world_size)
        bar = None
        if self.progress and info.is_main:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.epochs, initial=min(first - 1, self.epochs), desc=self.name,
                       unit="epoch", mininterval=1.0, dynamic_ncols=True)
        start = time.perf_counter()
        done = first - 1
        try:
            for epoch in range(first, self.epochs + 1):
                t0 = time.perf_counter()
                bare.train()
                train = self._run_epoch(net, epoch, info, device)
                if self.scheduler is not None:
                    self.scheduler.step()
                epoch_s = time.perf_counter() - t0
                done = epoch
                elapsed = time.perf_counter() - start
                stop = elapsed > self.time_limit_s
                if info.world_size > 1:  # rank 0's clock decides for everyone
                    flag = [stop]
                    dist.broadcast_object_list(flag, src=0)
                    stop = flag[0]
                last = epoch == self.epochs or stop
                if epoch % self.eval_every == 0 or last:
                    record = {"epoch": epoch, **train}
                    evaluated = [None]
                    if self.evaluate is not None and info.is_main:
                        evaluated = [dict(self.evaluate(bare))]
                    if self.evaluate is not None and info.world_size > 1:
                        dist.broadcast_object_list(evaluated, src=0)
                    record.update(evaluated[0] or {})
                    record["time_s"] = round(prior_s + elapsed, 2)
                    record["epoch_s"] = round(epoch_s, 4)
                    history.append(record)
                    if self._better(record, best):
                        best = {"epoch": epoch, "record": record,
                                "state": copy.deepcopy(bare.state_dict())}
                    if bar is not None:
                        shown = {k: _fmt(v) for k, v in record.items() if k not in (
                            "epoch", "time_s", "epoch_s") and isinstance(v, (int, float))
                            and not (isinstance(v, float) and math.isnan(v))}
                        if self.select is not None and best["record"] is not None:
                            shown["best"] = _fmt(best["record"][self.select[0]])
                        bar.set_postfix(shown, refresh=False)
                    if self.checkpoint is not None:
                        save_checkpoint(self.checkpoint, self._state(
                            epoch, history, best,
                            segments + [_segment(here, first, epoch, elapsed)],
                            prior_s + elapsed, init_from, info))
                if bar is not None:
                    bar.update(1)
                if last:
                    break
        finally:
            if bar is not None:
                bar.close()
        wall = time.perf_counter() - start
        segments = segments + [_segment(here, first, done, wall)]
        if self.select is not None:
            bare.load_state_dict(best["state"])
        return {
            "name": self.name,
            "epochs_run": done,
            "best_epoch": best["epoch"],
            "best": best["record"],
            "train_time_s": round(prior_s + wall, 1),
            "history": history,
            "segments": segments,
            "config": self.config,
            "parameters": sum(p.numel() for p in bare.parameters()),
            "init_from": None if init_from is None else str(init_from),
            "resumed_from_epoch": None if self.resume is None else first - 1,
            "device": (torch.cuda.get_device_name(device) if device.type == "cuda"
                       else device.type.upper()),
            "world_size": info.world_size,
            "torch_threads": torch.get_num_threads(),
        }

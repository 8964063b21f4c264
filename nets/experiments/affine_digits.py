r"""Affine digits: train on untransformed digits, test on affinely transformed copies (affNIST).

Models (:data:`MODELS`): affine-equivariant CNNs over ``R² ⋊ H`` for H = SL(2) (``sl2``), GL+(2)
(``gl2``), SO(2) (``so2``) and rotation-scaling (``rs2``); a plain CNN of similar size (``cnn``),
and the same CNN trained with random affine augmentation drawn from the test transformations'
own law (``cnn-augmented``, the strongest baseline one can give a plain CNN).

Data: scikit-learn's digits centred in 40x40 (:func:`nets.data.affine.load_affine_digits`), test
copies transformed with affNIST's ranges (:func:`nets.data.affine.random_affine`), and a sweep of
the transformation magnitude; or, with ``data="affnist"``, MNIST centred in 40x40 for training and
the affNIST test set from the user's files (:mod:`nets.data.affnist`).

Every run trains for a fixed number of epochs and is scored at its last epoch (no selection on the
test sets). For the equivariant models the logit invariance error under random affine
transformations is measured against the number of group samples ``S``
(:func:`equivariance_curve`), next to its interpolation floor: the error that remains when the
group samples are moved with the input (:func:`interpolation_floor`).

Outputs under ``OUT/nets/affine/``: ``metrics.json``, ``table.md``, ``accuracy_vs_magnitude.png``
and ``equivariance_vs_samples.png``.
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from liegeom import SL, SO, GLPlus, act_image
from liegeom.testing import equivariance_error

from ..affine import (
    AffineEquivariantCNN,
    GroupSampler,
    GroupSamples,
    PlainCNN,
    recalibrate_batchnorm,
)
from ..data.affine import load_affine_digits, random_affine, transform_images
from .harness import Trainer, results_table, seed_everything, write_json

__all__ = ["MODELS", "AffineConfig", "build_model", "load_task", "train_model",
           "equivariance_curve", "interpolation_floor", "run_affine_digits",
           "PUBLISHED_AFFNIST"]

MODELS = ("sl2", "gl2", "so2", "rs2", "cnn", "cnn-augmented")
#: Test accuracy (%) on affNIST after training on untransformed MNIST (REFERENCES).
PUBLISHED_AFFNIST = {"InvarLayer (Li et al. 2024)": 98.45, "RU-CapsNet": 97.69,
                     "affConv (MacDonald et al. 2022)": 95.08}


def _group(name: str):
    if name == "rs2":
        from liegeom import RotationScaling

        return RotationScaling(2)
    return {"sl2": SL(2), "gl2": GLPlus(2), "so2": SO(2)}[name]


@dataclass
class AffineConfig:
    """Settings of :func:`run_affine_digits` (the command line's options)."""

    models: tuple = ("sl2", "gl2", "cnn", "cnn-augmented")
    seeds: int = 3
    epochs: int = 20
    batch_size: int = 64
    lr: float = 3e-3
    n_samples: int = 4
    eval_samples: int = 8
    recalibration_batches: int = 8
    channels: tuple = (12, 12, 12)
    cnn_channels: tuple = (24, 24, 24)
    kernel_sizes: tuple = (7, 5, 5)
    spread: float = 0.25
    rotation: float | None = math.pi / 6
    hidden: int = 32
    kernel: str = "rbf"
    test_copies: int = 5
    magnitudes: tuple = (0.0, 0.5, 1.0, 1.5, 2.0)
    sweep_copies: int = 2
    sample_counts: tuple = (2, 4, 8, 16, 32)
    equivariance_inputs: int = 64
    data: str = "digits"
    mnist_dir: str | None = None
    affnist_dir: str | None = None
    affnist_order: str = "C"
    train_limit: int | None = None
    test_limit: int | None = None
    device: str = "cpu"
    out: str = "out"
    progress: bool = True
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        bad = [m for m in self.models if m not in MODELS]
        if bad or not self.models:
            raise ValueError(f"expected models among {MODELS}, got {list(self.models)}")
        if self.data not in ("digits", "affnist"):
            raise ValueError(f"expected data 'digits' or 'affnist', got {self.data!r}")
        if self.data == "affnist" and (self.mnist_dir is None or self.affnist_dir is None):
            raise ValueError("data='affnist' needs mnist_dir (MNIST IDX files) and affnist_dir "
                             "(affNIST .mat files)")


def build_model(name: str, cfg: AffineConfig, seed: int = 0) -> nn.Module:
    """The network ``name`` (one of :data:`MODELS`) with the sizes of ``cfg``."""
    if name in ("cnn", "cnn-augmented"):
        return PlainCNN(channels=cfg.cnn_channels, kernel_sizes=cfg.kernel_sizes)
    return AffineEquivariantCNN(_group(name), channels=cfg.channels,
                                kernel_sizes=cfg.kernel_sizes, n_samples=cfg.n_samples,
                                eval_samples=cfg.eval_samples,
                                spread=cfg.spread, rotation=cfg.rotation, hidden=cfg.hidden,
                                kernel=cfg.kernel, seed=seed)


@dataclass
class Task:
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    x_transformed: Tensor
    y_transformed: Tensor
    sweep: dict  # magnitude -> (x, y)
    source: str


def _transformed(x, y, copies, magnitude, seed):
    gen = torch.Generator().manual_seed(seed)
    xs = x.repeat(copies, 1, 1, 1)
    out, _ = transform_images(xs, random_affine(len(xs), magnitude, generator=gen),
                              generator=gen)
    return out, y.repeat(copies)


def load_task(cfg: AffineConfig) -> Task:
    """Training images, the untransformed and transformed test sets, and the magnitude sweep."""
    if cfg.data == "affnist":
        from ..data.affnist import load_affnist, pad_mnist
        from ..data.mnist import load_mnist

        x_tr, y_tr = load_mnist(cfg.mnist_dir, train=True)
        x_te, y_te = load_mnist(cfg.mnist_dir, train=False)
        x_tr, y_tr = pad_mnist(x_tr)[:cfg.train_limit], y_tr[:cfg.train_limit]
        x_te, y_te = pad_mnist(x_te)[:cfg.test_limit], y_te[:cfg.test_limit]
        x_af, y_af = load_affnist(cfg.affnist_dir, "test", limit=cfg.test_limit,
                                  order=cfg.affnist_order)
        source = f"MNIST ({cfg.mnist_dir}) -> affNIST test ({cfg.affnist_dir})"
    else:
        d = load_affine_digits()
        x_tr, y_tr, x_te, y_te = d.x_train, d.y_train, d.x_test, d.y_test
        x_af, y_af = _transformed(x_te, y_te, cfg.test_copies, 1.0, seed=1234)
        source = "scikit-learn digits in 40x40, affNIST ranges"
    sweep = {m: _transformed(x_te, y_te, cfg.sweep_copies, m, seed=5678 + i)
             for i, m in enumerate(cfg.magnitudes)}
    return Task(x_tr, y_tr, x_te, y_te, x_af, y_af, sweep, source)


@torch.no_grad()
def accuracy(model: nn.Module, x: Tensor, y: Tensor, batch: int = 256) -> float:
    """Top-1 accuracy (%) in evaluation mode."""
    model.eval()
    device = next(model.parameters()).device
    hits = 0
    for i in range(0, len(x), batch):
        hits += int((model(x[i:i + batch].to(device)).argmax(-1).cpu() == y[i:i + batch]).sum())
    return 100.0 * hits / max(len(x), 1)


def train_model(name: str, seed: int, task: Task, cfg: AffineConfig) -> dict:
    """Train one model; return its metrics (accuracies at the last epoch, cost, history)."""
    gen = seed_everything(seed)
    model = build_model(name, cfg, seed=seed)
    augment = name == "cnn-augmented"
    x, y = task.x_train, task.y_train
    n = len(x)

    def batches(epoch):
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, cfg.batch_size):
            j = order[i:i + cfg.batch_size]
            xb = x[j]
            if augment:
                xb, _ = transform_images(xb, random_affine(len(j), 1.0, generator=gen,
                                                           dtype=torch.float64), generator=gen)
            yield xb, y[j]

    def step(m, batch):
        xb, yb = batch
        logits = m(xb)
        return {"loss": F.cross_entropy(logits, yb),
                "train_acc": float((logits.argmax(-1) == yb).float().mean())}

    def evaluate(m):
        _recalibrate(m, x, cfg.batch_size, 2)
        return {"test_acc": accuracy(m, task.x_test, task.y_test),
                "transformed_acc": accuracy(m, task.x_transformed[:1000],
                                            task.y_transformed[:1000])}

    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(cfg.epochs, 1))
    trainer = Trainer(model, optimizer, step=step, batches=batches, epochs=cfg.epochs,
                      evaluate=evaluate, select=None, eval_every=max(cfg.epochs // 6, 1),
                      scheduler=scheduler, generator=gen, name=f"{name} s{seed}",
                      config={"model": name, "seed": seed}, progress=cfg.progress,
                      device=cfg.device)
    run = trainer.fit()
    model = trainer.model
    _recalibrate(model, x, cfg.batch_size, cfg.recalibration_batches)
    out = {"model": name, "seed": seed, "parameters": sum(p.numel() for p in model.parameters()),
           "test_acc": accuracy(model, task.x_test, task.y_test),
           "transformed_acc": accuracy(model, task.x_transformed, task.y_transformed),
           "sweep": {str(m): accuracy(model, *task.sweep[m]) for m in task.sweep},
           "seconds_per_epoch": run["train_time_s"] / max(run["epochs_run"], 1),
           "history": run["history"]}
    if name not in ("cnn", "cnn-augmented"):
        xs = task.x_test[:cfg.equivariance_inputs]
        out["equivariance"] = equivariance_curve(model, xs, cfg.sample_counts,
                                                 calibration=x[:128])
        out["interpolation_floor"] = interpolation_floor(model, xs)
    else:
        out["equivariance"] = [{"samples": None, **_invariance(model, task.x_test[
            :cfg.equivariance_inputs])}]
    return out


def _recalibrate(model, x, batch_size, n_batches):
    """Batch-norm statistics from the first training images, with the evaluation samples
    (:func:`nets.affine.recalibrate_batchnorm`); a no-op for the plain CNNs' fixed kernels
    beyond replacing the running averages by exact ones."""
    device = next(model.parameters()).device
    chunks = [x[i:i + batch_size].to(device) for i in range(0, min(len(x), n_batches * batch_size),
                                                          batch_size)]
    recalibrate_batchnorm(model, chunks)


def _elements(n: int, seed: int) -> Tensor:
    """Random affine elements with affNIST's linear ranges and small translations, [n, 3, 3]."""
    gen = torch.Generator().manual_seed(seed)
    g = torch.zeros(n, 3, 3, dtype=torch.float64)
    g[:, :2, :2] = random_affine(n, 1.0, generator=gen)
    g[:, :2, 2] = 0.1 * (2 * torch.rand(n, 2, generator=gen, dtype=torch.float64) - 1)
    g[:, 2, 2] = 1.0
    return g


def _invariance(model, x, seed: int = 99) -> dict:
    g = _elements(len(x), seed).to(x.dtype)
    model.eval()
    with torch.no_grad():
        err = equivariance_error(model, act_image, lambda g_, y_: y_, x, g)
    return {"error": float(err.mean()), "se": float(err.std() / math.sqrt(len(err)))}


def equivariance_curve(model: AffineEquivariantCNN, x: Tensor, counts,
                       calibration: Tensor | None = None) -> list[dict]:
    """Logit invariance error (:func:`liegeom.testing.equivariance_error`) under random affine
    transformations for each number of evaluation samples in ``counts`` (the trained kernels
    with a fresh fixed sample set of that size; with ``calibration`` images, the batch-norm
    statistics are re-estimated for each sample set and restored afterwards)."""
    original = model.sampler
    saved = copy.deepcopy(model.state_dict())
    rows = []
    try:
        for s in counts:
            model.sampler = GroupSampler(original.group, s, proposal=original.proposal,
                                         seed=original.seed).to(original.eval_h).eval()
            if calibration is not None:
                recalibrate_batchnorm(model, calibration.split(64))
            rows.append({"samples": s, **_invariance(model, x)})
    finally:
        model.sampler = original
        model.load_state_dict(saved)
        model.eval()
    return rows


def interpolation_floor(model: AffineEquivariantCNN, x: Tensor, seed: int = 99,
                        elements: Tensor | None = None) -> dict:
    """The invariance error left when the group samples move with the input: for each input
    ``x_i`` and element ``g_i = (t_i, A_i)``, ``model(g_i·x_i)`` with samples ``{h_s}`` against
    ``model(x_i)`` with samples ``{A_i⁻¹ h_s}`` (the same weights). In the continuum the two are
    equal; what remains is resampling the image and the kernels on pixel grids (zero for
    elements that map the pixel grid to itself). ``elements``: ``[N, 3, 3]`` instead of random
    ones."""
    g = (_elements(len(x), seed) if elements is None else elements).to(x.dtype)
    model.eval()
    s = model.sampler()
    errs = []
    with torch.no_grad():
        for i in range(len(x)):
            moved = GroupSamples(torch.linalg.solve(g[i, :2, :2], s.h), s.log_weight)
            lhs = _forward(model, act_image(g[i], x[i:i + 1]), s)
            rhs = _forward(model, x[i:i + 1], moved)
            errs.append(float((lhs - rhs).norm() / (lhs.norm() + rhs.norm())))
    t = torch.tensor(errs)
    return {"error": float(t.mean()), "se": float(t.std() / math.sqrt(len(t)))}


def _forward(model: AffineEquivariantCNN, x: Tensor, samples: GroupSamples) -> Tensor:
    y = F.relu(model.norms[0](model.lift(x, samples)))
    for conv, norm in zip(model.convs, model.norms[1:]):
        y = F.relu(norm(conv(F.avg_pool3d(y, (1, 2, 2)), samples)))
    return model.head(model.pool(y))


def _mean_sd(values):
    values = list(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), sd


def summary(runs: list[dict]) -> list[dict]:
    """One row per model: mean and standard deviation over seeds."""
    rows = []
    for name in dict.fromkeys(r["model"] for r in runs):
        rs = [r for r in runs if r["model"] == name]
        row = {"model": name, "seeds": len(rs), "parameters": rs[0]["parameters"],
               "seconds_per_epoch": statistics.fmean(r["seconds_per_epoch"] for r in rs)}
        for key in ("test_acc", "transformed_acc"):
            row[key], row[key + "_sd"] = _mean_sd(r[key] for r in rs)
        row["sweep"] = {m: _mean_sd(r["sweep"][m] for r in rs) for m in rs[0]["sweep"]}
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    pm = lambda key: (lambda r: f"{r[key]:.2f} ± {r[key + '_sd']:.2f}")
    return results_table(rows, [
        "model", ("seeds", "seeds"), ("parameters", "parameters"),
        ("untransformed test acc (%)", pm("test_acc")),
        ("transformed test acc (%)", pm("transformed_acc")),
        ("s / epoch", "seconds_per_epoch", ".1f")])


def figures(runs: list[dict], rows: list[dict], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    for i, row in enumerate(rows):
        ms = sorted(row["sweep"], key=float)
        mean = [row["sweep"][m][0] for m in ms]
        sd = [row["sweep"][m][1] for m in ms]
        xs = [float(m) for m in ms]
        ax.errorbar(xs, mean, yerr=sd, marker="o", ms=3, capsize=2, color=f"C{i}",
                    label=row["model"])
    ax.set(xlabel="transformation magnitude (1 = affNIST's ranges)", ylabel="test accuracy (%)",
           title="affine digits: trained on untransformed digits")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "accuracy_vs_magnitude.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    for i, name in enumerate(dict.fromkeys(r["model"] for r in runs)):
        rs = [r for r in runs if r["model"] == name]
        curve = rs[0]["equivariance"]
        if curve[0]["samples"] is None:
            ax.axhline(statistics.fmean(r["equivariance"][0]["error"] for r in rs),
                       color=f"C{i}", ls="--", lw=1, label=f"{name} (no group samples)")
            continue
        s = [c["samples"] for c in curve]
        err = [statistics.fmean(r["equivariance"][k]["error"] for r in rs)
               for k in range(len(s))]
        ax.plot(s, err, marker="o", ms=3, color=f"C{i}", label=name)
        floor = statistics.fmean(r["interpolation_floor"]["error"] for r in rs)
        ax.axhline(floor, color=f"C{i}", ls=":", lw=1)
    if s := [c["samples"] for c in runs[0]["equivariance"] if c["samples"]]:
        ref = [0.5 * (s[0] / v) ** 0.5 for v in s]
        ax.plot(s, ref, color="gray", lw=0.8, ls="-.", label="∝ 1/√S")
    ax.set(xscale="log", yscale="log", xlabel="group samples S at evaluation",
           ylabel="relative logit invariance error",
           title="invariance under affNIST transformations (dotted: interpolation floor)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(folder / "equivariance_vs_samples.png", dpi=120)
    plt.close(fig)


def _write(cfg, task, runs, folder, t0):
    rows = summary(runs)
    text = table(rows)
    metrics = {"config": asdict(cfg), "data": task.source, "summary": rows, "runs": runs,
               "published_affnist": PUBLISHED_AFFNIST,
               "wall_seconds": time.perf_counter() - t0}
    write_json(folder / "metrics.json", metrics)
    (folder / "table.md").write_text(text)
    figures(runs, rows, folder)
    return metrics, text


def run_affine_digits(cfg: AffineConfig) -> dict:
    """Train every model of ``cfg`` for every seed; write metrics, table and figures."""
    folder = Path(cfg.out) / "nets" / "affine"
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    task = load_task(cfg)
    runs = []
    for name in cfg.models:
        for seed in range(cfg.seeds):
            run = train_model(name, seed, task, cfg)
            runs.append(run)
            print(f"[affine-digits] {name:14s} seed {seed}: untransformed "
                  f"{run['test_acc']:.2f}%, transformed {run['transformed_acc']:.2f}% "
                  f"({run['seconds_per_epoch']:.1f} s/epoch)", flush=True)
            metrics, text = _write(cfg, task, runs, folder, t0)  # a long run keeps what it has
    print(text, end="")
    print(f"[affine-digits] wrote {folder}/metrics.json, table.md and two figures in "
          f"{metrics['wall_seconds']:.0f} s", flush=True)
    return metrics

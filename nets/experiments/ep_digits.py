r"""Equilibrium propagation with and without weight symmetry on scikit-learn's digits
(``nets train ep-digits`` and the EP part of ``nets demo``).

One 64-H-10 equilibrium network architecture is trained with: symmetric EP (``sym-ep``),
asymmetric EP with the feedback at 90 degrees to the transposed feedforward weights without and
with Jacobian homeostasis (``asym-ep``, ``asym-ep+homeo``), and the exact gradient of the same
asymmetric network by recurrent backprop (``asym-rbp``); a plain feedforward MLP trained by
backprop (``ff-bp``) is listed for reference. Each run goes through
:func:`nets.ep.training.train` on the shared :class:`~nets.experiments.harness.Trainer`.
:func:`run_ep_digits` writes ``metrics.json``, ``table.md`` (this run's variants) and
``alignment.png`` under ``OUT/nets/ep/``.

Examples
--------
>>> sorted(VARIANTS)
['asym-ep', 'asym-ep+homeo', 'asym-rbp', 'ff-bp', 'sym-ep']
>>> print(table([{"variant": "ff-bp", "test_acc": (95.0, 0.5), "seconds_per_epoch": 0.1}])
...       .splitlines()[-1])
| ff-bp | 95.00 ± 0.50 | — | — | — | — | 0.10 |
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

import torch

from .harness import results_table, write_json

__all__ = ["VARIANTS", "run_one", "summary", "table", "figure", "run_ep_digits"]

#: name -> (symmetric network, estimator kind, homeostasis on)
VARIANTS = {
    "sym-ep": (True, "ep", False),
    "asym-ep": (False, "ep", False),
    "asym-ep+homeo": (False, "ep", True),
    "asym-rbp": (False, "rbp", False),
    "ff-bp": (None, "bp", False),
}


def run_one(name: str, seed: int, data, solver, *, epochs: int, hidden: int, batch_size: int,
            lr: float, clip: float, beta: float, homeostasis: float, logit_scale: float,
            progress: bool = True) -> dict:
    """Train variant ``name`` with seed ``seed``; the metrics of
    :func:`nets.ep.training.train`."""
    from ..ep import GeneralizedEP, MLPEPNetwork, RecurrentBackprop
    from ..ep.training import TrainConfig, feedforward_mlp, train

    if name not in VARIANTS:
        raise ValueError(f"expected a variant in {list(VARIANTS)}, got {name!r}")
    symmetric, kind, homeo = VARIANTS[name]
    gen = torch.Generator().manual_seed(1000 + seed)
    sizes = (64, hidden, 10)
    cfg = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, clip=clip,
                      homeostasis=homeostasis if homeo else 0.0, seed=seed, progress=progress)
    if kind == "bp":
        model = feedforward_mlp(sizes, activation="sigmoid", generator=gen, dtype=torch.float64)
        return train(model, data, cfg, label=f"{name} s{seed}")
    net = MLPEPNetwork(sizes, symmetric=symmetric, alpha=0.0 if symmetric else math.pi / 2,
                       activation="sigmoid", logit_scale=logit_scale, generator=gen,
                       dtype=torch.float64)
    est = (GeneralizedEP(beta, centred=True, config=solver) if kind == "ep"
           else RecurrentBackprop(solver))
    return train(net, data, cfg, est, solver, label=f"{name} s{seed}")


def _mean_std(values):
    values = [v for v in values if v == v]
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summary(results: dict) -> list[dict]:
    """One row per variant: mean and spread over seeds of the final test accuracy and, for the
    equilibrium networks, of the alignment diagnostics."""
    rows = []
    for name, runs in results.items():
        finals = [r["final"] for r in runs]
        acc = _mean_std([f["test_acc"] for f in finals])
        row = {"variant": name, "test_acc": acc, "seeds": len(runs),
               "seconds_per_epoch": _mean_std([statistics.fmean(h["seconds"] for h in r["history"])
                                               for r in runs])[0]}
        if "cos_all" in finals[0]:
            row["cos_all"] = _mean_std([f["cos_all"] for f in finals])
            row["cos_hidden"] = _mean_std([f["cos_layers"][0] for f in finals])
            row["sym_share"] = _mean_std([f["sym_share"] for f in finals])
            row["angle_deg"] = _mean_std([f["angles_deg"][0] for f in finals])
        rows.append(row)
    return rows


def _pm(key, digits):
    def cell(row):
        ms = row.get(key)
        return None if ms is None else f"{ms[0]:.{digits}f} ± {ms[1]:.{digits}f}"

    return cell


def table(rows: list[dict]) -> str:
    """Markdown table of :func:`summary` rows ("—" where a variant has no such diagnostic)."""
    return results_table(rows, [
        "variant", ("test acc (%)", _pm("test_acc", 2)), ("cos(δ, λ) all", _pm("cos_all", 4)),
        ("cos(δ, λ) hidden", _pm("cos_hidden", 4)), ("sym. share of J", _pm("sym_share", 3)),
        ("ff/fb angle (°)", _pm("angle_deg", 1)), ("s/epoch", "seconds_per_epoch", ".2f"),
    ]).rstrip("\n")


def figure(results: dict, path) -> None:
    """Alignment of the hidden layer with the exact adjoint, and test accuracy, per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, runs in results.items():
        acc = np.array([[h["test_acc"] for h in r["history"]] for r in runs])
        epochs = np.arange(1, acc.shape[1] + 1)
        axes[1].plot(epochs, acc.mean(0), label=name)
        if "cos_layers" in runs[0]["history"][0] and name != "asym-rbp":
            cos = np.array([[h["cos_layers"][0] for h in r["history"]] for r in runs])
            axes[0].plot(epochs, cos.mean(0), label=name)
            axes[0].fill_between(epochs, cos.min(0), cos.max(0), alpha=0.2)
    axes[0].set(xlabel="epoch", ylabel="cos(δ, λ), hidden layer", title="alignment with the "
                "exact adjoint")
    axes[1].set(xlabel="epoch", ylabel="test accuracy (%)", title="digits, test set")
    for ax in axes:
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_ep_digits(out: str | Path = "out", *, variants=None, seeds: int = 3, epochs: int = 30,
                  hidden: int = 128, batch_size: int = 128, lr: float = 1e-2, clip: float = 1.0,
                  beta: float = 0.05, homeostasis: float = 50.0, logit_scale: float = 4.0,
                  dt: float = 0.5, tol: float = 1e-6, max_iter: int = 5000, threads: int = 1,
                  progress: bool = True, subdir: str = "") -> dict:
    """Run the experiment of the module docstring for ``variants`` (default: all) and
    ``seeds`` seeds each; write ``metrics.json``, ``table.md`` and ``alignment.png`` under
    ``OUT/nets/ep/SUBDIR``; return the metrics."""
    from ..data.digits import load_digits_split
    from ..ep import SolverConfig

    variants = list(VARIANTS) if not variants else list(variants)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"expected variants in {list(VARIANTS)}, got {unknown}")
    for label, value in (("seeds", seeds), ("epochs", epochs), ("hidden", hidden),
                         ("batch_size", batch_size), ("max_iter", max_iter)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"expected {label} as an integer >= 1, got {value!r}")
    settings = {"variants": variants, "seeds": seeds, "epochs": epochs, "hidden": hidden,
                "batch_size": batch_size, "lr": lr, "clip": clip, "beta": beta,
                "homeostasis": homeostasis, "logit_scale": logit_scale, "dt": dt, "tol": tol,
                "max_iter": max_iter, "threads": threads}
    folder = Path(out) / "nets" / "ep" / subdir
    folder.mkdir(parents=True, exist_ok=True)
    if threads:
        torch.set_num_threads(threads)
    data = load_digits_split(dtype=torch.float64)
    solver = SolverConfig(dt=dt, tol=tol, max_iter=max_iter)
    results = {}
    t0 = time.perf_counter()
    for name in variants:
        results[name] = []
        for seed in range(seeds):
            run = run_one(name, seed, data, solver, epochs=epochs, hidden=hidden,
                          batch_size=batch_size, lr=lr, clip=clip, beta=beta,
                          homeostasis=homeostasis, logit_scale=logit_scale, progress=progress)
            results[name].append(run)
            f = run["final"]
            extra = f"  cos {f['cos_all']:.4f} (hidden {f['cos_layers'][0]:.4f})" if (
                "cos_all" in f) else ""
            print(f"[ep-digits] {name:14s} seed {seed}: test acc {f['test_acc']:.2f}%{extra}  "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    rows = summary(results)
    text = table(rows)
    metrics = {"settings": settings, "summary": rows, "runs": results,
               "wall_seconds": time.perf_counter() - t0}
    write_json(folder / "metrics.json", metrics)
    (folder / "table.md").write_text(text + "\n")
    figure(results, folder / "alignment.png")
    print(text)
    print(f"[ep-digits] wrote {folder}/metrics.json, table.md, alignment.png "
          f"in {metrics['wall_seconds']:.0f} s")
    return metrics

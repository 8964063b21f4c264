"""``nets train ep-digits`` and the EP part of ``nets demo``.

The experiment trains one 64-H-10 equilibrium network architecture on scikit-learn's digits
with: symmetric EP, asymmetric EP (feedback at alpha = 90 degrees) without and with Jacobian
homeostasis, and the exact gradient of the same asymmetric network (recurrent backprop); a
plain feedforward MLP trained by backprop is listed for reference. It writes ``metrics.json``,
``table.md`` and ``alignment.png`` under ``OUT/nets/ep/``.
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

__all__ = ["demo", "register_train", "run_ep_digits"]

#: name -> (symmetric network, estimator kind, homeostasis on)
VARIANTS = {
    "sym-ep": (True, "ep", False),
    "asym-ep": (False, "ep", False),
    "asym-ep+homeo": (False, "ep", True),
    "asym-rbp": (False, "rbp", False),
    "ff-bp": (None, "bp", False),
}


def _run_one(name, seed, data, args, solver):
    import torch

    from nets.ep import GeneralizedEP, MLPEPNetwork, RecurrentBackprop
    from nets.ep.training import TrainConfig, feedforward_mlp, train

    symmetric, kind, homeo = VARIANTS[name]
    gen = torch.Generator().manual_seed(1000 + seed)
    sizes = (64, args.hidden, 10)
    cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                      clip=args.clip, homeostasis=args.homeostasis if homeo else 0.0,
                      seed=seed, progress=not args.no_progress)
    if kind == "bp":
        model = feedforward_mlp(sizes, activation="sigmoid", generator=gen, dtype=torch.float64)
        return train(model, data, cfg, label=f"{name} s{seed}")
    net = MLPEPNetwork(sizes, symmetric=symmetric, alpha=0.0 if symmetric else math.pi / 2,
                       activation="sigmoid", logit_scale=args.logit_scale, generator=gen,
                       dtype=torch.float64)
    est = (GeneralizedEP(args.beta, centred=True, config=solver) if kind == "ep"
           else RecurrentBackprop(solver))
    return train(net, data, cfg, est, solver, label=f"{name} s{seed}")


def _mean_std(values):
    values = [v for v in values if v == v]
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _summary(results):
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


def _fmt(ms, digits):
    return "—" if ms is None else f"{ms[0]:.{digits}f} ± {ms[1]:.{digits}f}"


def _table(rows) -> str:
    lines = ["| variant | test acc (%) | cos(δ, λ) all | cos(δ, λ) hidden | sym. share of J "
             "| ff/fb angle (°) | s/epoch |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {_fmt(r['test_acc'], 2)} | {_fmt(r.get('cos_all'), 4)} | "
            f"{_fmt(r.get('cos_hidden'), 4)} | {_fmt(r.get('sym_share'), 3)} | "
            f"{_fmt(r.get('angle_deg'), 1)} | {r['seconds_per_epoch']:.2f} |"
        )
    return "\n".join(lines)


def _figure(results, path):
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
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_ep_digits(args) -> dict:
    """Run the experiment described in the module docstring; return the metrics dict."""
    import torch

    from nets.data.digits import load_digits_split
    from nets.ep import SolverConfig
    from nets.ep.training import save_metrics

    out = Path(args.out) / "nets" / "ep" / getattr(args, "subdir", "")
    out.mkdir(parents=True, exist_ok=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_digits_split(dtype=torch.float64)
    solver = SolverConfig(dt=args.dt, tol=args.tol, max_iter=args.max_iter)
    variants = args.variants or list(VARIANTS)
    results = {}
    t0 = time.perf_counter()
    for name in variants:
        results[name] = []
        for seed in range(args.seeds):
            run = _run_one(name, seed, data, args, solver)
            results[name].append(run)
            f = run["final"]
            extra = f"  cos {f['cos_all']:.4f} (hidden {f['cos_layers'][0]:.4f})" if (
                "cos_all" in f) else ""
            print(f"[ep-digits] {name:14s} seed {seed}: test acc {f['test_acc']:.2f}%{extra}  "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    rows = _summary(results)
    table = _table(rows)
    settings = {k: v for k, v in vars(args).items() if k != "func"}
    metrics = {"settings": settings, "summary": rows, "runs": results,
               "wall_seconds": time.perf_counter() - t0}
    save_metrics(metrics, out / "metrics.json")
    (out / "table.md").write_text(table + "\n")
    _figure(results, out / "alignment.png")
    print(table)
    print(f"[ep-digits] wrote {out}/metrics.json, table.md, alignment.png "
          f"in {metrics['wall_seconds']:.0f} s")
    return metrics


def _add_options(p, *, epochs, seeds, hidden):
    p.add_argument("--out", default="out", help="output root; files go to OUT/nets/ep/")
    p.add_argument("--seeds", type=int, default=seeds, help="seeds per variant")
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--hidden", type=int, default=hidden, help="hidden layer width")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate")
    p.add_argument("--clip", type=float, default=1.0, help="gradient-norm clip")
    p.add_argument("--beta", type=float, default=0.05, help="nudge for centred EP")
    p.add_argument("--homeostasis", type=float, default=50.0, help="homeostasis loss weight")
    p.add_argument("--logit-scale", type=float, default=4.0)
    p.add_argument("--dt", type=float, default=0.5, help="solver damping")
    p.add_argument("--tol", type=float, default=1e-6, help="solver tolerance on max |F|")
    p.add_argument("--max-iter", type=int, default=5000)
    p.add_argument("--threads", type=int, default=1, help="torch threads (0: torch default)")
    p.add_argument("--variants", nargs="*", choices=list(VARIANTS), default=None)
    p.add_argument("--no-progress", action="store_true", help="no tqdm bars")


def register_train(train_subparsers) -> None:
    """Add ``nets train ep-digits``."""
    p = train_subparsers.add_parser(
        "ep-digits", help="EP with/without weight symmetry and homeostasis vs backprop on digits")
    _add_options(p, epochs=30, seeds=3, hidden=128)
    p.set_defaults(func=lambda args: (run_ep_digits(args), 0)[1])


def demo(args) -> int:
    """EP part of ``nets demo``: one seed, a few epochs, under ``OUT/nets/ep/demo``."""
    import argparse

    quick = getattr(args, "quick", False)
    p = argparse.ArgumentParser()
    _add_options(p, epochs=2 if quick else 12, seeds=1, hidden=32 if quick else 64)
    ns = p.parse_args(["--out", args.out, "--no-progress"])
    ns.subdir = "demo"
    if quick:
        ns.variants = ["sym-ep", "asym-ep+homeo"]
    print(f"== nets demo: equilibrium propagation on digits ({'quick' if quick else 'short'}) ==")
    run_ep_digits(ns)
    return 0

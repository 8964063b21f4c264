"""Learning curves of the committed n-body runs (the README's figures), from their metrics files.

The FA-GNN chain was warm-started from the best weights of a 602-epoch run, so its epochs are
drawn after that run's: epoch 602 + k of the chain is its k-th epoch. Five figures:

- ``--out``: training and validation MSE of EGNN, the FA-GNN chain and its cosine sibling
  (log scale, published test MSEs dotted; ``nets.experiments.nbody.learning_curves``);
- ``--tail``: the chain's validation MSE after ``--tail-from`` epochs on a linear scale, with its
  median per ``--window`` epochs, where a slow fall is easier seen than on a log axis;
- ``--detach``: the run with detached hidden frames (``--detach-frames``, seed 0, from scratch
  and resumed) against the chain, epoch for epoch over the epochs it ran, with medians per
  ``--detach-window`` epochs, and their table (the chain's first 602 epochs are the run it was
  warm-started from, so from epoch 603 on it carries a fresh Adam state; the detached run does
  not);
- ``--origin``: the authors' output about the centroid (``--origin centroid``) against our
  residual output, both with detached frames and from scratch, one panel per seed (0 and 1: the
  same initial weights and batch order within a panel), epoch for epoch over the epochs both
  ran, with medians per ``--origin-window`` epochs after ``--origin-from`` and their tables;
- ``--replay``: EGNN and FA-GNN (detached frames; seeds 0, 1 and 2) trained, validated and tested
  on the replay of the EGNN authors' ``nbody_small`` (``--data egnn-small``): training and
  validation MSE (log scale, published test MSEs dotted) and, on a linear scale after
  ``--replay-from`` epochs, their validation MSE with its medians per ``--window`` epochs (also
  printed).

Usage: python benchmarks/nbody_curves.py [--results benchmarks/results]
       [--out FILE.png] [--tail FILE.png] [--detach FILE.png] [--origin FILE.png]
       [--replay FILE.png] [--replay-from N]
       [--tail-from N] [--window N] [--detach-from N] [--detach-window N]
       [--origin-from N] [--origin-window N]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

from nets.experiments.nbody import PUBLISHED_MSE, learning_curves, learning_curves_axes

BASE = "2026-11-27-cpu-fa-gnn-layerwise-48min.json"
EGNN = "2026-11-27-cpu-egnn-frames31-41.json"
CHAIN = "2026-11-27-fa-gnn-chain-to-epoch9398.json"
COSINE = "2026-11-27-cpu-fa-gnn-layerwise-continued-cosine.json"
DETACH = "2026-11-27-cpu-fa-gnn-detach-frames-continued.json"
#: seed -> (output about the centroid, residual output), both with detached frames; the residual
#: seed-0 run is DETACH
ORIGIN_PAIRS = {0: ("2026-11-27-cpu-fa-gnn-centroid-seed0.json", DETACH),
                1: ("2026-11-27-cpu-fa-gnn-centroid-seed1.json",
                    "2026-11-27-cpu-fa-gnn-detach-frames-seed1.json")}
#: runs trained, validated and tested on the replayed EGNN nbody_small (``--data egnn-small``)
#: (label: metrics file); a label other than the model's name gets no published line of its own
REPLAY = {"EGNN": "2026-11-28-cpu-egnn-egnn-small.json",
          "FA-GNN": "2026-11-28-cpu-fa-gnn-egnn-small.json",
          "FA-GNN, seed 1": "2026-11-29-cpu-fa-gnn-egnn-small-seed1.json",
          "FA-GNN, seed 2": "2026-11-29-cpu-fa-gnn-egnn-small-seed2.json"}


def after_warm_start(base: dict, run: dict, label: str, device: str) -> dict:
    """``run`` (warm-started from ``base``'s last weights) with its epochs counted on from
    ``base``'s and ``base``'s history in front."""
    if run.get("init_from") is None:
        raise ValueError(f"{label}: the metrics record no warm start; nothing to draw after")
    off = base["epochs_run"]
    hist = base["history"] + [{**h, "epoch": h["epoch"] + off} for h in run["history"]]
    return {**run, "model": label, "device": device, "history": hist,
            "epochs_run": off + run["epochs_run"]}


def validation_points(run: dict, start: int, stop: int | None = None) -> list[dict]:
    """The history entries of ``run`` with a validation MSE after epoch ``start`` (up to
    ``stop``)."""
    h = [e for e in run["history"]
         if start < e["epoch"] <= (math.inf if stop is None else stop) and "val_mse" in e]
    if not h:
        raise ValueError(f"{run['model']}: no validation points after epoch {start}")
    return h


def window_medians(run: dict, start: int, window: int, stop: int | None = None
                   ) -> list[tuple[int, float]]:
    """Median validation MSE of ``run`` per ``window`` epochs after epoch ``start`` (up to
    ``stop``), as (window end, median); whole windows only: a partial one would be a median of
    fewer points."""
    h = validation_points(run, start, stop)
    return [(lo + window, statistics.median(
        e["val_mse"] for e in h if lo < e["epoch"] <= lo + window))
        for lo in range(start, h[-1]["epoch"] - window + 1, window)]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def tail_figure(runs: list[dict], path: Path, start: int, window: int,
                stop: int | None = None) -> list[list[tuple[int, float]]]:
    """Validation MSE of each run after epoch ``start`` (up to ``stop``) on a linear scale, with
    its median per ``window`` epochs; returns the medians it draws, one list per run."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    out = tail_axes(ax, runs, start, window, stop)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return out


def tail_axes(ax, runs: list[dict], start: int, window: int, stop: int | None = None,
              first_color: int = 1) -> list[list[tuple[int, float]]]:
    """:func:`tail_figure` on the matplotlib axes ``ax``; run ``i`` is drawn in colour
    ``C{first_color + i}``, and so is its published test MSE where the runs' differ."""
    out = []
    for i, run in enumerate(runs):
        medians = window_medians(run, start, window, stop)
        h = validation_points(run, start, stop)
        color = f"C{first_color + i}"
        ax.plot([e["epoch"] for e in h], [e["val_mse"] for e in h], lw=0.5, color=color,
                alpha=0.5, label=f"{run['model']}: validation")
        ax.hlines([m[1] for m in medians], [m[0] - window for m in medians],
                  [m[0] for m in medians], color=color, lw=2,
                  label=f"{run['model']}: median per {window} epochs")
        out.append(medians)
    published = {PUBLISHED_MSE.get(r["model"]) for r in runs} - {None}
    if len(published) == 1:
        mse = published.pop()
        ax.axhline(mse, color="k", ls=":", lw=1, label=f"published test MSE {mse}")
    elif published:
        for i, run in enumerate(runs):
            if run["model"] in PUBLISHED_MSE:
                mse = PUBLISHED_MSE[run["model"]]
                ax.axhline(mse, color=f"C{first_color + i}", ls=":", lw=1,
                           label=f"{run['model']}: published test MSE {mse}")
    name = f"{runs[0]['model']} validation" if len(runs) == 1 else "validation"
    ax.set(xlabel="epoch", ylabel="validation MSE",
           title=f"{name} MSE after epoch {start} (linear scale)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return out


def compare(pairs: list[tuple[dict, dict]], path: Path, start: int, window: int) -> None:
    """One panel per (run, reference) pair: both drawn epoch for epoch over the epochs both ran
    (:func:`tail_axes`); print their medians per ``window`` epochs and the run's ratio to the
    reference."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(pairs), figsize=(6.4 * len(pairs), 3.2), squeeze=False)
    for k, (ax, (run, ref)) in enumerate(zip(axes[0], pairs)):
        stop = min(run["epochs_run"], ref["epochs_run"])
        ours, theirs = tail_axes(ax, [run, ref], start, window, stop)
        if len(pairs) > 1:
            ax.set_title(f"{run['model']} vs {ref['model']}", fontsize=9)
            if k:
                print()
        print(f"| epochs | {run['model']} | {ref['model']} | ratio |\n|---|---:|---:|---:|")
        for (end, a), (_, b) in zip(ours, theirs):
            print(f"| {end - window + 1}-{end} | {a:.5f} | {b:.5f} | {a / b:.3f} |")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    ap.add_argument("--out", type=Path, default=None, help="the learning-curves figure")
    ap.add_argument("--tail", type=Path, default=None, help="the chain's validation tail")
    ap.add_argument("--tail-from", type=int, default=2000)
    ap.add_argument("--window", type=int, default=400)
    ap.add_argument("--detach", type=Path, default=None,
                    help="the run with detached frames against the chain, epoch by epoch")
    ap.add_argument("--detach-from", type=int, default=200)
    ap.add_argument("--detach-window", type=int, default=200)
    ap.add_argument("--origin", type=Path, default=None,
                    help="output about the centroid against the residual, epoch by epoch")
    ap.add_argument("--origin-from", type=int, default=100)
    ap.add_argument("--origin-window", type=int, default=100)
    ap.add_argument("--replay", type=Path, default=None,
                    help="EGNN and FA-GNN trained on the replayed EGNN nbody_small")
    ap.add_argument("--replay-from", type=int, default=400)
    args = ap.parse_args(argv)
    if all(a is None for a in (args.out, args.tail, args.detach, args.origin, args.replay)):
        ap.error("nothing to draw: give --out, --tail, --detach, --origin or --replay")

    def load(name):
        return json.loads((args.results / name).read_text())

    base = load(BASE)
    chain = after_warm_start(base, load(CHAIN), "FA-GNN", "CPU, H200, CPU, H200, CPU")
    if args.out is not None:
        cosine = after_warm_start(base, load(COSINE), "FA-GNN, cosine after 602", "CPU")
        learning_curves([load(EGNN), chain, cosine], args.out)
        print(f"wrote {args.out}")
    if args.tail is not None:
        (medians,) = tail_figure([chain], args.tail, args.tail_from, args.window)
        for end, med in medians:
            print(f"epochs {end - args.window + 1}-{end}: median validation MSE {med:.5f}")
        print(f"wrote {args.tail}")
    if args.detach is not None:
        detach = {**load(DETACH), "model": "FA-GNN, frames detached"}
        compare([(detach, {**chain, "model": "FA-GNN (reference chain)"})], args.detach,
                args.detach_from, args.detach_window)
    if args.origin is not None:
        pairs = [({**load(cen), "model": f"output about the centroid, seed {seed}"},
                  {**load(res), "model": f"residual output, seed {seed}"})
                 for seed, (cen, res) in ORIGIN_PAIRS.items()]
        compare(pairs, args.origin, args.origin_from, args.origin_window)
    if args.replay is not None:
        runs = [{**load(name), "model": label} for label, name in REPLAY.items()]
        plt = _pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(12.8, 4.0))
        learning_curves_axes(axes[0], runs, "nbody_small replay")
        tail_axes(axes[1], runs, args.replay_from, args.window, first_color=0)
        fig.tight_layout()
        fig.savefig(args.replay, dpi=120)
        plt.close(fig)
        medians = [dict(window_medians(r, 0, args.window)) for r in runs]
        print("| epochs | " + " | ".join(REPLAY) + " |\n|---|" + "---:|" * len(runs))
        for end in sorted(set().union(*medians)):
            cells = " | ".join(f"{m[end]:.5f}" if end in m else "–" for m in medians)
            print(f"| {end - args.window + 1}–{end} | {cells} |")
        print(f"wrote {args.replay}")


if __name__ == "__main__":
    main()

"""Learning curves of the committed n-body runs (the README's figures), from their metrics files.

The FA-GNN chain was warm-started from the best weights of a 602-epoch run, so its epochs are
drawn after that run's: epoch 602 + k of the chain is its k-th epoch. Two figures:

- ``--out``: training and validation MSE of EGNN, the FA-GNN chain and its cosine sibling
  (log scale, published test MSEs dotted; ``nets._cmd_frames.learning_curves``);
- ``--tail``: the chain's validation MSE after ``--tail-from`` epochs on a linear scale, with its
  median per ``--window`` epochs, where a slow fall is easier seen than on a log axis.

Usage: python benchmarks/nbody_curves.py [--results benchmarks/results]
       [--out FILE.png] [--tail FILE.png]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from nets._cmd_frames import PUBLISHED_MSE, learning_curves

BASE = "2026-11-27-cpu-fa-gnn-layerwise-48min.json"
EGNN = "2026-11-27-cpu-egnn-frames31-41.json"
CHAIN = "2026-11-27-fa-gnn-chain-to-epoch9398.json"
COSINE = "2026-11-27-cpu-fa-gnn-layerwise-continued-cosine.json"


def after_warm_start(base: dict, run: dict, label: str, device: str) -> dict:
    """``run`` (warm-started from ``base``'s last weights) with its epochs counted on from
    ``base``'s and ``base``'s history in front."""
    if run.get("init_from") is None:
        raise ValueError(f"{label}: the metrics record no warm start; nothing to draw after")
    off = base["epochs_run"]
    hist = base["history"] + [{**h, "epoch": h["epoch"] + off} for h in run["history"]]
    return {**run, "model": label, "device": device, "history": hist}


def tail_figure(run: dict, path: Path, start: int, window: int) -> list[tuple[int, float]]:
    """Validation MSE of ``run`` after epoch ``start`` and its median per ``window`` epochs;
    returns the medians (window end, median) that it draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = [e for e in run["history"] if e["epoch"] > start and "val_mse" in e]
    if not h:
        raise ValueError(f"no validation points after epoch {start}")
    medians = []  # whole windows only: a partial one would be a median of fewer points
    for lo in range(start, h[-1]["epoch"] - window + 1, window):
        vals = [e["val_mse"] for e in h if lo < e["epoch"] <= lo + window]
        medians.append((lo + window, statistics.median(vals)))
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.plot([e["epoch"] for e in h], [e["val_mse"] for e in h], lw=0.5, color="C1", alpha=0.5,
            label=f"{run['model']}: validation")
    ax.step([m[0] for m in medians], [m[1] for m in medians], where="pre", color="C1", lw=2,
            label=f"median per {window} epochs")
    published = PUBLISHED_MSE.get(run["model"])
    if published is not None:
        ax.axhline(published, color="k", ls=":", lw=1, label=f"published test MSE {published}")
    ax.set(xlabel="epoch", ylabel="validation MSE",
           title=f"{run['model']} validation MSE after epoch {start} (linear scale)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return medians


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    ap.add_argument("--out", type=Path, default=None, help="the learning-curves figure")
    ap.add_argument("--tail", type=Path, default=None, help="the chain's validation tail")
    ap.add_argument("--tail-from", type=int, default=2000)
    ap.add_argument("--window", type=int, default=400)
    args = ap.parse_args(argv)
    if args.out is None and args.tail is None:
        ap.error("nothing to draw: give --out, --tail or both")

    def load(name):
        return json.loads((args.results / name).read_text())

    base = load(BASE)
    chain = after_warm_start(base, load(CHAIN), "FA-GNN", "CPU, H200, CPU, H200, CPU")
    if args.out is not None:
        cosine = after_warm_start(base, load(COSINE), "FA-GNN, cosine after 602", "CPU")
        learning_curves([load(EGNN), chain, cosine], args.out)
        print(f"wrote {args.out}")
    if args.tail is not None:
        for end, med in tail_figure(chain, args.tail, args.tail_from, args.window):
            print(f"epochs {end - args.window + 1}-{end}: median validation MSE {med:.5f}")
        print(f"wrote {args.tail}")


if __name__ == "__main__":
    main()

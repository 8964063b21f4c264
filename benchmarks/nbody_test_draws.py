"""Score saved n-body weights on several independent test draws, with bootstrap errors.

One 2000-simulation test set carries a standard deviation of about 7 % on the MSE (a few close
encounters dominate it), so a gap to a published number is only meaningful against that spread.
This scores the same weights on
  - ``task``: the test split of the training task (``NBodyParams()``, data seed 0);
  - ``seed:K``: a fresh 2000-simulation draw from our generator with data seed K >= 1 (seed 0
    would repeat the task's training simulations);
  - ``egnn-small``: the test split of the replayed EGNN ``nbody_small`` initial conditions
    (``egnn_reference_params()``, see ``nets.data.nbody``; also the task split of weights
    trained with ``--data egnn-small``),
and pools them (the pooled bootstrap resamples within each draw). Weights are a state dict
(``MODEL.pt``: the default model, residual output, default sizes; a state dict does not record
its configuration, so give ``--origin centroid`` runs as their checkpoint) or a checkpoint (its
best weights and its configuration: hidden width, layers, detached frames, origin).

Usage: python benchmarks/nbody_test_draws.py fa-gnn=PATH [egnn=PATH ...]
           [--draws task,seed:1,seed:2,egnn-small] [--out FILE.md] [--json FILE.json]
           [--figure FILE.png]
(generating a draw takes about a minute per 2000 simulations on one core; cached after that)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from nets.data.nbody import NBodyParams, egnn_reference_params, load_nbody
from nets.experiments.nbody import MODELS, PUBLISHED_MSE, build_model, sample_errors


def _draw(spec: str):
    if spec == "task":
        return "task (data seed 0)", load_nbody(NBodyParams(), progress=True).test
    if spec == "egnn-small":
        params = egnn_reference_params(n_train=0, n_val=0)
        return "EGNN nbody_small replay", load_nbody(params, progress=True).test
    if spec.startswith("seed:") and spec[5:].isdigit() and int(spec[5:]) >= 1:
        seed = int(spec[5:])
        params = NBodyParams(n_train=0, n_val=0, n_test=2000, seed=seed)
        return f"fresh draw (data seed {seed})", load_nbody(params, progress=True).test
    raise ValueError(f"expected a draw 'task', 'seed:K' (K >= 1) or 'egnn-small', got {spec!r}")


def _model(name: str, path: str):
    saved = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(saved, dict) and "best" in saved and "config" in saved:  # a checkpoint
        cfg = saved["config"]
        model = build_model(name, cfg["hidden"], cfg["layers"],
                            detach_frames=cfg.get("detach_frames", False),
                            origin=cfg.get("origin", "positions"))
        model.load_state_dict(saved["best"]["state"])
        return model
    model = build_model(name)
    model.load_state_dict(saved)
    return model


def _summary(groups: list[np.ndarray], rng) -> dict:
    """Mean over all simulations; bootstrap SD resampling within each group (draw)."""
    errors = np.concatenate(groups)
    boot = [np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups]).mean()
            for _ in range(1000)]
    tail = np.sort(errors)[::-1][: max(len(errors) // 20, 1)]
    return {"mse": float(errors.mean()), "bootstrap_sd": float(np.std(boot)),
            "top5pct_share": float(tail.sum() / errors.sum()), "n": int(len(errors))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights", nargs="+", metavar="MODEL=PATH")
    ap.add_argument("--draws", default="task,seed:1,seed:2,egnn-small")
    ap.add_argument("--out", default=None, help="also write the markdown table here")
    ap.add_argument("--json", default=None, help="also write the numbers here")
    ap.add_argument("--figure", default=None, help="also draw the draws and the published MSEs")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    models = []
    for spec in args.weights:
        name, sep, path = spec.partition("=")
        if not sep:
            ap.error(f"expected MODEL=PATH, got {spec!r}")
        model = _model(name, path)
        models.append((name, path, model))
    specs = args.draws.split(",")
    if len(set(specs)) != len(specs):
        ap.error(f"expected distinct draws, got {args.draws!r}")
    draws = [_draw(s) for s in specs]
    results, lines = [], []
    head = "| weights | " + " | ".join(label for label, _ in draws) + " | pooled |"
    lines += [head, "|---|" + "---:|" * (len(draws) + 1)]
    for name, path, model in models:
        per = {label: sample_errors(model, split).numpy() for label, split in draws}
        rng = np.random.default_rng(0)
        row = {label: _summary([e], rng) for label, e in per.items()}
        row["pooled"] = _summary(list(per.values()), rng)
        results.append({"model": name, "weights": path, "draws": row})
        cells = [f"{r['mse']:.5f} ± {r['bootstrap_sd']:.5f}" for r in row.values()]
        lines.append(f"| {name} ({Path(path).name}) | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    print("(test MSE ± bootstrap SD over the simulations of each draw; pooled: all draws)")
    if args.out:
        Path(args.out).write_text(table + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.figure:
        _figure(results, Path(args.figure))
    return 0


def _figure(results: list[dict], path: Path) -> None:
    """One panel per model: each draw's MSE with two bootstrap SDs, the pooled band, and the
    published number."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), 3.4), squeeze=False)
    for ax, res in zip(axes[0], results):
        draws = {k: v for k, v in res["draws"].items() if k != "pooled"}
        pooled = res["draws"]["pooled"]
        ys = range(len(draws))
        ax.errorbar([d["mse"] for d in draws.values()], ys,
                    xerr=[2 * d["bootstrap_sd"] for d in draws.values()], fmt="o", capsize=3)
        ax.axvspan(pooled["mse"] - 2 * pooled["bootstrap_sd"],
                   pooled["mse"] + 2 * pooled["bootstrap_sd"], alpha=0.2, label="pooled ± 2 SD")
        published = PUBLISHED_MSE.get(MODELS.get(res["model"], res["model"]))
        if published is not None:
            ax.axvline(published, color="k", ls="--", label=f"published {published}")
        ax.set_yticks(list(ys), list(draws), fontsize=7)
        ax.set_xlabel("test MSE")
        ax.set_title(f"{res['model']} ({Path(res['weights']).name})", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())

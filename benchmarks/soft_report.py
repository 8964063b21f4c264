"""Tables and figures of ``nets train soft`` for benchmarks/results/soft-equivariance.md.

Reads ``OUT/nets/soft/<task>/metrics.json`` (written by ``nets train soft --task <task>``),
redraws each task's figure with :func:`nets.experiments.soft.strengths_figure` into
``benchmarks/results/soft-equivariance-<task>.png`` and prints, per task, the results table
(test metric and per-type relative equivariance errors, mean ± std over seeds, next to the data's
true errors), the strengths each rule ends with, the hyperparameters chosen on seed 0, and the
target checks on modified inertia.

With ``--compact DIR`` it also writes each task's metrics without the checkpoint bookkeeping,
with the evaluation records cut down, the strength histories thinned and numbers rounded, as
``DIR/soft-equivariance-<task>.json`` (the records kept in the repository); those files can be
passed back as ``METRICS`` to redraw the report without the training outputs.

Usage: python benchmarks/soft_report.py [METRICS ...] [--out out] [--figures benchmarks/results]
[--compact DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from nets.experiments import soft as exp

ORDER = ("mlp", "exact", "rpp", "aug", "ours-reference", "ours-eb", "free", "oracle")


def _ms(values, fmt=".3g"):
    m = statistics.fmean(values)
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{m:{fmt}} ± {s:{fmt}}"


def task_report(task: str, metrics: dict) -> str:
    runs, truth = metrics["runs"], metrics["true_errors"]
    spec_metric = "ADE" if task == "motion" else "MSE"
    labels = list(truth)
    lines = [f"| method | test {spec_metric} | " + " | ".join(f"error {lab}" for lab in labels)
             + " | s per run |", "|---" * (len(labels) + 3) + "|"]
    for method in ORDER:
        if method not in runs:
            continue
        rs = runs[method]
        cells = [exp.METHOD_LABELS[method], _ms([r["test"] for r in rs])]
        cells += [_ms([r["errors"][lab] for r in rs], ".4f") for lab in labels]
        cells.append(f"{statistics.fmean(r['train_time_s'] for r in rs):.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("| **data (true error)** | — | " + " | ".join(f"**{truth[lab]:.4f}**"
                                                         for lab in labels) + " | — |")
    out = ["\n".join(lines), ""]
    for method in ("ours-reference", "ours-eb"):
        if method in runs:
            lam = {lab: statistics.fmean(r["final_strengths"][lab] for r in runs[method])
                   for lab in labels}
            out.append(f"- final strengths, {exp.METHOD_LABELS[method]} (mean over seeds): "
                       + ", ".join(f"{lab} {v:.3g}" for lab, v in lam.items()))
    sel = metrics.get("selected", {})
    if sel:
        out.append("- chosen on seed 0 by validation: " + ", ".join(
            f"{m} {k} = {v:g}" for m, d in sel.items() for k, v in d.items()))
    return "\n".join(out)


def inertia_targets(metrics: dict) -> str:
    runs, truth = metrics["runs"], metrics["true_errors"]
    mean = lambda m: statistics.fmean(r["test"] for r in runs[m])
    baselines = [m for m in ("mlp", "exact", "rpp", "aug") if m in runs]
    lines = []
    nonzero = [v for v in truth.values() if v > 1e-12]
    for method in ("ours-reference", "ours-eb"):
        if method not in runs:
            continue
        best = min(baselines, key=mean)
        beats = all(mean(method) < mean(b) for b in baselines)
        lines.append(f"- {method}: test MSE {mean(method):.3g} vs best baseline {best} "
                     f"{mean(best):.3g}: {'below every baseline' if beats else 'NOT below'}")
        errs = {lab: statistics.fmean(r["errors"][lab] for r in runs[method]) for lab in truth}
        within = []
        for lab, t in truth.items():
            ok = abs(errs[lab] - t) <= 0.3 * t if t > 1e-12 else errs[lab] <= 0.3 * min(nonzero)
            within.append(f"{lab} {errs[lab]:.4f} vs {t:.4f} {'ok' if ok else 'MISSED'}")
        order_true = sorted(truth, key=truth.get)
        order_model = sorted(errs, key=errs.get)
        ties = {lab for lab in truth if any(abs(truth[lab] - truth[o]) < 0.01 * truth[lab]
                                            for o in truth if o != lab)}
        same = all(a == b or (a in ties and b in ties)
                   for a, b in zip(order_true, order_model))
        lines.append(f"  levels: {'; '.join(within)}; ranking {' < '.join(order_model)} "
                     f"({'matches' if same else 'differs from'} the true order up to ties)")
    return "\n".join(lines)


def timings(metrics: dict) -> str:
    """Slowest single run (the unit the 30-minute budget is about) and the command's wall time."""
    runs = [(r["train_time_s"], m, r.get("seed", r.get("config", {}).get("seed", i)))
            for m, rs in metrics["runs"].items() for i, r in enumerate(rs)]
    t, m, seed = max(runs)
    return (f"- timing: slowest reported run {t:.0f} s ({m}, seed {seed}); whole command "
            f"(every method, seed and seed-0 grid point) {metrics['wall_seconds'] / 60:.1f} min")


def _round(v, digits=6):
    if isinstance(v, float):
        return float(f"{v:.{digits}g}")
    if isinstance(v, dict):
        return {k: _round(x, digits) for k, x in v.items()}
    if isinstance(v, list):
        return [_round(x, digits) for x in v]
    return v


def compact(metrics: dict, every: int = 5) -> dict:
    """Metrics without checkpoint bookkeeping, the evaluation records cut to the training MSE,
    validation metric and strengths, every ``every``-th strength record, numbers to 6
    significant digits: what the tables and figures need."""
    drop = {"history", "segments", "config", "init_from", "resumed_from_epoch"}
    keep = ("epoch", "mse", "val_mse", "val_ade", "strengths")
    runs = {}
    for m, rs in metrics["runs"].items():
        runs[m] = []
        for r in rs:
            c = {k: v for k, v in r.items() if k not in drop}
            c["seed"] = r.get("config", {}).get("seed")
            if "history" in r:  # evaluations: train MSE, validation metric, strengths
                c["evaluations"] = [{k: h[k] for k in keep if k in h} for h in r["history"]]
            if "strength_history" in c:
                h = c["strength_history"]
                c["strength_history"] = [row for i, row in enumerate(h)
                                         if i % every == every - 1 or i == len(h) - 1]
            runs[m].append(c)
    out = {k: v for k, v in metrics.items() if k != "runs"}
    out["runs"] = runs
    return _round(out)


def _sources(args) -> list[Path]:
    if args.metrics:
        return [Path(p) for p in args.metrics]
    paths = []
    for task in exp.TASKS:
        path = Path(args.out) / "nets" / "soft" / task / "metrics.json"
        if path.exists():
            paths.append(path)
        else:
            print(f"## {task}: no results at {path}\n")
    return paths


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("metrics", nargs="*",
                    help="metrics files (default: OUT/nets/soft/<task>/metrics.json)")
    ap.add_argument("--out", default="out")
    ap.add_argument("--figures", default="benchmarks/results")
    ap.add_argument("--compact", default=None, metavar="DIR",
                    help="also write compact metrics as DIR/soft-equivariance-<task>.json")
    args = ap.parse_args(argv)
    loaded = [json.loads(path.read_text()) for path in _sources(args)]
    for metrics in sorted(loaded, key=lambda m: exp.TASKS.index(m["task"])):
        task = metrics["task"]
        if args.compact:
            dest = Path(args.compact) / f"soft-equivariance-{task}.json"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(json.dumps(compact(metrics), indent=1) + "\n")
        cfg = exp.SoftConfig(task=task, sizes=tuple(metrics["settings"]["sizes"]),
                             data_seed=metrics["settings"]["data_seed"])
        spec = exp.task_spec(cfg)
        fig = Path(args.figures) / f"soft-equivariance-{task}.png"
        fig.parent.mkdir(parents=True, exist_ok=True)
        exp.strengths_figure(spec, metrics["runs"], metrics["true_errors"], fig)
        print(f"## {task}\n")
        print(task_report(task, metrics))
        if task == "inertia":
            print(inertia_targets(metrics))
        print(timings(metrics))
        print(f"\nfigure: {fig}\n")


if __name__ == "__main__":
    main()

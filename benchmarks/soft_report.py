"""Tables and figures of ``nets train soft`` for benchmarks/results/soft-equivariance.md.

Reads ``OUT/nets/soft/<task>/metrics.json`` (written by ``nets train soft --task <task>``),
redraws each task's figure with :func:`nets.experiments.soft.strengths_figure` into
``benchmarks/results/soft-equivariance-<task>.png`` and prints, per task, the results table
(test metric and per-type relative equivariance errors, mean ± std over seeds, next to the data's
true errors), the strengths each rule ends with, the hyperparameters chosen on seed 0, and the
target checks on modified inertia.

Usage: python benchmarks/soft_report.py [--out out] [--figures benchmarks/results]
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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--figures", default="benchmarks/results")
    args = ap.parse_args(argv)
    for task in exp.TASKS:
        path = Path(args.out) / "nets" / "soft" / task / "metrics.json"
        if not path.exists():
            print(f"## {task}: no results at {path}\n")
            continue
        metrics = json.loads(path.read_text())
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
        print(f"\nfigure: {fig}\n")


if __name__ == "__main__":
    main()

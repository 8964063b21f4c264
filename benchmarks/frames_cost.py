"""Forward time per batch: FA-GNN against EGNN (and the bare GNN backbone), one process run.

The models run interleaved on the same inputs (charged 5-body, batch 100, 4 layers, float32,
one torch thread; hidden 60 for the layerwise FA-GNN, 64 otherwise); the table reports medians
and the ratios to EGNN. Also times the frame itself (PCA + signs for E(3)) and the robust slow
path on a tied spectrum.

Usage: python benchmarks/frames_cost.py [--repeats 30] [--batch 100]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from nets.frames import E
from nets.gnn import EGNN, NBodyGNN, fa_gnn


def _time(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, 5, 3, generator=gen)
    v = torch.randn(args.batch, 5, 3, generator=gen)
    q = torch.randint(0, 2, (args.batch, 5), generator=gen).float() * 2 - 1
    torch.manual_seed(0)
    models = {"EGNN": EGNN(), "FA-GNN, frames in every layer (8 elements)": fa_gnn(),
              "FA-GNN, input frame only (8 elements)": fa_gnn(64, layerwise=False),
              "GNN backbone alone": NBodyGNN()}
    frame = E(3)
    octa = torch.cat([torch.eye(3), -torch.eye(3)]).expand(args.batch, 6, 3).contiguous()
    calls = {name: (lambda m=m: m(x, v, charges=q)) for name, m in models.items()}
    calls["E(3) frame only (generic)"] = lambda: frame.frame(x)
    calls["E(3) frame only (octahedra, slow path)"] = lambda: frame.frame(octa)
    times = {name: [] for name in calls}
    with torch.no_grad():
        for fn in calls.values():  # warm up
            fn()
        for _ in range(args.repeats):  # interleaved
            for name, fn in calls.items():
                times[name] += _time(fn, 1)
    ref = statistics.median(times["EGNN"])
    print(f"forward time per batch of {args.batch} (median of {args.repeats}, 1 thread)")
    print(f"| {'model':44s} | ms / batch | ratio to EGNN |")
    print(f"|{'-' * 46}|------------|---------------|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name:44s} | {1e3 * med:10.2f} | {med / ref:13.2f} |")


if __name__ == "__main__":
    main()

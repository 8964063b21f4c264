"""Forward time per batch: FA-GNN against EGNN (and the bare GNN backbone), one process run.

The models run interleaved on the same inputs (charged 5-body, batch 100, 4 layers, float32,
one torch thread; hidden 60 for the layerwise FA-GNN, 64 otherwise); the table reports medians
and the ratios to EGNN. Also times the frame itself (PCA + signs for E(3)) and the robust slow
path on a tied spectrum. With ``--compile``, the two FA-GNNs and EGNN also run compiled
(``torch.compile(fullgraph=True)``, inductor; compile time reported separately) in the same
interleaved loop.

Usage: python benchmarks/frames_cost.py [--repeats 30] [--batch 100] [--device cuda] [--compile]
(on a GPU each timing ends with a synchronize, so it is the time until the result is there)
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch

from liegeom import SO
from nets.frames import OrthogonalFrame
from nets.gnn import EGNN, NBodyGNN, fa_gnn


def _time(fn, repeats: int, sync=lambda: None) -> list[float]:
    out = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        out.append(time.perf_counter() - t0)
    return out


def _step(model, x, v, q, y):
    """One training step as ``nets train nbody`` takes it (a copy, so the timed models stay)."""
    model = copy.deepcopy(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = torch.nn.functional.mse_loss(model(x, v, charges=q), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    ap.add_argument("--compile", action="store_true",
                    help="also time torch.compile(fullgraph=True) versions (inductor)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    gen = torch.Generator().manual_seed(0)
    x, v, y = (torch.randn(args.batch, 5, 3, generator=gen).to(device) for _ in range(3))
    q = (torch.randint(0, 2, (args.batch, 5), generator=gen).float() * 2 - 1).to(device)
    torch.manual_seed(0)
    models = {"EGNN": EGNN(), "FA-GNN, frames in every layer (8 elements)": fa_gnn(),
              "FA-GNN, input frame only (8 elements)": fa_gnn(64, layerwise=False),
              "GNN backbone alone": NBodyGNN()}
    models = {name: m.to(device) for name, m in models.items()}
    frame = OrthogonalFrame(SO(3), reflections=True, translations=True)  # E(3)
    octa = torch.cat([torch.eye(3), -torch.eye(3)]).expand(args.batch, 6, 3).contiguous()
    octa = octa.to(device)
    calls = {name: (lambda m=m: m(x, v, charges=q)) for name, m in models.items()}
    if args.compile:
        for name in ("EGNN", "FA-GNN, frames in every layer (8 elements)",
                     "FA-GNN, input frame only (8 elements)"):
            compiled = torch.compile(models[name], fullgraph=True)
            t0 = time.perf_counter()
            with torch.no_grad():
                compiled(x, v, charges=q)
            sync()
            print(f"compiled {name}: {time.perf_counter() - t0:.0f} s to compile", flush=True)
            calls[f"{name}, compiled"] = lambda m=compiled: m(x, v, charges=q)
    calls["E(3) frame only (generic)"] = lambda: frame.frame(x)
    calls["E(3) frame only (octahedra, slow path)"] = lambda: frame.frame(octa)
    steps = {}
    for name in ("EGNN", "FA-GNN, frames in every layer (8 elements)"):
        steps[name.split(",")[0] + ", training step (+ backward, Adam)"] = _step(
            models[name], x, v, q, y)
    times = {name: [] for name in (*calls, *steps)}
    with torch.no_grad():
        for fn in calls.values():  # warm up
            fn()
    for fn in steps.values():
        fn()
    for _ in range(args.repeats):  # interleaved
        with torch.no_grad():
            for name, fn in calls.items():
                times[name] += _time(fn, 1, sync)
        for name, fn in steps.items():
            times[name] += _time(fn, 1, sync)
    ref = statistics.median(times["EGNN"])
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU, 1 thread"
    print(f"time per batch of {args.batch} (median of {args.repeats}, {where}); ratios to the "
          f"EGNN forward")
    print(f"| {'model':54s} | ms / batch | ratio to EGNN |")
    print(f"|{'-' * 56}|------------|---------------|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name:54s} | {1e3 * med:10.2f} | {med / ref:13.2f} |")


if __name__ == "__main__":
    main()

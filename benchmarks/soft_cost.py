"""Cost of the soft-equivariance regularizers per training step, one process run.

The training step of ``nets train soft --task inertia`` (GatedTensorNet (16, 8, 8), one block,
batch 250, float32, Adam, one torch thread) is timed interleaved in five forms on the same
batch: no regularizer; the four candidate types (O(3), O(2)_z, O(2)_x, O(2)_y) in projection
form through the loss; the same applied proximally after the step (the experiment's form, with
the schedule's bookkeeping); the four types in sampling form (one extra forward per type); and
the exactly O(3)-equivariant net (projection inside every forward). The table reports medians and
the ratios to the plain step.

Usage: python benchmarks/soft_cost.py [--repeats 50] [--batch 250]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from nets.data.synthetic import modified_inertia
from nets.soft import (
    EquivarianceRegularizer,
    GatedTensorNet,
    MixedSymmetryRegularizer,
    ReferenceRule,
    Rep,
    axis_orthogonal,
    orthogonal,
)

RIN, ROUT = Rep(5, 5), Rep(0, 0, 1)
TYPES = [orthogonal(3), axis_orthogonal(2), axis_orthogonal(0), axis_orthogonal(1)]


def _net(group=None):
    return GatedTensorNet(RIN, ROUT, (16, 8, 8), group=group,
                          generator=torch.Generator().manual_seed(0))


def _variant(name, x, y):
    net = _net(orthogonal(3) if name == "exact O(3) net" else None)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    mixed = None
    if name != "plain" and name != "exact O(3) net":
        form = "sample" if "sampling" in name else "projection"
        regs = [EquivarianceRegularizer(G, RIN, ROUT, method=form) for G in TYPES]
        mixed = MixedSymmetryRegularizer(regs, 0.1, ReferenceRule(10**9),
                                         proximal="proximal" in name)
        mixed.attach(opt, net, record_every=10)
    gen = torch.Generator().manual_seed(1)

    def step():
        pred = net(x)
        loss = (pred - y).square().mean()
        if mixed is not None:
            loss = loss + mixed(net, x, y=pred, data_loss=loss, generator=gen)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--batch", type=int, default=250)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    data = modified_inertia((args.batch, 1, 1)).train.to(torch.float32)
    names = ["plain", "projection, in the loss", "projection, proximal", "sampling, in the loss",
             "exact O(3) net"]
    steps = {n: _variant(n, data.x, data.y) for n in names}
    for fn in steps.values():  # warm up (projector caches, allocator)
        for _ in range(3):
            fn()
    times = {n: [] for n in names}
    for _ in range(args.repeats):
        for n in names:  # interleaved: drifts of a shared machine hit all variants alike
            t0 = time.perf_counter()
            steps[n]()
            times[n].append(time.perf_counter() - t0)
    base = statistics.median(times["plain"])
    print(f"| training step (batch {args.batch}, 4 candidate types) | median ms | ratio to plain |")
    print("|---|---|---|")
    for n in names:
        med = statistics.median(times[n])
        print(f"| {n} | {1e3 * med:.2f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()

"""Cost of a group convolution against its floor: one ``conv2d`` with the same expanded channels.

A :class:`nets.affine.GroupConv2d` with C input and O output channels over S group samples is one
``conv2d`` from ``C·S`` to ``O·S`` channels plus the kernel generation (chart coordinates of the
``S²`` relative elements, the kernel network on ``S²·K²`` points, masks and weights). This script
times forward + backward of both on the same input, interleaved in one process (median of
repeats), and prints the ratio; the issue's target is at most 1.5x. ``--device cuda`` adds the
GPU column when one is present.

Run: ``python benchmarks/affine_conv_cost.py [--device cuda] [--threads 1]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from liegeom import SL, GLPlus
from nets.affine import GroupConv2d, GroupSampler

CASES = [  # (group, C, O, S, K, H=W, batch)
    (SL(2), 16, 16, 8, 5, 20, 64),
    (GLPlus(2), 16, 16, 8, 5, 20, 64),
    (SL(2), 12, 12, 6, 5, 20, 64),
    (SL(2), 32, 32, 8, 5, 10, 64),
]


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _time(fn, device, repeats):
    out = []
    for _ in range(repeats):
        _sync(device)
        t = time.perf_counter()
        fn()
        _sync(device)
        out.append(time.perf_counter() - t)
    return out


def measure(group, C, O, S, K, size, batch, device, repeats=7, train=True):
    torch.manual_seed(0)
    conv = GroupConv2d(C, O, K, group).to(device)
    sampler = GroupSampler(group, S).to(device).train(train)
    x = torch.randn(batch, C, S, size, size, device=device, requires_grad=True)
    weight = torch.randn(O * S, C * S, K, K, device=device, requires_grad=True)
    xf = x.detach().reshape(batch, C * S, size, size).requires_grad_()

    def ours():
        conv(x, sampler()).square().mean().backward()

    def floor():
        F.conv2d(xf, weight, padding=K // 2).square().mean().backward()

    for fn in (ours, floor):  # warm-up
        fn()
    a, b = [], []
    for _ in range(repeats):  # interleaved
        a += _time(ours, device, 1)
        b += _time(floor, device, 1)
    return statistics.median(a), statistics.median(b)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--json", default=None, help="write the rows as JSON here")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    where = (torch.cuda.get_device_name(device) if device.type == "cuda"
             else f"CPU, {args.threads} thread(s)")
    rows = []
    print(f"forward + backward, training mode (fresh samples each call), {where}")
    print("| H | C -> O | S | K | H×W | batch | group conv (ms) | conv2d floor (ms) | ratio |")
    print("|---|---|---|---|---|---|---:|---:|---:|")
    for group, C, O, S, K, size, batch in CASES:
        ours, floor = measure(group, C, O, S, K, size, batch, device, args.repeats)
        rows.append({"group": group.name, "C": C, "O": O, "S": S, "K": K, "size": size,
                     "batch": batch, "ours_ms": 1e3 * ours, "floor_ms": 1e3 * floor,
                     "ratio": ours / floor, "device": where})
        print(f"| {group.name} | {C} -> {O} | {S} | {K} | {size}×{size} | {batch} | "
              f"{1e3 * ours:.1f} | {1e3 * floor:.1f} | {ours / floor:.2f} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

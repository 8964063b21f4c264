"""Cost of equilibrium-propagation gradient estimators per training epoch, as a ratio to
backprop, measured in one run (interleaved repeats, median) on scikit-learn's digits.

Denominators: backprop through the feedforward MLP with the same layer sizes ("ff-bp", the
usual baseline; the authors report EP at about 29x it per epoch), and recurrent backprop on the
same equilibrium network ("rbp", the exact gradient EP approximates).

    python benchmarks/ep_cost.py [--hidden 128] [--repeats 3] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import copy
import math
import statistics
import time

import torch
import torch.nn.functional as nnf

from nets.data.digits import load_digits_split
from nets.ep import (
    ClassicEP,
    ExactEP,
    GeneralizedEP,
    HolomorphicEP,
    MLPEPNetwork,
    RecurrentBackprop,
    SolverConfig,
    homeostasis_loss,
)
from nets.ep.training import feedforward_mlp


def _epoch(model, estimator, data, batch_size, homeostasis, opt, gen):
    perm = torch.randperm(len(data.x_train), generator=gen).to(data.x_train.device)
    params = list(model.parameters())
    t0 = time.perf_counter()
    for start in range(0, len(perm), batch_size):
        idx = perm[start:start + batch_size]
        x, y = data.x_train[idx], data.y_train[idx]
        opt.zero_grad(set_to_none=True)
        if estimator is None:
            nnf.cross_entropy(model(x), y).backward()
        else:
            est = estimator(model, x, y)
            for p, g in zip(params, est.grads):
                p.grad = g
            if homeostasis:
                h = homeostasis_loss(model, x, est.u, generator=gen)
                for p, g in zip(params, torch.autograd.grad(h, params, materialize_grads=True)):
                    p.grad = p.grad + g
        opt.step()
    if data.x_train.is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    dtype = torch.float64
    data = load_digits_split(dtype=dtype, device=dev)
    solver = SolverConfig(dt=0.5, tol=1e-6, max_iter=5000)
    gen = torch.Generator().manual_seed(0)
    sizes = (64, args.hidden, 10)
    kw = dict(activation="sigmoid", logit_scale=4.0, dtype=dtype, device=dev)
    sym = MLPEPNetwork(sizes, symmetric=True, generator=gen, **kw)
    asym = MLPEPNetwork(sizes, alpha=math.pi / 2, generator=gen, **kw)
    ff = feedforward_mlp(sizes, activation="sigmoid", generator=gen, dtype=dtype).to(dev)
    methods = {
        "ff-bp": (ff, None, False),
        "rbp": (asym, RecurrentBackprop(solver), False),
        "classic EP, centred (sym)": (sym, ClassicEP(0.05, config=solver), False),
        "gen. EP, one-sided": (asym, GeneralizedEP(0.05, centred=False, config=solver), False),
        "gen. EP, centred": (asym, GeneralizedEP(0.05, config=solver), False),
        "gen. EP, centred + homeostasis": (asym, GeneralizedEP(0.05, config=solver), True),
        "holomorphic EP, N=4": (asym, HolomorphicEP(0.05, 4, solver), False),
        "exact EP (forward mode)": (asym, ExactEP(solver), False),
    }
    models = {k: copy.deepcopy(m) for k, (m, _, _) in methods.items()}
    opts = {k: torch.optim.Adam(models[k].parameters(), lr=1e-2) for k in methods}
    times = {k: [] for k in methods}
    t_start = time.perf_counter()
    for r in range(args.repeats):
        for k, (_, est, homeo) in methods.items():
            times[k].append(_epoch(models[k], est, data, args.batch_size, homeo, opts[k], gen))
        print(f"repeat {r + 1}/{args.repeats} done ({time.perf_counter() - t_start:.0f} s)",
              flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
    print(f"\nper-epoch time, digits 64-{args.hidden}-10, batch {args.batch_size}, {name}, "
          f"median of {args.repeats}")
    print("| method | s/epoch | ÷ ff-bp | ÷ rbp |")
    print("|---|---|---|---|")
    for k, v in med.items():
        print(f"| {k} | {v:.3f} | {v / med['ff-bp']:.1f}x | {v / med['rbp']:.2f}x |")


if __name__ == "__main__":
    main()

"""How much of the n-body task is fixed by its initial conditions, and how much by the last bits?

The replayed EGNN initial conditions (``egnn_reference_params``) are the authors' draws, but the
trajectories are integrated here. Close encounters are chaotic, so a different floating-point
route to the same force law can move a target far. This integrates the replayed test split
twice: with our pairwise differences, and with the squared distance in the expanded form
|a|^2 + |b|^2 - 2 a.b (the form the EGNN script uses), and reports how many targets moved and
what that does to the Linear baseline x + λv (λ by least squares on the training split, closed
form, no training).

Usage: python benchmarks/nbody_sensitivity.py [--n-test 2000]  (about a minute per 1000
simulations and route on one core)
"""

from __future__ import annotations

import argparse

import torch

from nets.data.nbody import coulomb_forces, egnn_reference_params, initial_conditions, simulate


def expanded_forces(x: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """The Coulomb law of :func:`coulomb_forces` with r^2 = |x_i|^2 + |x_j|^2 - 2 x_i.x_j."""
    sq = (x * x).sum(-1)
    r2 = sq.unsqueeze(-1) + sq.unsqueeze(-2) - 2 * x @ x.transpose(-1, -2)
    n = x.shape[-2]
    off = ~torch.eye(n, dtype=torch.bool, device=x.device)
    coef = torch.where(off, q.unsqueeze(-1) * q.unsqueeze(-2)
                       * torch.where(off, r2, torch.ones_like(r2)).pow(-1.5), 0.0)
    return (coef.unsqueeze(-1) * (x.unsqueeze(-2) - x.unsqueeze(-3))).sum(-2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-test", type=int, default=2000)
    ap.add_argument("--n-train", type=int, default=3000,
                    help="training simulations for λ (first of the replayed pool)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    params = egnn_reference_params(n_train=args.n_train, n_val=0, n_test=args.n_test)
    q, x, v = initial_conditions(params)
    a, k0, k1 = args.n_train, params.input_frame, params.target_frame
    out = {}
    for name, law in (("direct", coulomb_forces), ("expanded", expanded_forces)):
        sim = simulate(params.n_sims, params, initial=(q, x, v), forces=law, progress=True)
        out[name] = sim["positions"][:, k0], sim["velocities"][:, k0], sim["positions"][:, k1]
    print("| route | targets moved > 1e-6 | > 1e-2 | largest move | Linear λ | Linear test MSE |")
    print("|---|---:|---:|---:|---:|---:|")
    ref_target = out["direct"][2][a:]
    for name, (x0, v0, y) in out.items():
        lam = float(((y[:a] - x0[:a]) * v0[:a]).sum() / (v0[:a] * v0[:a]).sum())
        mse = float(((x0[a:] + lam * v0[a:] - y[a:]) ** 2).mean())
        moved = (y[a:] - ref_target).abs().amax((-1, -2))
        print(f"| {name} | {int((moved > 1e-6).sum())} | {int((moved > 1e-2).sum())} | "
              f"{float(moved.max()):.3g} | {lam:.4f} | {mse:.5f} |")
    print(f"({args.n_test} replayed test simulations; moves against the direct route)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

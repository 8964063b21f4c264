"""Ricci tensor of Schwarzschild, Kerr (Boyer–Lindquist) and the 3D Bondi metric: fieldsym vs
EinsteinPy, timed in one run on the same metrics.

fieldsym's time is the best of three fresh runs; EinsteinPy's is one run. Each timing covers
computing the Ricci tensor and reducing every component to canonical form
(for the vacuum metrics: verifying Ricci-flatness). EinsteinPy runs in a child process with a
time bound (default 120 s); where it runs past it the table shows ``>bound`` and the ratio is a
lower bound. Run with ``nice``; the whole script stays under about 5 minutes.

    python benchmarks/curvature_vs_einsteinpy.py [--bound 120]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import sympy as sp

from fieldsym.tensors import Metric


def metrics():
    """name -> (components, coords, vacuum?)"""
    t, r, th, ph, u = sp.symbols("t r theta phi u")
    M, a = sp.symbols("M a", positive=True)
    f = 1 - 2 * M / r
    schw = sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2)
    sig = r**2 + a**2 * sp.cos(th) ** 2
    dl = r**2 - 2 * M * r + a**2
    kerr = sp.zeros(4, 4)
    kerr[0, 0] = -(1 - 2 * M * r / sig)
    kerr[0, 3] = kerr[3, 0] = -2 * M * a * r * sp.sin(th) ** 2 / sig
    kerr[1, 1] = sig / dl
    kerr[2, 2] = sig
    kerr[3, 3] = (r**2 + a**2 + 2 * M * r * a**2 * sp.sin(th) ** 2 / sig) * sp.sin(th) ** 2
    Th, Nc = sp.Function("Theta")(u, ph), sp.Function("calN")(u, ph)
    bondi = sp.Matrix([[Th, -1, Nc], [-1, 0, 0], [Nc, 0, r**2]])
    return {
        "Schwarzschild": (schw, (t, r, th, ph), True),
        "Kerr (Boyer-Lindquist)": (kerr, (t, r, th, ph), True),
        "3D Bondi (Theta, calN)": (bondi, (u, r, ph), False),
    }


def ours(name, repeats=3):
    """Best of ``repeats`` fresh computations (no cache shared between them)."""
    comps, coords, vacuum = metrics()[name]
    best, ok = float("inf"), True
    for _ in range(repeats):
        t0 = time.perf_counter()
        ric = Metric(comps, coords).ricci_tensor
        ok = ok and (ric.is_zero_matrix if vacuum else True)
        best = min(best, time.perf_counter() - t0)
    return best, bool(ok)


def _einsteinpy_child(name, queue):
    from einsteinpy.symbolic import MetricTensor, RicciTensor

    comps, coords, vacuum = metrics()[name]
    t0 = time.perf_counter()
    ric = RicciTensor.from_metric(MetricTensor(comps.tolist(), coords)).tensor()
    comps_out = [sp.simplify(ric[i, j]) for i in range(len(coords)) for j in range(len(coords))]
    ok = all(c == 0 for c in comps_out) if vacuum else True
    queue.put((time.perf_counter() - t0, ok))


def einsteinpy(name, bound):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_einsteinpy_child, args=(name, q))
    p.start()
    p.join(bound)
    if p.is_alive():
        p.kill()
        p.join()
        return None, None
    return q.get() if not q.empty() else (None, None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--bound", type=float, default=120.0, help="EinsteinPy time bound per metric (s)"
    )
    args = ap.parse_args(argv)
    rows = []
    for name in metrics():
        t_ours, ok_ours = ours(name)
        t_ep, ok_ep = einsteinpy(name, args.bound)
        rows.append((name, t_ours, ok_ours, t_ep, ok_ep))
        ep = f">{args.bound:.0f}" if t_ep is None else f"{t_ep:.2f}"
        ratio = (args.bound if t_ep is None else t_ep) / t_ours
        sign = ">" if t_ep is None else ""
        print(
            f"{name:26s} fieldsym {t_ours:7.2f} s (ok={ok_ours})  EinsteinPy {ep:>7s} s "
            f"(ok={ok_ep})  ratio {sign}{ratio:.0f}x",
            flush=True,
        )
    print("\n| metric | fieldsym (s) | EinsteinPy (s) | EinsteinPy / fieldsym |")
    print("|---|---|---|---|")
    for name, t_ours, _, t_ep, _ in rows:
        ep = f">{args.bound:.0f} (bound)" if t_ep is None else f"{t_ep:.2f}"
        ratio = (args.bound if t_ep is None else t_ep) / t_ours
        print(f"| {name} | {t_ours:.2f} | {ep} | {'>' if t_ep is None else ''}{ratio:.0f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

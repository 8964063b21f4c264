"""Times of the multiplier and generalized-symmetry searches against the issue's 60 s bound,
and of the polynomial ansatz against the general one where both finish (interleaved, one
process).

Run: ``python benchmarks/fieldsym_conservation.py [--repeats 1] [--quick]``.  Prints Markdown
tables; wall time is what the bound is about, CPU time (``time.process_time``) says how much of
it the process itself used (the two differ on a shared machine).  "ratio" is (median wall time) /
(bound or reference median wall time): below 1 is within the bound / faster than the reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import sympy as sp

from fieldsym import JetSpace, PDESystem
from fieldsym.conservation import conservation_laws, find_multipliers
from fieldsym.generalized import generalized_symmetries, variational_characteristics

BOUND = 60.0


def _timed(fn, repeats):
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        sp.core.cache.clear_cache()  # no help from a warm sympy cache
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def systems():
    x, t = sp.symbols("x t")
    jet = JetSpace([x, t], ["u"])
    u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    uxx, uxxx = jet.coord("u", (x, x)), jet.coord("u", (x, x, x))
    nj = JetSpace([x, t], ["u", "v"])
    U, V = nj.coord("u"), nj.coord("v")
    U_T, V_T = nj.coord("u", t), nj.coord("v", t)
    kj = JetSpace([t], ["x", "y"])
    X, Y = kj.coord("x"), kj.coord("y")
    r = sp.sqrt(X**2 + Y**2)
    k3 = JetSpace([t], ["x", "y", "z"])
    q3 = [k3.coord(f) for f in k3.fields]
    return {
        "KdV u_t + 6 u u_x + u_xxx = 0": PDESystem(jet, [u_t + 6 * u * u_x + uxxx],
                                                   solve_for=[u_t]),
        "Burgers u_t + u u_x - u_xx = 0": PDESystem(jet, [u_t + u * u_x - uxx], solve_for=[u_t]),
        "wave u_tt = (u^2 u_x)_x": PDESystem(jet, [jet.coord("u", (t, t))
                                                   - jet.D(u**2 * u_x, x)]),
        "sine-Gordon u_xt = sin u": PDESystem(jet, [jet.coord("u", (x, t)) - sp.sin(u)]),
        "sine-Gordon u_tt - u_xx + sin u = 0": PDESystem(jet, [jet.coord("u", (t, t)) - uxx
                                                               + sp.sin(u)]),
        "NLS (real system)": PDESystem(nj, [U_T + nj.coord("v", (x, x)) + 2 * (U**2 + V**2) * V,
                                            V_T - nj.coord("u", (x, x))
                                            - 2 * (U**2 + V**2) * U], solve_for=[U_T, V_T]),
        "Kepler q_tt = -q/r^3": PDESystem(kj, [kj.coord("x", (t, t)) + X / r**3,
                                               kj.coord("y", (t, t)) + Y / r**3]),
        "_kepler_L": ((kj.coord("x", t) ** 2 + kj.coord("y", t) ** 2) / 2 + 1 / r, kj),
        "_kepler3_L": (sum(k3.coord(f, t) ** 2 for f in k3.fields) / 2
                       + 1 / sp.sqrt(sum(c**2 for c in q3)), k3),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="only the searches under ~10 s")
    ap.add_argument("--kepler3d", action="store_true",
                    help="also the 3D Kepler problem's Noether characteristics (over the bound)")
    args = ap.parse_args(argv)
    s = systems()
    kdv, burgers = s["KdV u_t + 6 u u_x + u_xxx = 0"], s["Burgers u_t + u u_x - u_xx = 0"]
    L, kj = s["_kepler_L"]
    L3, k3 = s["_kepler3_L"]
    rows = [
        ("laws", "KdV u_t + 6 u u_x + u_xxx = 0", 4, 2, lambda: conservation_laws(kdv, 4)),
        ("laws", "Burgers u_t + u u_x - u_xx = 0", 3, 2, lambda: conservation_laws(burgers, 3)),
        ("laws", "wave u_tt = (u^2 u_x)_x", 1, 2,
         lambda: conservation_laws(s["wave u_tt = (u^2 u_x)_x"], 1)),
        ("laws", "sine-Gordon u_xt = sin u", 1, 2,
         lambda: conservation_laws(s["sine-Gordon u_xt = sin u"], 1)),
        ("laws", "sine-Gordon u_tt - u_xx + sin u = 0", 1, 2,
         lambda: conservation_laws(s["sine-Gordon u_tt - u_xx + sin u = 0"], 1)),
        ("laws", "NLS (real system)", 1, 2, lambda: conservation_laws(s["NLS (real system)"], 1)),
        ("symmetries", "KdV u_t + 6 u u_x + u_xxx = 0", 5, 2,
         lambda: generalized_symmetries(kdv, 5)),
    ]
    if not args.quick:
        rows += [
            ("laws", "KdV u_t + 6 u u_x + u_xxx = 0", 6, 2, lambda: conservation_laws(kdv, 6)),
            ("laws", "wave u_tt = (u^2 u_x)_x", 2, 2,
             lambda: conservation_laws(s["wave u_tt = (u^2 u_x)_x"], 2)),
            ("laws", "sine-Gordon u_xt = sin u", 3, 3,
             lambda: conservation_laws(s["sine-Gordon u_xt = sin u"], 3, degree=3)),
            ("laws", "NLS (real system)", 2, 2,
             lambda: conservation_laws(s["NLS (real system)"], 2)),
            ("Noether characteristics", "Kepler q_tt = -q/r^3", 1, 1,
             lambda: variational_characteristics(L, kj, 1, degree=1)),
            ("symmetries", "Kepler q_tt = -q/r^3", 1, 1,
             lambda: generalized_symmetries(s["Kepler q_tt = -q/r^3"], 1, degree=1)),
        ]
    if args.kepler3d:
        rows.append(("Noether characteristics", "Kepler in 3D", 1, 1,
                     lambda: variational_characteristics(L3, k3, 1, degree=1)))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at the start (wall > CPU when the "
          f"machine is shared)\n")
    print("| search | equation | order | degree | found | wall [s] | CPU [s] | bound [s] | "
          "ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, name, order, degree, fn in rows:
        wall, cpu, out = _timed(fn, args.repeats)
        found = len(out.basis) if hasattr(out, "basis") else len(out)
        print(f"| {kind} | {name} | {order} | {degree} | {found} | {wall:.1f} | {cpu:.1f} | "
              f"{BOUND:.0f} | {wall / BOUND:.2f} |", flush=True)

    # polynomial ansatz vs the general one (an arbitrary function of all coordinates),
    # interleaved on the same systems
    print()
    print("| system, order | polynomial (degree 2) wall [s] | general wall [s] | same span | "
          "ratio polynomial/general |")
    print("|---|---|---|---|---|")
    for name, system, order in [("KdV, 2", kdv, 2), ("Burgers, 2", burgers, 2)]:
        poly, gen = [], []
        for _ in range(args.repeats):
            w, _c, a = _timed(lambda s=system, o=order: find_multipliers(s, o), 1)
            poly.append(w)
            w, _c, b = _timed(lambda s=system, o=order: find_multipliers(s, o, degree=None), 1)
            gen.append(w)
        same = len(a.basis) == len(b.basis) and set(a.basis) == set(b.basis)
        p, g = statistics.median(poly), statistics.median(gen)
        print(f"| {name} | {p:.2f} | {g:.2f} | {same} | {p / g:.2f} |", flush=True)


if __name__ == "__main__":
    main()

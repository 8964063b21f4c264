"""Timings of fieldsym I against the issue's bounds, and of our Euler operator against
sympy's ``euler_equations`` on the same Lagrangians (interleaved, one process); and the
literature catalogue (``fieldsym.catalogue``): every entry solved and compared with its
published algebra, CPU and wall seconds each, against the 60 s bound of issue 35.

Run: ``python benchmarks/fieldsym_symmetries.py [--repeats 3] [--no-catalogue]
[--results DIR]``.  Prints Markdown tables; "ratio" is (our median time) / (bound or
reference median time): below 1 is within bound / faster than the reference.  The catalogue
table is also written to ``benchmarks/results/fieldsym_catalogue.md``.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time
from pathlib import Path

import sympy as sp
from sympy.calculus.euler import euler_equations

from fieldsym import (
    JetSpace,
    PDESystem,
    conservation_law_flux,
    conserved_densities,
    euler_lagrange,
    lie_point_symmetries,
    noether_current,
    variational_symmetries,
)
from fieldsym.noether import NotConservedError
from fieldsym.vector_fields import VectorField


def _timed(fn, repeats):
    times = []
    for _ in range(repeats):
        sp.core.cache.clear_cache()  # no help from a warm sympy cache
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--heavy", action="store_true",
                    help="also classify Klein-Gordon in 3+1 (Poincare, ~20-40 s)")
    ap.add_argument("--no-catalogue", action="store_true",
                    help="skip the literature catalogue (about 10 min of CPU)")
    ap.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    ap.add_argument("--only", nargs="*", default=None, metavar="NAME",
                    help="catalogue entries whose name contains one of these")
    args = ap.parse_args(argv)
    if not args.no_catalogue:
        catalogue(args.results, args.only)
    r = args.repeats
    x, t = sp.symbols("x t")
    jet = JetSpace([x, t], ["u"])
    u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    heat = PDESystem(jet, [u_t - jet.coord("u", (x, x))])
    kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])

    def density(T):
        try:
            conservation_law_flux(T, kdv, t)
        except NotConservedError:
            pass

    rows = [("heat equation: point symmetry classification", 10.0,
             lambda: lie_point_symmetries(heat))]
    for name, T in [("u", u), ("u^2", u**2), ("u^3 - u_x^2/2", u**3 - u_x**2 / 2),
                    ("u^4 (rejected)", u**4)]:
        rows.append((f"KdV density check {name}", 2.0, lambda T=T: density(T)))
    xx = jet.coord("u", (x, x))
    cands = [u, u**2, xx, u**3, u * xx, u_x**2, u**4, x * u, t * u**2]
    rows.append(("KdV: all conserved densities in a 9-term span", None,
                 lambda: conserved_densities(cands, kdv, t)))
    rows.append(("KdV: point symmetry classification", None,
                 lambda: lie_point_symmetries(PDESystem(
                     jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))]))))
    rows.append(("1+1 wave: variational symmetries", None,
                 lambda: variational_symmetries((u_t**2 - u_x**2) / 2, jet)))
    X = sp.symbols("t x y z")
    names = [f"A{k}" for k in range(4)]
    mj = JetSpace(X, names)
    eta = [1, -1, -1, -1]
    F = [[mj.coord(names[n], X[m]) - mj.coord(names[m], X[n]) for n in range(4)]
         for m in range(4)]
    L_em = -sp.Rational(1, 4) * sum(eta[m] * eta[n] * F[m][n] ** 2
                                    for m in range(4) for n in range(4))

    def maxwell():
        for nu in range(4):
            noether_current(VectorField(mj, {X[nu]: 1}, {names[m]: mj.D(mj.coord(names[nu]),
                                                                        X[m]) for m in range(4)}),
                            L_em)

    rows.append(("Maxwell: improved energy-momentum tensor", None, maxwell))
    if args.heavy:
        kj = JetSpace(X, ["phi"])
        dk = [kj.coord("phi", v) for v in X]
        L_kg = (dk[0] ** 2 - dk[1] ** 2 - dk[2] ** 2 - dk[3] ** 2) / 2 \
            - sp.Symbol("m") ** 2 * kj.coord("phi") ** 2 / 2
        rows.append(("Klein-Gordon 3+1: variational symmetries (Poincare)", None,
                     lambda: variational_symmetries(L_kg, kj)))

    print("| task | median time [s] | bound [s] | ratio |")
    print("|---|---|---|---|")
    for name, bound, fn in rows:
        med = _timed(fn, r)
        ratio = f"{med / bound:.3f}" if bound else "-"
        print(f"| {name} | {med:.3f} | {bound if bound else '-'} | {ratio} |")

    # Euler operator vs sympy's euler_equations, interleaved on the same Lagrangians
    print()
    print("| Lagrangian | ours [s] | sympy euler_equations [s] | ratio ours/sympy |")
    print("|---|---|---|---|")
    cases = [("KdV potential form", u_x * u_t / 2 + u_x**3 - jet.coord("u", (x, x)) ** 2 / 2),
             ("wave", (u_t**2 - u_x**2) / 2),
             ("Maxwell (4 fields, 3+1)", L_em)]
    for name, L in cases:
        j = mj if L is L_em else jet
        funcs = [j.function(f) for f in j.fields]
        Lf = j.to_derivatives(L)
        ours, theirs = [], []
        for _ in range(r):
            sp.core.cache.clear_cache()
            t0 = time.perf_counter()
            euler_lagrange(L, j)
            ours.append(time.perf_counter() - t0)
            sp.core.cache.clear_cache()
            t0 = time.perf_counter()
            euler_equations(Lf, funcs, list(j.independent))
            theirs.append(time.perf_counter() - t0)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"| {name} | {a:.4f} | {b:.4f} | {a / b:.2f} |")


def catalogue(results: Path, only=None, bound: float = 60.0):
    """Solve every catalogue entry (CPU-time limit ``bound``), print and save the table."""
    from fieldsym.catalogue import check_entry, entries

    chosen = [e for e in entries() if not only or any(o in e.name for o in only)]
    outcomes = []
    lines = ["| # | entry | source | status | found / published | certified | CPU [s] | "
             "wall [s] | CPU / 60 s |", "|---|---|---|---|---|---|---|---|---|"]
    for k, e in enumerate(chosen):
        o = check_entry(e, timeout=bound)
        outcomes.append(o)
        lines.append(f"| {k} | {e.name} | {e.source} | {o.status} | {o.found} / "
                     f"{o.published}{' + families' if e.families else ''} | "
                     f"{'yes' if o.certified else 'no'} | {o.cpu_seconds:.2f} | "
                     f"{o.seconds:.2f} | {o.cpu_seconds / bound:.3f} |")
        print(lines[-1], flush=True)
    counts = collections.Counter(o.status for o in outcomes)
    cpu = [o.cpu_seconds for o in outcomes]
    n = len(outcomes)
    summary = [
        "",
        f"entries: {n}; matched {counts['matched']} ({100 * counts['matched'] / n:.1f} %), "
        f"unsolved {counts['unsolved']}, wrong {counts['wrong']}, entry errors "
        f"{counts['entry-error'] + counts['entry-incomplete']}",
        f"certified by the formal count: {sum(o.certified for o in outcomes)}",
        f"CPU seconds per entry: median {statistics.median(cpu):.2f}, max {max(cpu):.2f}, "
        f"total {sum(cpu):.1f}; over {bound:g} s: {sum(c >= bound for c in cpu)}",
        "unsolved or wrong: " + ("; ".join(f"{o.entry.name} ({o.status}: {o.detail[:120]})"
                                           for o in outcomes if o.status != "matched")
                                 or "none"),
    ]
    print("\n".join(summary))
    results.mkdir(parents=True, exist_ok=True)
    (results / "fieldsym_catalogue.md").write_text(
        "# fieldsym literature catalogue (issue 35)\n\n"
        "Each entry solved by `lie_point_symmetries`/`variational_symmetries` with a 60 s "
        "CPU limit and compared with its published algebra (`fieldsym.catalogue`). CPU "
        "seconds of this process; wall seconds on a shared 2-core machine.\n\n"
        + "\n".join(lines + summary) + "\n")
    return outcomes


if __name__ == "__main__":
    main()

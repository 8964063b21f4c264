"""Throughput of liegeom vs geomstats (numpy backend) and scipy on 10^5 batched matrices.

Operations: polar decomposition, SPD exp and log, Iwasawa (QR with positive diagonal), and Haar
sampling of SO(n), for n = 2 and 3 in float64. Each row times every implementation on the same
inputs, interleaved (ours, reference, ours, ...), best of 3, in one process, and prints the
ratio. Per-matrix references (scipy polar, geomstats polar) are timed on a subset and scaled
linearly; the table says so. SPD exp/log time the default call (no derivative tracked), which
for n = 2, 3 uses the eigenvector-free kernels of :func:`liegeom.linalg.sym_funcm`.
The allocator is pinned for every library alike (``benchmarks/_malloc.py``;
``--no-pin-malloc`` skips it). Usage: ``python benchmarks/liegeom_vs_geomstats.py [--batch N]``;
the table (with the date and the machine's load average) is also written to
``benchmarks/results/liegeom_vs_geomstats.md``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import geomstats.backend as gs  # noqa: E402
import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.stats  # noqa: E402
import torch  # noqa: E402
from _malloc import pin_malloc  # noqa: E402
from geomstats.geometry.spd_matrices import expmh, logmh  # noqa: E402
from geomstats.geometry.special_orthogonal import SpecialOrthogonal  # noqa: E402

from liegeom import linalg as la  # noqa: E402
from liegeom.decompositions import iwasawa, polar  # noqa: E402
from liegeom.groups import SO, SPD, GLPlus  # noqa: E402


def best_of(fns: dict, repeats: int = 3) -> dict:
    """Interleave the callables, ``repeats`` rounds, and keep each one's best time."""
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


def numpy_iwasawa(g: np.ndarray):
    """What a numpy/geomstats user writes: batched QR, then fix the signs."""
    q, r = gs.linalg.qr(g)
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    q = q * d[..., None, :]
    r = r * d[..., :, None]
    a = np.diagonal(r, axis1=-2, axis2=-1)
    return q, a, r / a[..., :, None]


def rows_for(n: int, B: int, sub: int) -> list:
    """Timings for one matrix size: (name, ours, geomstats, scipy, note) in seconds."""
    scale = B / sub
    rows = []
    gen = torch.Generator().manual_seed(n)
    g = GLPlus(n).random_point((B,), generator=gen)
    S = SPD(n).random_point((B,), generator=gen)
    X = la.spd_log(S)
    g_np, S_np, X_np = g.numpy(), S.numpy(), X.numpy()
    gs_so = SpecialOrthogonal(n, point_type="matrix")

    t = best_of({
        "ours": lambda: polar(g),
        "geomstats": lambda: [gs.linalg.polar(m) for m in g_np[:sub]],
        "scipy": lambda: [scipy.linalg.polar(m, side="left") for m in g_np[:sub]],
    })
    rows.append((f"polar, n={n}", t["ours"], t["geomstats"] * scale, t["scipy"] * scale,
                 f"geomstats/scipy per matrix: {sub} timed, x{scale:g}"))
    t = best_of({"ours": lambda: la.spd_exp(X), "geomstats": lambda: expmh(X_np)})
    rows.append((f"SPD exp, n={n}", t["ours"], t["geomstats"], None, "geomstats expmh"))
    t = best_of({"ours": lambda: la.spd_log(S), "geomstats": lambda: logmh(S_np),
                 "torch eigh": lambda: la.spd_log(S, method="lapack")})
    rows.append((f"SPD log, n={n}", t["ours"], t["geomstats"], None,
                 f"geomstats logmh; our LAPACK route {t['torch eigh'] * 1e3:.0f} ms"))
    t = best_of({"ours": lambda: iwasawa(g), "numpy": lambda: numpy_iwasawa(g_np),
                 "torch qr": lambda: iwasawa(g, method="qr")})
    rows.append((f"Iwasawa, n={n}", t["ours"], t["numpy"], None,
                 f"ref: gs.linalg.qr + sign fix; our torch QR {t['torch qr'] * 1e3:.0f} ms"))
    t = best_of({
        "ours": lambda: SO(n).random_point((B,), generator=gen),
        "geomstats": lambda: gs_so.random_uniform(B),
        "scipy": lambda: scipy.stats.special_ortho_group.rvs(n, size=B, random_state=0),
    })
    rows.append((f"Haar SO({n})", t["ours"], t["geomstats"], t["scipy"],
                 "geomstats random_uniform is not Haar"))

    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: a fair match for numpy's per-matrix LAPACK "
                             "loops, and stable on a shared machine)")
    parser.add_argument("--subset", type=int, default=5_000,
                        help="batch for per-matrix references, scaled to --batch")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" /
                                             "liegeom_vs_geomstats.md"),
                        help="also write the table here ('' for nowhere)")
    parser.add_argument("--no-pin-malloc", action="store_true",
                        help="leave glibc's allocator thresholds as they are")
    args = parser.parse_args()
    pinned = not args.no_pin_malloc and pin_malloc()
    B, sub = args.batch, min(args.subset, args.batch)
    torch.set_num_threads(args.threads)
    rows = [row for n in (2, 3) for row in rows_for(n, B, sub)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [f"liegeom vs geomstats {gs.__name__.split('.')[-1]} / scipy, batch {B}, float64, "
             f"best of 3, torch threads {torch.get_num_threads()}, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load} on "
             f"{os.cpu_count()} cores, allocator {'pinned' if pinned else 'not pinned'} (ratios "
             f"within this run are what count)", "",
             "| operation | liegeom (ms) | geomstats (ms) | scipy (ms) | vs geomstats | vs scipy "
             "| note |", "|---|---:|---:|---:|---:|---:|---|"]
    for name, ours, ref, sp, note in rows:
        sp_ms = f"{sp * 1e3:.0f}" if sp is not None else "-"
        sp_ratio = f"{sp / ours:.1f}x" if sp is not None else "-"
        lines.append(f"| {name} | {ours * 1e3:.1f} | {ref * 1e3:.0f} | {sp_ms} | "
                     f"{ref / ours:.1f}x | {sp_ratio} | {note} |")
    worst = min(rows, key=lambda r: r[2] / r[1])
    lines += ["", f"smallest ratio vs geomstats: {worst[2] / worst[1]:.1f}x ({worst[0]}); "
              f"target >= 10x: {'met' if worst[2] / worst[1] >= 10 else 'NOT met'}"]
    text = "\n".join(lines)
    print("\n" + text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()

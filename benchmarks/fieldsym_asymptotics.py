"""Time the asymptotic-symmetry derivations against the bounds of issue 36.

The BMS3 chain (``fieldsym.bms3.chain``: solution space to central charges, I⁺/I⁻ matching,
Minkowski vacua) must take under 20 s, and 3D gravity with Λ = -1/ℓ² derived from the Bondi
ansatz as data (``fieldsym.ads3.derive_ads3``) under 60 s. Each is run ``--repeats`` times in
this process, fresh each time; the table gives CPU and wall seconds (CPU time is what a busy
machine does not inflate).

Run: ``python benchmarks/fieldsym_asymptotics.py [--repeats 2]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import sympy as sp

from fieldsym.ads3 import derive_ads3, ell
from fieldsym.bms3 import chain

CASES = [("BMS3 chain (Λ = 0)", lambda: chain(), 20.0),
         ("3D gravity, Λ = -1/ℓ²", lambda: derive_ads3(-1 / ell**2), 60.0),
         ("same ansatz, Λ = 0", lambda: derive_ads3(sp.S.Zero), 60.0)]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args(argv)
    print("| derivation | CPU s (median) | wall s (median) | bound s | within |")
    print("|---|---:|---:|---:|---|")
    for name, run, bound in CASES:
        cpu, wall = [], []
        for _ in range(args.repeats):
            c0, w0 = time.process_time(), time.perf_counter()
            run()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        c, w = statistics.median(cpu), statistics.median(wall)
        print(f"| {name} | {c:.1f} | {w:.1f} | {bound:.0f} | {'yes' if c < bound else 'no'} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

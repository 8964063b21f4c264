"""Run a Python script or snippet the way a user would: a fresh interpreter in an empty folder.

Shared by ``tests/test_readme.py`` and ``tests/test_examples.py``. The budget is CPU time (user +
system of the child), not wall time: on a 2-core machine shared with other jobs the wall time of
a 5 s script can reach a minute, while its CPU time is what it costs on an idle one.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: CPU seconds one README block or example script may take.
CPU_BUDGET_S = 30.0
#: Wall-clock limit against hangs (generous: the machine may be busy).
WALL_LIMIT_S = 300.0


def run_python(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """``python ARGS`` in ``cwd`` with one BLAS/torch thread and a non-interactive matplotlib;
    returns the finished process and the CPU seconds it used."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=WALL_LIMIT_S)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, cpu


def check_ran(proc: subprocess.CompletedProcess, cpu: float, what: str) -> None:
    """Fails with the script's output when it exited non-zero or took more than the budget."""
    if proc.returncode != 0:
        raise AssertionError(f"{what} exited with status {proc.returncode}\n--- stdout ---\n"
                             f"{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}")
    if cpu > CPU_BUDGET_S:
        raise AssertionError(f"{what} took {cpu:.1f} s of CPU time, over the budget of "
                             f"{CPU_BUDGET_S:.0f} s")

"""Every script in ``examples/`` runs as a user would run it (``python examples/NAME.py`` in a
fresh interpreter, from an empty folder), under 30 s of CPU time."""

from __future__ import annotations

import pytest

from tests.script_runner import ROOT, check_ran, run_python

SCRIPTS = sorted((ROOT / "examples").glob("*.py"))


def test_examples_exist_for_each_package():
    names = [p.name for p in SCRIPTS]
    for package in ("liegeom", "fieldsym", "nets"):
        assert any(n.startswith(package) for n in names), (package, names)


@pytest.mark.examples
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs(script, tmp_path):
    proc, cpu = run_python([str(script)], cwd=tmp_path)
    check_ran(proc, cpu, f"examples/{script.name}")
    assert proc.stdout.strip(), f"examples/{script.name} printed nothing"

"""``liegeom haar`` and ``liegeom demo`` as a user runs them (subprocess)."""

import os
import re
import subprocess
import sys

import pytest

from liegeom.__main__ import main

ENV = dict(os.environ, OMP_NUM_THREADS="1")


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "liegeom", *args], capture_output=True,
                          text=True, env=ENV, cwd=cwd, timeout=300)


def _residuals(stdout):
    return [float(x) for x in re.findall(r"\s(\d\.\d\de[+-]\d\d)\s", stdout + "\n")]


def test_haar_sl2_iwasawa_prints_derived_density_and_small_residuals():
    res = _run("haar", "SL", "2", "--chart", "iwasawa", "--samples", "4")
    assert res.returncode == 0, res.stderr
    assert "exp(2*t)" in res.stdout
    values = _residuals(res.stdout)
    assert len(values) == 4 and max(values) < 1e-8, res.stdout


def test_haar_latex_and_affine_modular_function(capsys):
    """In-process (same parser and entry point as the console script)."""
    assert main(["haar", "AFF", "2", "--chart", "kak", "--latex", "--samples", "2"]) == 0
    stdout = capsys.readouterr().out
    assert r"\frac{1}{\left|{a_{11} a_{22} - a_{12} a_{21}}\right|}" in stdout
    assert "modular fn" in stdout
    values = _residuals(stdout)
    assert len(values) == 6 and max(values) < 1e-8, stdout


@pytest.mark.parametrize("args,message", [
    (["haar", "SL", "2", "--chart", "polar"], "needs GLPlus"),
    (["haar", "SL", "1"], "N >= 2"),
    (["haar", "GL", "2", "--samples", "0"], "--samples >= 1"),
])
def test_haar_bad_input_is_a_clear_error(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_demo_quick_writes_figures_and_table(tmp_path):
    res = _run("demo", "--out", str(tmp_path), "--quick")
    assert res.returncode == 0, res.stderr
    out = tmp_path / "liegeom"
    for name in ("sl2_kak_density.png", "invariance_hist.png", "invariance.md"):
        assert (out / name).stat().st_size > 0, name
    table = (out / "invariance.md").read_text()
    values = [float(x) for x in re.findall(r"\d\.\de[+-]\d\d", table)]
    assert len(values) == 14 and max(values) < 1e-8, table
    assert "2*sinh(2*t)" in res.stdout

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


def test_haar_sl2_iwasawa_prints_derived_density_and_small_residuals(tmp_path):
    res = _run("haar", "SL", "2", "--chart", "iwasawa", "--samples", "4", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "exp(2*t)" in res.stdout
    values = _residuals(res.stdout)
    assert len(values) == 4 and max(values) < 1e-8, res.stdout
    written = (tmp_path / "liegeom" / "haar-SL2-iwasawa.txt").read_text()
    assert written in res.stdout and "exp(2*t)" in written  # the report, as printed


def test_haar_latex_and_affine_modular_function(capsys, tmp_path):
    """In-process (same parser and entry point as the console script)."""
    assert main(["haar", "AFF", "2", "--chart", "kak", "--latex", "--samples", "2",
                 "--out", str(tmp_path)]) == 0
    stdout = capsys.readouterr().out
    assert r"\frac{1}{\left|{a_{11} a_{22} - a_{12} a_{21}}\right|}" in stdout
    assert "modular fn" in stdout
    values = _residuals(stdout)
    assert len(values) == 6 and max(values) < 1e-8, stdout
    assert "modular fn" in (tmp_path / "liegeom" / "haar-AFF2-kak.txt").read_text()


@pytest.mark.parametrize("args,message", [
    (["haar", "SL", "2", "--chart", "polar"], "needs GLPlus"),
    (["haar", "SL", "1"], "argument n: expected N >= 2, got '1'"),
    (["haar", "GL", "two"], "argument n: expected a positive integer, got 'two'"),
    (["haar", "SO", "3"], "argument group: invalid choice"),
    (["haar", "GL", "2", "--samples", "0"], "--samples: expected a positive integer, got '0'"),
    (["haar", "GL", "2", "--seed", "-1"], "--seed: expected an integer >= 0, got '-1'"),
    (["haar", "GL", "2", "--chart", "cartan"], "argument --chart: invalid choice"),
])
def test_haar_bad_input_is_a_usage_error_before_any_work(args, message, capsys, tmp_path,
                                                         monkeypatch):
    """Exit status 2 with the subcommand's usage and a message naming what was expected and
    what came; nothing computed (tripwire), nothing written."""
    from liegeom import _cmd_haar

    def tripwire(*a, **k):
        raise AssertionError("the report was computed for bad options")

    monkeypatch.setattr(_cmd_haar, "haar_report", tripwire)
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--out", str(tmp_path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "usage: liegeom haar" in err, err
    assert not (tmp_path / "liegeom").exists()


def test_haar_help_shows_defaults(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["haar", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for default in ("(default: iwasawa)", "(default: 20)", "(default: 0)", "(default: out)"):
        assert default in text, text


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

"""`fieldsym symmetries`: prints the algebra, commutators and currents; refuses bad input with
a clear message and a nonzero status; the demo part writes its file."""

import argparse

import pytest

from fieldsym.__main__ import main
from fieldsym._cmd_symmetries import demo


def test_equation_prints_algebra_and_commutators(capsys):
    assert main(["symmetries", "--equation", "u_t = u_xx", "--vars", "x", "t",
                 "--fields", "u"]) == 0
    out = capsys.readouterr().out
    assert "6 generators" in out and "commutators" in out and "[v1, v2]" in out
    assert "4*t*x*∂_x + 4*t**2*∂_t" in out


def test_lagrangian_prints_currents_and_latex(capsys):
    assert main(["symmetries", "--lagrangian", "m*q_t**2/2", "--vars", "t", "--fields", "q",
                 "--params", "m", "--latex"]) == 0
    out = capsys.readouterr().out
    assert "5 generators" in out and "Noether currents" in out
    assert "P^t = m*(-q + q_t*t)" in out  # the boost current m (t q_t - q)
    assert "\\begin{align*}" in out


def test_wave_lagrangian_prints_family_currents(capsys):
    assert main(["symmetries", "--lagrangian", "u_t**2/2 - u_x**2/2", "--vars", "x", "t",
                 "--fields", "u"]) == 0
    out = capsys.readouterr().out
    assert "family 1" in out and "P^t" in out


@pytest.mark.parametrize("args, message", [
    (["--equation", "u_t - __import__('os').system('true')"], "attribute access"),
    (["--equation", "u_t - __import__('os')"], "dunder"),
    (["--equation", "u_t - u.func"], "attribute access"),
    (["--lagrangian", "eval('u')"], "unknown function 'eval'"),
    (["--lagrangian", "u_t**2 - y"], "'y'"),
    (["--lagrangian", "u(x)**2"], "inconsistent"),
])
def test_bad_input_is_refused_with_the_term(capsys, args, message):
    status = main(["symmetries", *args, "--vars", "x", "t", "--fields", "u"])
    assert status == 2
    assert message in capsys.readouterr().err


def test_demo_writes_the_heat_algebra_and_kdv_laws(tmp_path, capsys):
    # only this module's part of `fieldsym demo` (other parts belong to other commands)
    assert demo(argparse.Namespace(out=str(tmp_path), quick=True)) == 0
    text = (tmp_path / "fieldsym" / "symmetries.txt").read_text()
    assert "v6 =" in text and "rejected" in text and "T = u**2" in text


def test_fields_with_their_own_arguments_on_the_command_line(capsys):
    assert main(["symmetries", "--equation", "N_uu = Theta", "--vars", "u", "phi",
                 "--fields", "Theta(phi)", "N(u,phi)"]) == 0
    assert "families" in capsys.readouterr().out
    assert main(["symmetries", "--equation", "N_uu = Theta(u)", "--vars", "u", "phi",
                 "--fields", "Theta(phi)", "N(u,phi)"]) == 2
    assert "Theta(u)" in capsys.readouterr().err


def test_oversized_equations_are_refused_with_the_limit_named(capsys):
    status = main(["symmetries", "--equation", "u_t - (u_x+1)**64*(u_xx+1)**64", "--vars", "x",
                   "t", "--fields", "u"])
    assert status == 2
    assert "max_terms=500" in capsys.readouterr().err


def test_time_limit_gives_a_clear_message(capsys):
    status = main(["symmetries", "--equation", "u_t = u_xx", "--vars", "x", "t", "--fields",
                   "u", "--timeout", "0.001"])
    assert status == 3
    assert "time limit" in capsys.readouterr().err


def test_memory_limit_gives_a_clear_message():
    # a subprocess: the limit applies to the whole process
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-m", "fieldsym", "symmetries", "--equation",
         "u_t - (u_x+1)**40*(u_xx+1)**40", "--vars", "x", "t", "--fields", "u",
         "--max-terms", "100000", "--max-memory", "60", "--timeout", "60"],
        capture_output=True, text=True, timeout=300)
    assert res.returncode in (3, 4)
    assert "--max-memory" in res.stderr or "time limit" in res.stderr

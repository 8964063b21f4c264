"""`fieldsym conservation-laws`: prints the laws (and generalized symmetries, LaTeX on request);
refuses bad options before any work (usage error, status 2) and bad expressions with the term
(status 2); reports an unfinished search (status 3); the demo part writes its file."""

import argparse

import pytest

from fieldsym.__main__ import main
from fieldsym._cmd_conservation import demo

KDV = ["conservation-laws", "--equation", "u_t + 6*u*u_x + u_xxx", "--vars", "x", "t",
       "--fields", "u", "--solve-for", "u_t"]


def test_kdv_laws_and_symmetries_with_latex(capsys):
    assert main(KDV + ["--order", "2", "--symmetries", "--latex"]) == 0
    out = capsys.readouterr().out
    assert "4 laws" in out
    assert "Lambda = (3*u**2 + u_xx):  T = u**3 - u_x**2/2" in out
    assert "generalized symmetries" in out and "= (-6*t*u_x + 1)" in out
    assert "\\begin{align*}" in out and "\\Lambda" in out


def test_burgers_has_one_law(capsys):
    assert main(["conservation-laws", "--equation", "u_t = u_xx - u*u_x", "--vars", "x", "t",
                 "--fields", "u", "--order", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 law," not in out and "1 law " in out and "T = u,  X^x = u**2/2 - u_x" in out


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit) as err:
        main(["conservation-laws", "--help"])
    assert err.value.code == 0
    text = capsys.readouterr().out
    assert "(default: 2)" in text and "(default: 120.0)" in text


@pytest.mark.parametrize("extra, message", [
    (["--order", "11"], "--order: expected at most 10"),
    (["--order", "-1"], "expected an integer >= 0"),
    (["--degree", "two"], "--degree: expected an integer >= 0 or 'general'"),
    (["--degree", "9"], "--degree: expected 0..6"),
    (["--time", "y"], "--time: 'y' is not one of --vars"),
    (["--timeout", "0"], "expected a finite number > 0"),
    (["--solve-for", "u_t", "u_x"], "one principal derivative per equation"),
])
def test_bad_options_are_usage_errors(capsys, extra, message):
    with pytest.raises(SystemExit) as err:
        main(KDV[:-2] + extra)
    assert err.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("equation, message", [
    ("u_t - __import__('os').system('true')", "attribute access"),
    ("u_t - eval('u')", "unknown function 'eval'"),
    ("u_t - w", "'w'"),
])
def test_bad_expressions_are_refused_with_the_term(capsys, equation, message):
    status = main(["conservation-laws", "--equation", equation, "--vars", "x", "t",
                   "--fields", "u"])
    assert status == 2
    assert message in capsys.readouterr().err


def test_an_unfinished_search_is_reported(capsys):
    status = main(KDV + ["--order", "4", "--timeout", "0.001"])
    assert status == 3
    assert "could not finish" in capsys.readouterr().err


def test_demo_writes_the_laws(tmp_path):
    assert demo(argparse.Namespace(out=str(tmp_path), quick=True)) == 0
    text = (tmp_path / "fieldsym" / "conservation.txt").read_text()
    assert "# KdV" in text and "Burgers" in text and "generalized symmetries" in text

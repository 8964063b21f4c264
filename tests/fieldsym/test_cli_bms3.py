"""``fieldsym bms3`` and the fieldsym part of ``demo``: every step printed with its time, LaTeX
written; the demo writes OUT/fieldsym/bms3.txt and bms3.tex; ``--cosmological-constant`` runs
3D gravity with that Lambda (parsed safely)."""

from __future__ import annotations

import re

import fieldsym.bms3 as bms3
from fieldsym.__main__ import main


def test_bms3_command_derives_the_chain_and_writes_latex(tmp_path, capsys):
    tex = tmp_path / "bms3.tex"
    assert main(["bms3", "--latex", str(tex)]) == 0
    out = capsys.readouterr().out
    times = re.findall(r"^== .*\[(\d+\.\d+) s\]$", out, flags=re.M)
    assert len(times) == 13
    assert "c_2: 3/G" in out and "c_1: 0" in out
    assert "map phi -> : phi + pi" in out
    body = tex.read_text()
    assert body.startswith("\\documentclass") and body.rstrip().endswith("\\end{document}")
    assert body.count("\\section*") == 13 and "\\mathcal{N}" in body


def test_demo_writes_text_and_latex_reports(tmp_path, monkeypatch, capsys):
    result = bms3.cached_chain()
    monkeypatch.setattr(bms3, "chain", lambda: result)  # the chain itself runs in the test above
    assert main(["demo", "--out", str(tmp_path), "--quick"]) == 0
    txt = (tmp_path / "fieldsym" / "bms3.txt").read_text()
    assert "I+: charge algebra" in txt and "== total" in txt
    assert (tmp_path / "fieldsym" / "bms3.tex").exists()
    ads = (tmp_path / "fieldsym" / "ads3.txt").read_text()
    assert "c(Lp,Lp), shift: (3*ell/(2*G), ell/(16*G))" in ads
    assert (tmp_path / "fieldsym" / "ads3.tex").exists()


def test_cosmological_constant_option_derives_two_virasoro_algebras(tmp_path, capsys):
    tex = tmp_path / "ads3.tex"
    assert main(["bms3", "--cosmological-constant=-1/ell**2", "--latex", str(tex)]) == 0
    out = capsys.readouterr().out
    assert "Lambda = -1/ell**2" in out
    assert "d_u M(u, phi): 2*Derivative(N(u, phi), phi)/ell**2" in out
    assert "c(Lp,Lp), shift: (3*ell/(2*G), ell/(16*G))" in out
    assert "c(J,P), shift: (3/G, 1/(8*G))" in out
    assert "flat limit ell -> oo" in out and "i{P_m,P_n}: 0" in out
    times = re.findall(r"^== .*\[(\d+\.\d+) s\]$", out, flags=re.M)
    assert len(times) == 8
    assert tex.read_text().count("\\section*") == 8


def test_cosmological_constant_is_parsed_safely(capsys):
    assert main(["bms3", "--cosmological-constant=__import__('os')"]) == 2
    assert "error: --cosmological-constant" in capsys.readouterr().err

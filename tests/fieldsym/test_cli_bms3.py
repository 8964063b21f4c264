"""``fieldsym bms3`` and the fieldsym part of ``demo``: every step printed with its time, LaTeX
written; the demo writes OUT/fieldsym/bms3.txt and bms3.tex."""

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

"""Promises of the documentation that need no Sphinx build: every checkpoint in the tree is
listed in the manifest with its sha256, and every example script has its tutorial page."""

from __future__ import annotations

import hashlib
import re

from tests.script_runner import ROOT

CHECKPOINTS = ROOT / "benchmarks" / "results" / "checkpoints"


def test_every_checkpoint_is_in_the_manifest_with_its_sha256():
    manifest = (CHECKPOINTS / "MANIFEST.md").read_text(encoding="utf-8")
    listed = dict((name, digest) for digest, name in
                  re.findall(r"^([0-9a-f]{64})  (\S+)$", manifest, flags=re.M))
    present = sorted(p.name for p in CHECKPOINTS.iterdir() if p.suffix in (".pt", ".ckpt"))
    assert present, "no checkpoint in the tree: the n-body results page cites some"
    assert sorted(listed) == present, (sorted(listed), present)
    for name, digest in listed.items():
        assert hashlib.sha256((CHECKPOINTS / name).read_bytes()).hexdigest() == digest, name
        assert f"`{name}`" in manifest.split("| file |", 1)[1], f"{name}: no command listed"


def test_every_example_has_a_tutorial_page_that_includes_it():
    for script in sorted((ROOT / "examples").glob("*.py")):
        page = ROOT / "docs" / "tutorials" / f"{script.stem}.md"
        assert page.exists(), f"examples/{script.name} has no docs/tutorials/{page.name}"
        assert f"../../examples/{script.name}" in page.read_text(encoding="utf-8"), page
        index = (ROOT / "docs" / "tutorials" / "index.md").read_text(encoding="utf-8")
        assert re.search(rf"^{script.stem}$", index, flags=re.M), f"{page.name} not in the index"


def test_results_pages_carry_the_numbers_of_their_records():
    """A results page that copies a table from ``benchmarks/results/`` holds every number of
    the record as it is now (a rerun of the benchmark that changes a number fails this test
    until the page is updated)."""
    pages = {"so3-vs-peers.md": "so3_vs_peers.md"}
    for page, record in pages.items():
        source = ROOT / "benchmarks" / "results" / record
        if not source.exists():  # the record is not in this tree (yet)
            continue
        numbers = set(re.findall(r"\d+\.\d+(?:e[+-]\d+)?", source.read_text(encoding="utf-8")))
        text = (ROOT / "docs" / "results" / page).read_text(encoding="utf-8")
        missing = sorted(n for n in numbers if n not in text)
        assert not missing, f"docs/results/{page} lacks {missing} from {record}"

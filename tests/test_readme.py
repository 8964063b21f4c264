"""The README's promises: every ```python block runs as written, each in a fresh interpreter in an
empty folder, under 30 s of CPU time; its links to files in the repository resolve."""

from __future__ import annotations

import re

import pytest

from tests.script_runner import ROOT, check_ran, run_python

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, flags=re.M | re.S)


def _first_line(code: str) -> str:
    return next((line for line in code.splitlines() if line.strip()), "empty")[:40]


def test_readme_has_one_example_per_package():
    """The extraction found the quick tour (a README without python blocks would test nothing)."""
    joined = "\n".join(BLOCKS)
    for package in ("liegeom", "fieldsym", "nets"):
        assert re.search(rf"^\s*(from|import) {package}\b", joined, flags=re.M), package


@pytest.mark.examples
@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(code, tmp_path):
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    proc, cpu = run_python([str(script)], cwd=tmp_path)
    check_ran(proc, cpu, f"README block starting {_first_line(code)!r}")


def test_readme_links_resolve():
    """Relative links ``[text](path)`` point at files or folders that exist (docs pages are
    checked as their sources, ``docs/.../page.md``)."""
    missing = []
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README):
        if re.match(r"[a-z]+:", target):  # http(s):, mailto:
            continue
        if not (ROOT / target).exists():
            missing.append(target)
    assert not missing, f"README links to missing files: {missing}"


def test_readme_citation_names_the_version():
    """The version in the citation is the one symkit defines (``symkit.__version__``)."""
    import symkit

    assert re.search(r"version\s*=\s*\{(.+?)\}", README).group(1) == symkit.__version__


def _page_text(path) -> str:
    """A docs page with the files it includes (```{include} PATH```) appended."""
    text = path.read_text(encoding="utf-8")
    for inc in re.findall(r"^```\{include\}\s+(\S+)", text, flags=re.M):
        text += (path.parent / inc).read_text(encoding="utf-8")
    return text


def test_results_at_a_glance_match_their_pages():
    """Each row of the README's results table links to its results page, and every decimal
    number in the row is on that page (which carries the record's table)."""
    section = README.split("## Results at a glance", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    assert 1 <= len(rows) <= 10, len(rows)
    for row in rows:
        link = re.search(r"\]\((docs/results/[^)]+\.md)\)", row)
        assert link, f"row without a results page: {row}"
        page = _page_text(ROOT / link.group(1))
        for number in re.findall(r"\d+\.\d+(?:e[+-]\d+)?", row):
            assert number in page, f"{number} of README row {row[:60]!r} is not on {link.group(1)}"

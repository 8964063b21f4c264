"""``fieldsym bms3 [--latex FILE]``: derive the BMS3 chain from the Bondi ansatz, printing each
result with its time; ``demo`` writes ``OUT/fieldsym/bms3.txt`` and ``bms3.tex``."""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["register", "demo", "render_text", "render_latex"]


def render_text(steps, total) -> str:
    """Plain-text report: one block per step, with its wall time."""
    lines = [
        "BMS3 from the Bondi-gauge ansatz ds^2 = Theta du^2 - 2 du dr + 2 calN du dphi + r^2 dphi^2"
    ]
    for s in steps:
        lines += [f"== {s.title}  [{s.seconds:.2f} s]", s.text]
    lines.append(f"== total {total:.2f} s")
    return "\n".join(lines) + "\n"


def render_latex(steps, total) -> str:
    """A standalone LaTeX document with the same content."""
    body = []
    for s in steps:
        title = s.title.replace("<->", "$\\leftrightarrow$").replace("_", r"\_")
        body.append(
            f"\\section*{{{title} ({s.seconds:.2f} s)}}\n"
            f"\\begin{{itemize}}\n{s.latex}\n\\end{{itemize}}"
        )
    return (
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\usepackage[margin=2cm]{geometry}\n"
        "\\begin{document}\n\\allowdisplaybreaks\n"
        + "\n".join(body)
        + f"\n\\paragraph{{Total}} {total:.2f} s\n\\end{{document}}\n"
    )


def _run(latex=None, out=None):
    from .bms3 import chain

    t0 = time.perf_counter()
    print(
        "fieldsym bms3: deriving the BMS3 chain (I+, I-, algebra, linking, vacua) ...", flush=True
    )
    steps, _ = chain()
    total = time.perf_counter() - t0
    text = render_text(steps, total)
    print(text, end="", flush=True)
    if latex:
        Path(latex).parent.mkdir(parents=True, exist_ok=True)
        Path(latex).write_text(render_latex(steps, total))
        print(f"LaTeX written to {latex}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bms3.txt").write_text(text)
        (out / "bms3.tex").write_text(render_latex(steps, total))
        print(f"wrote {out / 'bms3.txt'} and {out / 'bms3.tex'}")
    return 0


def _cmd(args):
    return _run(latex=args.latex)


def register(subparsers):
    """Add ``fieldsym bms3``."""
    p = subparsers.add_parser(
        "bms3",
        help="derive BMS3 (solution space, symmetries, charges, algebra, I-/I+ link, vacua)",
        description="Derive the 3D asymptotically flat chain from the Bondi ansatz and falloffs.",
    )
    p.add_argument("--latex", metavar="FILE", help="also write the results as a LaTeX document")
    p.set_defaults(func=_cmd)


def demo(args):
    """The fieldsym part of ``make demo``: the whole chain (about 20-30 s on 2 cores)."""
    return _run(out=Path(args.out) / "fieldsym")

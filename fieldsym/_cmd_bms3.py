"""``fieldsym bms3 [--latex FILE] [--cosmological-constant EXPR]``: derive the BMS3 chain from
the Bondi ansatz (or, with a cosmological constant, 3D gravity in Bondi gauge with that
:math:`\\Lambda`), printing each result with its time; ``demo`` writes
``OUT/fieldsym/bms3.txt``, ``bms3.tex``, ``ads3.txt`` and ``ads3.tex``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

__all__ = ["register", "demo", "render_text", "render_latex", "parse_cosmological_constant"]

BMS3_TITLE = (
    "BMS3 from the Bondi-gauge ansatz ds^2 = Theta du^2 - 2 du dr + 2 calN du dphi + r^2 dphi^2"
)
LAMBDA_TITLE = (
    "3D gravity with Lambda = {lam} from the Bondi-gauge ansatz "
    "ds^2 = V du^2 - 2 e^(2 beta) du dr + 2 W du dphi + r^2 dphi^2"
)


def render_text(steps, total, title=BMS3_TITLE) -> str:
    """Plain-text report: one block per step, with its wall time."""
    lines = [title]
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


def parse_cosmological_constant(text: str):
    """Safe parse of ``text`` (numbers, ``ell`` positive, ``+ - * / **``), e.g. ``-1/ell**2``."""
    import sympy as sp

    from .jets import JetSpace
    from .parsing import parse_expression

    ell = sp.Symbol("ell", positive=True)
    return parse_expression(text, JetSpace([sp.Symbol("_none")], []), [ell])


def lambda_steps(lam):
    """The report steps of :func:`fieldsym.ads3.derive_ads3` for ``lam`` (computed once per
    process and value)."""
    from .ads3 import cached_ads3
    from .bms3 import report_infinity, report_modes

    res = cached_ads3(lam)
    T = dict(res.timings)
    steps = []
    report_infinity(steps, res.analysis, "I", "R_mn = 2 Lambda g_mn")
    report_modes(
        steps,
        "charge algebra, modes J_m = Q[Y = e^{im phi}], P_m = Q[T = e^{im phi}]",
        res.analysis.modes,
        T["charge algebra"] + T["mode algebra"],
    )
    if res.virasoro is not None:
        report_modes(
            steps,
            "charge algebra, modes L+-_m (Y+- = e^{i m x+-}, x+- = u/ell +- phi)",
            res.virasoro,
            T["Virasoro basis"],
        )
    if res.flat_limit is not None:
        s, v = res.limit
        report_modes(
            steps, f"flat limit {s} -> {v} of the J, P algebra", res.flat_limit, T["flat limit"]
        )
    return steps


def _run(latex=None, out=None, cosmological_constant=None, stem="bms3"):
    t0 = time.perf_counter()
    if cosmological_constant is None:
        from .bms3 import chain

        print(
            "fieldsym bms3: deriving the BMS3 chain (I+, I-, algebra, linking, vacua) ...",
            flush=True,
        )
        steps, _ = chain()
        title = BMS3_TITLE
    else:
        from .parsing import ParseError

        try:
            lam = parse_cosmological_constant(cosmological_constant)
        except ParseError as err:
            print(f"error: --cosmological-constant: {err}", file=sys.stderr)
            return 2
        print(f"fieldsym bms3: deriving 3D gravity with Lambda = {lam} ...", flush=True)
        steps = lambda_steps(lam)
        title = LAMBDA_TITLE.format(lam=lam)
    total = time.perf_counter() - t0
    text = render_text(steps, total, title)
    print(text, end="", flush=True)
    if latex:
        Path(latex).parent.mkdir(parents=True, exist_ok=True)
        Path(latex).write_text(render_latex(steps, total))
        print(f"LaTeX written to {latex}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{stem}.txt").write_text(text)
        (out / f"{stem}.tex").write_text(render_latex(steps, total))
        print(f"wrote {out / f'{stem}.txt'} and {out / f'{stem}.tex'}")
    return 0


def _cmd(args):
    return _run(latex=args.latex, cosmological_constant=args.cosmological_constant)


def register(subparsers):
    """Add ``fieldsym bms3``."""
    p = subparsers.add_parser(
        "bms3",
        help="derive BMS3 (solution space, symmetries, charges, algebra, I-/I+ link, vacua)",
        description="Derive the 3D asymptotically flat chain from the Bondi ansatz and falloffs; "
        "with --cosmological-constant, 3D gravity with that Lambda in Bondi gauge (two Virasoro "
        "algebras for Lambda = -1/ell**2) and its flat limit.",
    )
    p.add_argument("--latex", metavar="FILE", help="also write the results as a LaTeX document")
    p.add_argument(
        "--cosmological-constant",
        metavar="EXPR",
        help="Lambda as an expression in ell (positive), e.g. --cosmological-constant=-1/ell**2 "
        "(with '=' since the value starts with '-'); default: the BMS3 chain",
    )
    p.set_defaults(func=_cmd)


def demo(args):
    """The fieldsym part of ``make demo``: the whole BMS3 chain, then 3D gravity with
    :math:`\\Lambda = -1/\\ell^2` (``ads3.txt``, ``ads3.tex``); about 15-40 s on 2 cores."""
    out = Path(args.out) / "fieldsym"
    status = _run(out=out)
    if status:
        return status
    return _run(out=out, cosmological_constant="-1/ell**2", stem="ads3")

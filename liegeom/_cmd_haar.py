"""``liegeom haar GROUP N --chart ...`` and the liegeom part of ``liegeom demo``.

``haar`` prints the Haar density of a chart derived with sympy from Maurer–Cartan forms (where a
symbolic parametrization exists for that group, size and chart), the closed form that
:mod:`liegeom.charts` evaluates, and a table of invariance-law residuals over random ``h`` and
``z``, and writes the same report to ``OUT/liegeom/haar-<GROUP><N>-<chart>.txt``; its options
are checked before any work (usage error, exit status 2). ``demo`` writes under
``OUT/liegeom/``: ``sl2_kak_density.png`` (the SL(2) Haar density in KAK coordinates, symbolic
vs numeric), ``invariance_hist.png`` and ``invariance.md``.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import torch

from symkit.cli import UsageError, add_out_option, nonnegative_int, positive_int

from . import symbolic as S
from .charts import (
    AffineChart,
    IwasawaChart,
    KAKChart,
    PolarChart,
    PolarExpChart,
    law_residual,
)
from .groups import SL, Affine, GLPlus

__all__ = ["register", "demo", "make_chart", "invariance_table", "haar_report", "validate_haar"]

CHARTS = {"polar": PolarChart, "iwasawa": IwasawaChart, "kak": KAKChart, "exp": PolarExpChart}

#: Symbolic parametrizations per (group, n, chart) and the closed forms of the numeric charts.
SYMBOLIC = {
    ("SL", 2, "iwasawa"): S.sl2_kan,
    ("SL", 2, "kak"): S.sl2_kak,
    ("SL", 2, "exp"): S.sl2_exp,
    ("GL", 2, "polar"): S.glp2_polar,
    ("GL", 2, "iwasawa"): S.glp2_kan,
    ("GL", 2, "kak"): S.glp2_kak,
}
CLOSED_FORMS = {
    "polar": "2^(-n - n(n-1)/4) det(S)^(-(n+1)/2) x rho_SO(omega)",
    "iwasawa": "2^(-n(n-1)/4) prod_{i<j} exp(h_i - h_j) x rho_SO(omega)   [a^(2 rho)]",
    "kak": "prod_{i<j} |sinh(h_i - h_j)| x rho_SO(omega1) rho_SO(omega2)",
    "exp": "prod_{i<j} sinh(x_i - x_j)/(x_i - x_j) x rho_SO(omega)   [x = eig X]",
}


def make_chart(group: str, n: int, chart: str):
    """The numeric chart for ``GL``/``SL``/``AFF`` (= R^n ⋊ GL+(n)), ``n`` and a chart name."""
    if chart not in CHARTS:
        raise ValueError(f"expected --chart in {sorted(CHARTS)}, got {chart!r}")
    if group == "AFF":
        return AffineChart(make_chart("GL", n, chart))
    if group not in ("GL", "SL"):
        raise ValueError(f"expected GROUP GL, SL or AFF, got {group!r}")
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"expected N >= 2, got {n!r}")
    G = GLPlus(n) if group == "GL" else SL(n)
    return CHARTS[chart](G)


def _sample_z(chart, m, generator, spread):
    """``m`` coordinate vectors of generic elements (off KAK walls, rotation angles < 2.5)."""
    base = chart.linear if isinstance(chart, AffineChart) else chart
    proto = PolarExpChart(base.group)
    out = []
    while len(out) < m:
        g = proto.from_coords(spread * torch.randn(proto.dim, generator=generator,
                                                   dtype=torch.float64))
        s = torch.linalg.svdvals(g)
        if isinstance(base, KAKChart) and float((s[:-1] / s[1:]).min()) < 1.05:
            continue
        if isinstance(chart, AffineChart):
            x = torch.randn(chart.n, generator=generator, dtype=torch.float64)
            g = chart.group.join(x, g)
        z = chart.to_coords(g)
        zb = z[chart.n:] if isinstance(chart, AffineChart) else z
        k, p = base.k, base.p
        rot = {PolarExpChart: [zb[base.dim - k:]], PolarChart: [zb[base.dim - k:]],
               IwasawaChart: [zb[:k]], KAKChart: [zb[:k], zb[k + p:]]}[type(base)]
        if max(float(r.norm()) for r in rot) / math.sqrt(2) < 2.5:
            out.append(z)
    return out


def invariance_table(chart, m: int = 20, *, seed: int = 0) -> list[tuple[str, float, float]]:
    """``[(law, max residual, median residual)]`` over ``m`` random pairs ``(h, z)``."""
    gen = torch.Generator().manual_seed(seed)
    zs = _sample_z(chart, m, gen, 0.8)
    hs = [chart.from_coords(z) for z in _sample_z(chart, m, gen, 0.6)]
    laws = [("left  h g(z)", dict(right=False)), ("right g(z) h", dict(right=True))]
    if isinstance(chart, AffineChart):
        laws = [("left  h g(z), left Haar", dict(right=False, side="left")),
                ("right g(z) h, right Haar", dict(right=True, side="right")),
                ("right g(z) h, left Haar x modular fn", dict(right=True, side="left"))]
    rows = []
    for name, kw in laws:
        r = torch.tensor([law_residual(chart, z, h, **kw) for z, h in zip(zs, hs)])
        rows.append((name, float(r.max()), float(r.median())))
    return rows


def _residuals(chart, m, seed):
    gen = torch.Generator().manual_seed(seed)
    zs = _sample_z(chart, m, gen, 0.8)
    hs = [chart.from_coords(z) for z in _sample_z(chart, m, gen, 0.6)]
    return [law_residual(chart, z, h, right=r) for z, h in zip(zs, hs) for r in (False, True)]


def _symbolic_text(group, n, chart, latex):
    fmt = S.latex if latex else str
    if group == "AFF" and n <= 2:  # the entries parametrization, whatever the chart of A
        p = S.affine_entries(n)
        left = S.haar_density(p.matrix, p.params)
        right = S.haar_density(p.matrix, p.params, side="right")
        delta = S.modular_function(p.matrix, p.params)
        return (f"{p.name}: g = [[A, x], [0, 1]] in the entries of (x, A)\n"
                f"  left: {fmt(left)}\n  right: {fmt(right)}\n  modular function: {fmt(delta)}")
    key = (group, n, chart)
    if key not in SYMBOLIC:
        return None
    p = SYMBOLIC[key]()
    rho = S.haar_density(p.matrix, p.params, basis=p.basis)
    coords = ", ".join(str(q) for q in p.params)
    body = fmt(rho)
    return (f"{p.name}: g = g({coords}) [{p.note}]\n"
            f"  left Haar density (basis of the algebra): {body}")


def _matrix_size(text: str) -> int:
    """``type=`` converter of ``N``: an integer >= 2."""
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected N >= 2, got {text!r}")
    return value


def validate_haar(args) -> None:
    """Checks the group, size and chart together before any work (a :class:`UsageError`, exit
    status 2): e.g. the polar chart parametrizes ``g g^T`` by all its entries and needs GL+(n)."""
    try:
        make_chart(args.group, args.n, args.chart)
    except ValueError as err:
        raise UsageError(str(err)) from None


def haar_report(group: str, n: int, chart_name: str, *, samples: int = 20, seed: int = 0,
                latex: bool = False) -> str:
    """The text ``liegeom haar`` prints and writes: the chart, its Haar density derived with
    sympy (where a symbolic parametrization exists), the closed form and the invariance table."""
    chart = make_chart(group, n, chart_name)
    lines = [f"liegeom haar: {chart!r}"]
    text = _symbolic_text(group, n, chart_name, latex)
    if text:
        lines += ["derived with sympy from the Maurer-Cartan form g^-1 dg:", "  " + text]
    else:
        lines.append(f"(no symbolic parametrization for {group}({n}) {chart_name}; "
                     "the symbolic checks cover n = 2, SO(3) and SL(3) AN)")
    lines.append(f"closed form used by liegeom.charts ({type(chart).__name__}):")
    extra = "  left density x |det A|^-1, right density without it" if group == "AFF" else ""
    lines.append(f"  {CLOSED_FORMS[chart_name]}{extra}")
    lines.append(f"invariance law over {samples} random (h, z), float64:")
    lines.append(f"  {'law':<40} {'max |residual|':>15} {'median':>10}")
    for name, mx, med in invariance_table(chart, samples, seed=seed):
        lines.append(f"  {name:<40} {mx:>15.2e} {med:>10.2e}")
    return "\n".join(lines) + "\n"


def run_haar(args) -> int:
    """Prints the report and writes it to ``OUT/liegeom/haar-<GROUP><N>-<chart>.txt``."""
    report = haar_report(args.group, args.n, args.chart, samples=args.samples, seed=args.seed,
                         latex=args.latex)
    print(report, end="")
    folder = Path(args.out) / "liegeom"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"haar-{args.group}{args.n}-{args.chart}.txt"
    path.write_text(report)
    print(f"wrote {path}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "haar", help="Haar density of a chart: symbolic derivation and invariance table",
        description="Derive the Haar density of a chart of GL+(n), SL(n) or R^n x| GL+(n) with "
        "sympy, show the closed form liegeom evaluates and check the invariance laws on random "
        "elements; the report goes to stdout and to OUT/liegeom/haar-<GROUP><N>-<chart>.txt.",
    )
    p.add_argument("group", choices=["GL", "SL", "AFF"], type=str.upper,
                   help="GL = GL+(n), SL = SL(n), AFF = R^n x| GL+(n)")
    p.add_argument("n", type=_matrix_size, help="matrix size n >= 2")
    p.add_argument("--chart", choices=sorted(CHARTS), default="iwasawa", help="chart of the group")
    p.add_argument("--latex", action="store_true", help="print the derived density as LaTeX")
    p.add_argument("--samples", type=positive_int, default=20, help="random (h, z) pairs")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the random pairs")
    add_out_option(p, "liegeom")
    p.set_defaults(func=run_haar, validate=validate_haar)


def demo(args) -> int:
    """The liegeom tour: symbolic densities, invariance residuals, Haar integration, figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .distributions import IwasawaGaussian, PolarGaussian
    from .measures import integrate

    out = Path(args.out) / "liegeom"
    os.makedirs(out, exist_ok=True)
    quick = bool(getattr(args, "quick", False))
    t0 = time.time()
    print("[liegeom] 1/4 symbolic Haar densities (Maurer-Cartan forms, sympy):")
    cases = [S.sl2_kan, S.sl2_nak, S.sl2_kak, S.glp_entries]
    cases += [] if quick else [S.sl2_exp, S.glp2_polar, S.sl3_an]
    for make in cases:
        p = make()
        side = "right" if p.name == "SL(3) AN" else "left"
        rho = S.haar_density(p.matrix, p.params, basis=p.basis, side=side)
        print(f"  {p.name:<16} {side:>5}: {rho}")

    print("[liegeom] 2/4 SL(2) Haar density in KAK coordinates -> sl2_kak_density.png")
    p = S.sl2_kak()
    rho = S.haar_density(p.matrix, p.params, basis=p.basis, normalization="frobenius")
    t = torch.linspace(0.01, 2.0, 200, dtype=torch.float64)
    zero = torch.zeros_like(t)
    sym = S.lambdify_torch(rho, p.params)(zero, t, zero)
    chart = KAKChart(SL(2))
    # chart coordinates of k(0) diag(e^t, e^-t) k(0): h = sqrt(2) t in the Helmert basis
    z = torch.stack([zero, math.sqrt(2) * t, zero], -1)
    num = chart.log_haar_density(z).exp() * math.sqrt(2) ** 3  # |dz/d(phi, t, psi)| = 2 sqrt 2
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(t, sym, lw=3, alpha=0.5, label=f"sympy: {rho}")
    ax.plot(t, num, "k--", lw=1, label="liegeom.charts.KAKChart")
    ax.set_xlabel("t  (g = k(φ) diag(e^t, e^-t) k(ψ))")
    ax.set_ylabel("Haar density")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "sl2_kak_density.png", dpi=120)
    plt.close(fig)
    print(f"  max |sympy - numeric| = {float((sym - num).abs().max()):.1e}")

    print("[liegeom] 3/4 invariance law residuals -> invariance.md, invariance_hist.png")
    m = 3 if quick else 12
    groups = [GLPlus(2), SL(2)] if quick else [GLPlus(2), SL(2), GLPlus(3), SL(3)]
    lines = ["| chart | max residual (left) | max residual (right) |", "|---|---|---|"]
    allres = []
    for G in groups:
        for C in CHARTS.values():
            if C is PolarChart and isinstance(G, SL):
                continue
            c = C(G)
            rows = invariance_table(c, m, seed=1)
            allres += _residuals(c, m, 2)
            lines.append(f"| {c!r} | {rows[0][1]:.1e} | {rows[1][1]:.1e} |")
            print(f"  {c!r:<28} left {rows[0][1]:.1e}  right {rows[1][1]:.1e}")
    (out / "invariance.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(5, 3.2))
    res = torch.tensor(allres).clamp_min(1e-18)
    ax.hist(torch.log10(res).numpy(), bins=30)
    ax.set_xlabel("log10 |invariance-law residual|  (float64)")
    ax.set_ylabel("count")
    fig.tight_layout()
    fig.savefig(out / "invariance_hist.png", dpi=120)
    plt.close(fig)

    print("[liegeom] 4/4 Haar integration of exp(-|g|^2) over SL(2), exact sqrt(2) pi^2 e^-2:")
    f = lambda g: torch.exp(-(g**2).sum((-2, -1)))
    gen = torch.Generator().manual_seed(0)
    exact = math.sqrt(2) * math.pi**2 * math.exp(-2)
    for q in (PolarGaussian(SL(2), 0.7), IwasawaGaussian(SL(2), 0.7)):
        est, se = integrate(f, SL(2), 4000 if quick else 40000, proposal=q, generator=gen)
        zscore = (est - exact) / se
        print(f"  {q!r:<40} {est:.4f} ± {se:.4f}  (exact {exact:.4f}, z = {zscore:+.2f})")
    aff = Affine(GLPlus(2))
    print(f"  {aff.name} is not unimodular: right-translation law uses Δ(x, A) = |det A|^-1")
    print(f"[liegeom] done in {time.time() - t0:.1f} s; files in {out}")
    return 0

"""``fieldsym symmetries``: the symmetry algebra and currents of an equation or a Lagrangian.

Examples (shell)::

    fieldsym symmetries --equation "u_t - u_xx" --vars x t --fields u
    fieldsym symmetries --lagrangian "u_t**2/2 - u_x**2/2" --vars x t --fields u
    fieldsym symmetries --lagrangian "m*q_t**2/2" --vars t --fields q --params m --latex

User text goes through :mod:`fieldsym.parsing` (no ``sympify``/``eval``).
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import sympy as sp

try:
    import resource
except ImportError:  # not on every platform
    resource = None

from .determining import UnsolvedSystemError
from .jets import JetSpace, PDESystem
from .noether import (
    NotConservedError,
    conservation_law_flux,
    conserved_densities,
    family_current,
    noether_current,
)
from .parsing import ParseError, parse_equation, parse_expression, parse_field_declarations
from .symmetries import _short, lie_point_symmetries, variational_symmetries


def register(subparsers):
    p = subparsers.add_parser(
        "symmetries",
        help="Lie point / variational symmetries, commutators and Noether currents",
        description="Derive the symmetry algebra of a PDE system (--equation) or of a "
                    "Lagrangian (--lagrangian, with its Noether currents).",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--equation", nargs="+", metavar="EQ",
                     help='equations, e.g. "u_t - u_xx" or "u_t = u_xx"')
    src.add_argument("--lagrangian", metavar="L", help='e.g. "u_t**2/2 - u_x**2/2"')
    p.add_argument("--vars", nargs="+", required=True, metavar="X",
                   help="independent variables")
    p.add_argument("--fields", nargs="+", required=True, metavar="U",
                   help='fields, "u" (all variables) or "N(u,phi)"')
    p.add_argument("--params", nargs="*", default=[], metavar="P",
                   help="constant parameters (treated as nonzero)")
    p.add_argument("--solve-for", nargs="*", default=None, metavar="U_J",
                   help="principal derivative of each equation (default: highest order)")
    p.add_argument("--latex", action="store_true", help="also print LaTeX")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="give up after S seconds with the equations left unsolved (default 120)")
    p.add_argument("--max-memory", type=float, default=4096.0, metavar="MB",
                   help="memory the search may add, in MiB (default 4096; 0: no limit)")
    p.add_argument("--max-terms", type=int, default=500, metavar="N",
                   help="refuse equations that expand to more than N terms (default 500)")
    p.set_defaults(func=run)


def _jet(args):
    for v in args.vars:
        if not v.isidentifier() or v.startswith("_"):
            raise ParseError(f"variable name {v!r} is not a plain identifier")
    fields = parse_field_declarations(args.fields, args.vars)
    return JetSpace([sp.Symbol(v) for v in args.vars],
                    {k: [sp.Symbol(a) for a in v] for k, v in fields.items()})


@contextlib.contextmanager
def _memory_limit(megabytes):
    """Limit the address space to its current size plus ``megabytes`` (restored after)."""
    if not megabytes or megabytes <= 0 or resource is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * resource.getpagesize()
    except OSError:
        yield
        return
    limit = current + int(megabytes * 2**20)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run(args, out=None) -> int:
    out = out or sys.stdout
    try:
        with _memory_limit(getattr(args, "max_memory", 0)):
            return _run(args, out)
    except MemoryError:
        print(f"error: the search needed more than --max-memory {args.max_memory:g} MiB; "
              f"raise the limit to try anyway", file=sys.stderr)
        return 4


def _run(args, out) -> int:
    timeout = getattr(args, "timeout", None)
    max_terms = getattr(args, "max_terms", 500)
    try:
        jet = _jet(args)
        params = [sp.Symbol(p) for p in args.params]
        if args.equation:
            eqs = [parse_equation(e, jet, params) for e in args.equation]
            solve_for = None
            if args.solve_for:
                solve_for = [parse_expression(s, jet, params) for s in args.solve_for]
            system = PDESystem(jet, eqs, solve_for=solve_for)
            print(f"equations: {', '.join(f'{sp.sstr(e)} = 0' for e in eqs)}", file=out)
            alg = lie_point_symmetries(system, timeout=timeout, max_terms=max_terms)
            print(alg, file=out)
        else:
            L = parse_expression(args.lagrangian, jet, params)
            print(f"Lagrangian: {sp.sstr(L)}", file=out)
            alg = variational_symmetries(L, jet, timeout=timeout, max_terms=max_terms)
            print(alg, file=out)
            print("Noether currents (Div P = -Q.E(L)):", file=out)
            for k, (v, B) in enumerate(zip(alg.basis, alg.B)):
                cur = noether_current(v, L, B)
                comps = ", ".join(f"P^{x} = {sp.sstr(sp.factor_terms(p))}"
                                  for x, p in cur.components.items())
                print(f"  v{k + 1}: {comps}", file=out)
            for k in range(len(alg.families)):
                cur = family_current(alg, k, L)
                comps = ", ".join(f"P^{x} = {sp.sstr(sp.factor_terms(_short(p)))}"
                                  for x, p in cur.components.items())
                print(f"  family {k + 1}: {comps}", file=out)
        if args.latex:
            print(alg.latex(), file=out)
    except ParseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except UnsolvedSystemError as err:
        print(f"error: the solver could not finish; {err}", file=sys.stderr)
        return 3
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def demo(args) -> int:
    """Heat-equation algebra, free-particle currents and KdV conservation laws."""
    folder = Path(args.out) / "fieldsym"
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    t0 = time.perf_counter()
    x, t = sp.symbols("x t")
    jet = JetSpace([x, t], ["u"])
    u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    heat = PDESystem(jet, [u_t - jet.coord("u", (x, x))])
    alg = lie_point_symmetries(heat)
    lines += ["# Heat equation u_t = u_xx: Lie point symmetries", str(alg), "", alg.latex(), ""]
    print(f"[fieldsym symmetries] heat algebra: {len(alg.basis)} generators "
          f"({time.perf_counter() - t0:.1f} s)")
    kdv = PDESystem(jet, [u_t + 6 * u * u_x + jet.coord("u", (x, x, x))], solve_for=[u_t])
    lines.append("# KdV u_t + 6 u u_x + u_xxx = 0: conserved densities T, fluxes X")
    for T in [u, u**2, u**3 - u_x**2 / 2, u**4]:
        try:
            X = conservation_law_flux(T, kdv, t)[x]
            lines.append(f"T = {sp.sstr(T)}:  X = {sp.sstr(X)}")
        except NotConservedError as err:
            lines.append(f"T = {sp.sstr(T)}: rejected ({err})")
    xx = jet.coord("u", (x, x))
    cands = [u, u**2, xx, u**3, u * xx, u_x**2, u**4, x * u, t * u**2]
    lines.append(f"# all conserved densities in the span of {cands} (modulo trivial):")
    for T, X in conserved_densities(cands, kdv, t):
        lines.append(f"T = {sp.sstr(T)}:  X = {sp.sstr(X[x])}")
    print(f"[fieldsym symmetries] KdV densities done ({time.perf_counter() - t0:.1f} s)")
    tt, m = sp.symbols("t m")
    pj = JetSpace([tt], ["q"])
    L = m * pj.coord("q", tt) ** 2 / 2
    palg = variational_symmetries(L, pj)
    lines += ["", "# Free particle L = m q_t**2/2: variational symmetries and currents", str(palg)]
    for v, B in zip(palg.basis, palg.B):
        lines.append(str(noether_current(v, L, B)))
    path = folder / "symmetries.txt"
    path.write_text("\n".join(lines) + "\n")
    print(f"[fieldsym symmetries] wrote {path} ({time.perf_counter() - t0:.1f} s)")
    return 0

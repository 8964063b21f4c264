"""``fieldsym conservation-laws``: conservation laws by multipliers (and, on request,
generalized symmetries) of a PDE system.  Argument parsing only; the work is in
:mod:`fieldsym.conservation` and :mod:`fieldsym.generalized`.

Examples (shell)::

    fieldsym conservation-laws --equation "u_t + 6*u*u_x + u_xxx" --vars x t --fields u \\
        --solve-for u_t --order 4
    fieldsym conservation-laws --equation "u_t + u*u_x - u_xx" --vars x t --fields u --order 2
    fieldsym conservation-laws --equation "u_xt = sin(u)" --vars x t --fields u --order 3 \\
        --degree 3 --symmetries --latex

User text goes through :mod:`fieldsym.parsing` (no ``sympify``/``eval``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import sympy as sp

from symkit.cli import UsageError, nonnegative_int, positive_float

from .conservation import conservation_laws
from .determining import UnsolvedSystemError
from .generalized import generalized_symmetries
from .jets import JetSpace, PDESystem
from .parsing import ParseError, parse_equation, parse_expression, parse_field_declarations

#: Largest order and degree accepted (the determining systems grow quickly beyond them).
MAX_ORDER = 10
MAX_DEGREE = 6


def _degree(text: str):
    if text == "general":
        return text
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"--degree: expected an integer >= 0 or 'general', got {text!r}") \
            from None
    return value


def register(subparsers):
    p = subparsers.add_parser(
        "conservation-laws",
        help="conservation laws by multipliers (direct method), generalized symmetries",
        description="Find all conservation-law multipliers of a PDE system up to an order (in a "
                    "polynomial ansatz in the derivatives, or a general one), with currents from "
                    "the homotopy operator and trivial laws removed; optionally the generalized "
                    "symmetries up to the same order.",
    )
    p.add_argument("--equation", nargs="+", required=True, metavar="EQ",
                   help='equations, e.g. "u_t + 6*u*u_x + u_xxx" or "u_xt = sin(u)"')
    p.add_argument("--vars", nargs="+", required=True, metavar="X",
                   help="independent variables")
    p.add_argument("--fields", nargs="+", required=True, metavar="U",
                   help='fields, "u" (all variables) or "N(u,phi)"')
    p.add_argument("--params", nargs="*", default=[], metavar="P",
                   help="constant parameters (treated as generic, nonzero)")
    p.add_argument("--solve-for", nargs="*", default=None, metavar="U_J",
                   help="principal derivative of each equation (default: highest order)")
    p.add_argument("--order", type=nonnegative_int, default=2,
                   help=f"highest derivative order in the multipliers (at most {MAX_ORDER})")
    p.add_argument("--degree", type=str, default="2",
                   help="polynomial degree of the multipliers in the derivatives (coefficients "
                        "arbitrary functions of the variables and fields), or 'general' for an "
                        f"arbitrary function (at most {MAX_DEGREE})")
    p.add_argument("--time", default=None, metavar="T",
                   help="variable whose current component is printed as the density (default: "
                        "the evolution variable, else the last of --vars)")
    p.add_argument("--symmetries", action="store_true",
                   help="also search the generalized symmetries up to --order")
    p.add_argument("--latex", action="store_true", help="also print LaTeX")
    p.add_argument("--timeout", type=positive_float, default=120.0, metavar="S",
                   help="give up after S seconds per search, with the equations left unsolved")
    p.set_defaults(func=run, validate=validate)


def validate(args):
    """Option checks before any work (a :class:`~symkit.cli.UsageError` exits with 2)."""
    if args.order > MAX_ORDER:
        raise UsageError(f"--order: expected at most {MAX_ORDER}, got {args.order}")
    degree = _degree(args.degree)
    if degree != "general" and not 0 <= degree <= MAX_DEGREE:
        raise UsageError(f"--degree: expected 0..{MAX_DEGREE} or 'general', got {args.degree}")
    for v in args.vars:
        if not v.isidentifier() or v.startswith("_"):
            raise UsageError(f"--vars: {v!r} is not a plain identifier")
    if len(set(args.vars)) != len(args.vars):
        raise UsageError(f"--vars: repeated names in {args.vars}")
    if args.time is not None and args.time not in args.vars:
        raise UsageError(f"--time: {args.time!r} is not one of --vars {args.vars}")
    if args.solve_for is not None and len(args.solve_for) != len(args.equation):
        raise UsageError(f"--solve-for: expected one principal derivative per equation "
                         f"({len(args.equation)}), got {len(args.solve_for)}")


def _system(args):
    fields = parse_field_declarations(args.fields, args.vars)
    jet = JetSpace([sp.Symbol(v) for v in args.vars],
                   {k: [sp.Symbol(a) for a in v] for k, v in fields.items()})
    params = [sp.Symbol(p) for p in args.params]
    eqs = [parse_equation(e, jet, params) for e in args.equation]
    solve_for = None
    if args.solve_for:
        solve_for = [parse_expression(s, jet, params) for s in args.solve_for]
    return PDESystem(jet, eqs, solve_for=solve_for)


def run(args, out=None) -> int:
    out = out or sys.stdout
    degree = _degree(args.degree)
    degree = None if degree == "general" else degree
    try:
        system = _system(args)
        tvar = sp.Symbol(args.time) if args.time else None
        print(f"equations: {', '.join(f'{sp.sstr(e)} = 0' for e in system.equations)}", file=out)
        laws = conservation_laws(system, args.order, degree=degree, time=tvar,
                                 timeout=args.timeout)
        print(laws, file=out)
        syms = None
        if args.symmetries:
            syms = generalized_symmetries(system, args.order, degree=degree,
                                          timeout=args.timeout)
            print(syms, file=out)
        if args.latex:
            print(laws.latex(), file=out)
            if syms is not None:
                print(syms.latex(), file=out)
    except ParseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except UnsolvedSystemError as err:
        print(f"error: the solver could not finish (raise --timeout, or lower --order or "
              f"--degree); {err}", file=sys.stderr)
        return 3
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def demo(args) -> int:
    """KdV and Burgers laws, sine-Gordon's, and KdV's generalized symmetries."""
    folder = Path(args.out) / "fieldsym"
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    x, t = sp.symbols("x t")
    jet = JetSpace([x, t], ["u"])
    u, u_t, u_x = jet.coord("u"), jet.coord("u", t), jet.coord("u", x)
    uxx, uxxx = jet.coord("u", (x, x)), jet.coord("u", (x, x, x))
    quick = getattr(args, "quick", False)
    kdv = PDESystem(jet, [u_t + 6 * u * u_x + uxxx], solve_for=[u_t])
    burgers = PDESystem(jet, [u_t + u * u_x - uxx], solve_for=[u_t])
    sine_gordon = PDESystem(jet, [jet.coord("u", (x, t)) - sp.sin(u)])
    parts = [("KdV", conservation_laws(kdv, 2 if quick else 4)),
             ("Burgers (not variational)", conservation_laws(burgers, 2)),
             ("sine-Gordon, light cone", conservation_laws(sine_gordon, 1 if quick else 3,
                                                           degree=3))]
    lines = []
    for name, laws in parts:
        lines += [f"# {name}", str(laws), "", laws.latex(), ""]
        print(f"[fieldsym conservation-laws] {name}: {len(laws)} laws "
              f"({time.perf_counter() - t0:.1f} s)")
    syms = generalized_symmetries(kdv, 3 if quick else 5)
    lines += ["# KdV generalized symmetries", str(syms)]
    path = folder / "conservation.txt"
    path.write_text("\n".join(lines) + "\n")
    print(f"[fieldsym conservation-laws] wrote {path} ({time.perf_counter() - t0:.1f} s)")
    return 0

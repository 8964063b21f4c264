r"""A safe parser for user-typed expressions (command line, config files).

``sympify`` on a raw string evaluates Python, so it is never used here.  The text is parsed
with :mod:`ast` and only these forms are accepted:

* numbers (integers and decimals, kept exact as rationals), ``pi`` and ``E``;
* declared independent variables, fields and parameters;
* jet coordinates ``u_x``, ``u_xxt`` (``N_u_phi`` when a variable name is longer than one
  character) and ``diff(u, x)``, ``diff(u, x, 2)``, ``diff(u, x, t)``; ``diff`` of an
  expression is its total derivative, ``diff(u**2*u_x, x)``;
* a field applied to exactly its declared arguments, ``N(u, phi)``;
* ``+ - * / **``, unary minus, parentheses, and the functions in :data:`FUNCTIONS`.

Anything else (attribute access, subscripts, dunder names, lambdas, calls to unknown names,
comparisons, strings, ...) raises :class:`ParseError` naming the offending term.

Limits, so that no input can hang the parser or exhaust memory (each a clear
:class:`ParseError` within milliseconds): at most 5000 characters and 20000 syntax nodes,
nesting at most 100 levels deep (long sums and chains of signs are flattened, not recursed),
exponents at most 64 in absolute value, numeric powers of at most 1000 digits, and numbers
read exactly from their text (``1e-400`` is not 0, ``1.00000000000000000001`` is not 1;
``1e999`` is accepted as the exact integer, ``1/0`` is refused).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Sequence

import sympy as sp

from .jets import JetSpace

__all__ = ["ParseError", "FUNCTIONS", "parse_expression", "parse_equation",
           "parse_field_declarations"]

#: Functions a user may call.
FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
    "sqrt": sp.sqrt, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "asin": sp.asin,
    "acos": sp.acos, "atan": sp.atan, "abs": sp.Abs,
}
_CONSTANTS = {"pi": sp.pi, "E": sp.E}
_MAX_LENGTH = 5000
_MAX_EXPONENT = 64
_MAX_NODES = 20000
_MAX_DEPTH = 100
_MAX_DIGITS = 1000


class ParseError(ValueError):
    """The text is not an accepted expression; the message names the offending term."""


def parse_field_declarations(fields: Sequence[str], variables: Sequence[str]) -> dict:
    """``["u", "N(u, phi)"]`` -> ``{"u": (all variables), "N": ("u", "phi")}``."""
    out = {}
    pat = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:\(\s*([^()]*)\))?\s*$")
    for decl in fields:
        m = pat.match(decl)
        if not m:
            raise ParseError(f"field declaration {decl!r}: expected NAME or NAME(var, ...)")
        name, args = m.group(1), m.group(2)
        if args is None:
            out[name] = tuple(variables)
            continue
        parts = tuple(a.strip() for a in args.split(",") if a.strip())
        bad = [a for a in parts if a not in variables]
        if bad:
            raise ParseError(f"field {name} declared with undeclared variable(s) {bad}; "
                             f"variables are {list(variables)}")
        out[name] = parts
    return out


class _Parser:
    def __init__(self, text, jet: JetSpace, parameters):
        self.text = text
        self.jet = jet
        self.vars = {v.name: v for v in jet.independent}
        self.fields = {f.name: f for f in jet.fields}
        self.params = {}
        for p in parameters:
            p = sp.Symbol(p) if isinstance(p, str) else p
            self.params[p.name] = p
        clash = set(self.params) & (set(self.vars) | set(self.fields))
        if clash:
            raise ParseError(f"parameter names {sorted(clash)} clash with variables or fields")

    def seg(self, node):
        return ast.get_source_segment(self.text, node) or type(node).__name__

    def fail(self, node, why):
        raise ParseError(f"{why}: {self.seg(node)!r}")

    def name(self, node, ident):
        if ident.startswith("__") or ident.endswith("__"):
            self.fail(node, "dunder names are refused")
        for table in (self.vars, self.fields, self.params):
            if ident in table:
                return table[ident]
        coord = self.jet_coordinate(ident)
        if coord is not None:
            return coord
        if ident in _CONSTANTS:
            return _CONSTANTS[ident]
        self.fail(node, "undeclared name (declare it as a variable, field or parameter)")

    def jet_coordinate(self, ident):
        for fname, f in self.fields.items():
            if not ident.startswith(fname + "_"):
                continue
            suffix = ident[len(fname) + 1:]
            parts = suffix.split("_") if "_" in suffix else self._decompose(ident, suffix)
            if parts and all(p in self.vars for p in parts):
                args = self.jet.field_args(f)
                bad = [p for p in parts if self.vars[p] not in args]
                if bad:
                    raise ParseError(f"{ident!r}: field {fname} does not depend on {bad[0]}; "
                                     f"it is declared {fname}({', '.join(map(str, args))})")
                return self.jet.coord(f, [self.vars[p] for p in parts])
        return None

    def _decompose(self, ident, suffix):
        """Split ``suffix`` into variable names (``uphi`` -> ``u, phi``); refuse ambiguity."""
        ways: list[list[str]] = []

        def rec(rest, acc):
            if len(ways) > 1:
                return
            if not rest:
                ways.append(acc)
                return
            for v in self.vars:
                if rest.startswith(v):
                    rec(rest[len(v):], acc + [v])

        rec(suffix, [])
        if len(ways) > 1:
            raise ParseError(f"{ident!r} is ambiguous: {ways[0]} or {ways[1]}; separate the "
                             f"variables with underscores or use diff(...)")
        return ways[0] if ways else None

    def visit(self, node, depth=0):
        if depth > _MAX_DEPTH:
            self.fail(node, f"expression nested deeper than {_MAX_DEPTH} levels")
        self.depth = depth
        if isinstance(node, ast.Expression):
            return self.visit(node.body, depth)
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node, node.id)
        if isinstance(node, ast.UnaryOp):
            sign = 1
            while isinstance(node, ast.UnaryOp):  # a chain of signs, flattened
                if isinstance(node.op, ast.USub):
                    sign = -sign
                elif not isinstance(node.op, ast.UAdd):
                    self.fail(node, "unsupported unary operator")
                node = node.operand
            return sign * self.visit(node, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            return self.sum(node, depth)
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Attribute):
            self.fail(node, "attribute access is refused")
        if isinstance(node, ast.Subscript):
            self.fail(node, "subscripts are refused")
        if isinstance(node, ast.Lambda):
            self.fail(node, "lambdas are refused")
        self.fail(node, f"unsupported syntax ({type(node).__name__})")

    def number(self, node):
        """A literal, read exactly from its text (never through a binary float)."""
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.fail(node, "only numbers are accepted as literals")
        text = ast.get_source_segment(self.text, node) or repr(v)
        text = text.replace("_", "")
        if len(text.lstrip("0")) > _MAX_DIGITS:
            self.fail(node, f"number with more than {_MAX_DIGITS} digits")
        if isinstance(v, int):
            return sp.Integer(v)
        mantissa, _, exponent = text.lower().partition("e")
        if exponent and abs(int(exponent)) > _MAX_DIGITS:
            self.fail(node, f"exponent of the number beyond 10**{_MAX_DIGITS}")
        try:
            return sp.Rational(mantissa) * sp.Integer(10) ** int(exponent or 0)
        except (TypeError, ValueError):
            self.fail(node, "cannot read the number")

    def sum(self, node, depth):
        """A chain ``a + b - c + ...`` (left-nested in the syntax tree), without recursion."""
        terms = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            sign = 1 if isinstance(node.op, ast.Add) else -1
            terms.append(sign * self.visit(node.right, depth + 1))
            node = node.left
        terms.append(self.visit(node, depth + 1))
        return sp.Add(*reversed(terms))

    def binop(self, node, depth):
        ops = {ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
        if isinstance(node.op, ast.BitXor):
            self.fail(node, "'^' is not a power here; use '**'")
        a, b = self.visit(node.left, depth + 1), self.visit(node.right, depth + 1)
        if isinstance(node.op, ast.Div) and b.is_zero:
            self.fail(node, "division by zero")
        if isinstance(node.op, ast.Pow):
            if b.is_Number and abs(b) > _MAX_EXPONENT:
                self.fail(node, f"exponent larger than {_MAX_EXPONENT} in absolute value")
            if a.is_Number and b.is_Number and a != 0:
                digits = abs(float(b)) * abs(math.log10(abs(float(sp.N(a, 15))) or 1.0))
                if digits > _MAX_DIGITS:
                    self.fail(node, f"the power has about {digits:.3g} digits; the limit is "
                                    f"{_MAX_DIGITS}")
            if a.is_zero and b.is_Number and b < 0:
                self.fail(node, "division by zero")
            return a**b
        for op, fn in ops.items():
            if isinstance(node.op, op):
                return fn(a, b)
        self.fail(node, f"unsupported operator {type(node.op).__name__}")

    def call(self, node, depth):
        if isinstance(node.func, ast.Attribute):
            self.fail(node.func, "attribute access is refused")
        if not isinstance(node.func, ast.Name):
            self.fail(node, "only calls of plain function names are accepted")
        name = node.func.id
        if node.keywords:
            self.fail(node, "keyword arguments are refused")
        if name.startswith("__"):
            self.fail(node, "dunder names are refused")
        if name == "diff":
            return self.diff(node, depth)
        if name in self.fields:
            f = self.fields[name]
            got = tuple(self.name(a, a.id) if isinstance(a, ast.Name) else None for a in node.args)
            declared = self.jet.field_args(f)
            if got != declared:
                self.fail(node, f"field {name} used with arguments inconsistent with its "
                                f"declaration {name}({', '.join(map(str, declared))})")
            return f
        if name in FUNCTIONS:
            if len(node.args) != 1:
                self.fail(node, f"{name} takes exactly one argument")
            return FUNCTIONS[name](self.visit(node.args[0], depth + 1))
        self.fail(node, f"unknown function {name!r} (allowed: {', '.join(sorted(FUNCTIONS))}, "
                        f"diff, and declared fields)")

    def diff(self, node, depth=0):
        if len(node.args) < 2:
            self.fail(node, "diff needs a field and at least one variable")
        target = self.visit(node.args[0], depth + 1)
        info = self.jet.info(target) if isinstance(target, sp.Symbol) else None
        spec, last = [], None
        for a in node.args[1:]:
            if isinstance(a, ast.Constant) and isinstance(a.value, int) and last is not None:
                if not 1 <= a.value <= 50:
                    self.fail(a, "derivative counts must be between 1 and 50")
                spec += [last] * (a.value - 1)
                continue
            if not (isinstance(a, ast.Name) and a.id in self.vars):
                self.fail(a, "diff variables must be declared independent variables")
            last = self.vars[a.id]
            spec.append(last)
        if info is None:  # an expression: its total derivative
            if len(spec) > 8:
                self.fail(node, "at most 8 total derivatives of an expression")
            return self.jet.D(target, *spec)
        f, mi = info
        counts = list(mi)
        for v in spec:
            if v not in self.jet.field_args(f):
                self.fail(node, f"field {f} does not depend on {v}")
            counts[self.jet.independent.index(v)] += 1
        return self.jet.coord(f, tuple(counts))


def parse_expression(text: str, jet: JetSpace, parameters: Sequence = ()) -> sp.Expr:
    """Parse ``text`` into a sympy expression in the jet coordinates of ``jet``.

    Examples
    --------
    >>> import sympy as sp
    >>> jet = JetSpace(sp.symbols("x t"), ["u"])
    >>> parse_expression("u_t**2/2 - diff(u, x)**2/2", jet)
    u_t**2/2 - u_x**2/2
    """
    if not isinstance(text, str):
        raise ParseError(f"expected a string, got {type(text).__name__}")
    if len(text) > _MAX_LENGTH:
        raise ParseError(f"expression longer than {_MAX_LENGTH} characters "
                         f"(got {len(text)})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ParseError(f"cannot parse {text[:80]!r}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise ParseError("expression nested too deeply to parse") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > _MAX_NODES:
        raise ParseError(f"expression with {nodes} syntax nodes; the limit is {_MAX_NODES}")
    try:
        out = _Parser(text.strip(), jet, parameters).visit(tree)
    except RecursionError:
        raise ParseError("expression nested too deeply") from None
    if out.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError(f"the expression is not finite (division by zero?): {text[:80]!r}")
    return out


def parse_equation(text: str, jet: JetSpace, parameters: Sequence = ()) -> sp.Expr:
    """``"lhs = rhs"`` (or an expression meaning ``= 0``) as ``lhs - rhs``."""
    if text.count("=") == 1 and "==" not in text:
        lhs, rhs = text.split("=")
        return parse_expression(lhs, jet, parameters) - parse_expression(rhs, jet, parameters)
    if "=" in text:
        raise ParseError(f"an equation has at most one '=': {text!r}")
    return parse_expression(text, jet, parameters)

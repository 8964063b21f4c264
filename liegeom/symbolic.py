r"""Haar densities derived with sympy from the Maurer–Cartan forms of a parametrization.

For a matrix group :math:`G \subset GL(n)` parametrized as :math:`g(q_1, \dots, q_d)`, the
left-invariant Maurer–Cartan form :math:`g^{-1} dg = \sum_i \Omega_i\, dq_i` takes values in the Lie
algebra. Writing :math:`\Omega_i = \sum_k C_{ki} B_k` in a basis :math:`B_1, \dots, B_d`, the left
Haar measure is :math:`|\det C|\, dq_1 \cdots dq_d`, normalized so that the parallelepiped spanned
by the basis at the identity has unit volume. The right Haar measure comes the same way from
:math:`dg\, g^{-1}`, and the modular function (convention
:math:`d\mu_L(gh) = \Delta(h)\, d\mu_L(g)`) is the ratio of the two densities.

Conventions
-----------
* ``basis=None`` uses the *coordinate basis*: the first ``d`` matrix entries (row-major) on which
  the Lie algebra projects injectively serve as coordinates on the algebra (for gl(n) all
  entries; for sl(n) every entry but the last diagonal one).
* ``normalization="frobenius"`` (needs ``basis``) rescales to the Riemannian volume of the
  metric :math:`\langle X, Y\rangle = \operatorname{tr}(X^T Y)` on the algebra; this is the
  normalization of the numeric charts in :mod:`liegeom.charts`.

Derivation is raw; simplification happens once, at the edge: transcendental atoms
(``sin``/``cos``, ``sinh``/``cosh``, ``exp`` of linear forms, roots) are replaced by polynomial
variables, the determinant is taken over the rational function field, reduced modulo the
algebraic relations (:math:`s^2 + c^2 = 1`, :math:`C^2 - S^2 = 1`, :math:`R^k = b`), substituted
back, and only then passed to the (pluggable) simplifier.

Examples
--------
>>> from liegeom import symbolic
>>> p = symbolic.sl2_kan()
>>> symbolic.haar_density(p.matrix, p.params, basis=p.basis)
exp(2*t)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp
import torch
from sympy.polys.matrices import DomainMatrix

__all__ = [
    "Parametrization",
    "maurer_cartan",
    "haar_density",
    "modular_function",
    "lebesgue_density",
    "lambdify_torch",
    "lambdify_matrix_torch",
    "log_density_torch",
    "latex",
    "sl2_kan",
    "sl2_nak",
    "sl2_kak",
    "sl2_exp",
    "glp2_polar",
    "glp2_kan",
    "glp2_kak",
    "glp_entries",
    "affine_entries",
    "so3_euler",
    "sl3_an",
    "rs2_polar",
    "rs3_euler",
    "similarity2",
    "default_simplify",
]

Simplifier = Callable[[sp.Expr], sp.Expr]


@dataclass(frozen=True)
class Parametrization:
    """A matrix-valued parametrization of a group, with its algebra basis and documentation.

    Attributes
    ----------
    name : str
        Short label, e.g. ``"SL(2) KAN"``.
    matrix : sympy.Matrix
        ``g(q)``, shape ``(m, m)``.
    params : tuple of sympy.Symbol
        The coordinates ``q`` (with sympy assumptions such as ``positive=True``).
    basis : tuple of sympy.Matrix or None
        Lie algebra basis; ``None`` selects the coordinate basis.
    note : str
        Domain and conventions.
    """

    name: str
    matrix: sp.Matrix
    params: tuple
    basis: tuple | None = None
    note: str = ""


# ----------------------------------------------------------------------------- derivation
def _check(g, params) -> tuple[sp.Matrix, tuple]:
    g = sp.Matrix(g)
    if g.rows != g.cols:
        raise ValueError(f"expected a square matrix parametrization, got shape {g.shape}")
    params = tuple(params)
    if not params or not all(isinstance(p, sp.Symbol) for p in params):
        raise ValueError(f"expected a non-empty sequence of sympy Symbols, got {params!r}")
    free = g.free_symbols - set(params)
    if free:
        raise ValueError(f"matrix depends on symbols {sorted(map(str, free))} not in params")
    return g, params


def _inverse(g: sp.Matrix) -> sp.Matrix:
    det = _reduce(g.det(method="berkowitz"))
    if det == 0:
        raise ValueError("the parametrized matrix is singular (det reduces to 0)")
    return g.adjugate(method="berkowitz") / det


def maurer_cartan(g, params: Sequence[sp.Symbol], *, side: str = "left") -> list[sp.Matrix]:
    r"""Raw Maurer–Cartan components :math:`\Omega_i = g^{-1}\partial_i g` (left) or
    :math:`\partial_i g\, g^{-1}` (right).

    Parameters
    ----------
    g : sympy.Matrix, shape=[m, m]
    params : sequence of sympy.Symbol, length d
    side : {"left", "right"}

    Returns
    -------
    list of sympy.Matrix, length d, each shape=[m, m] (unsimplified)
    """
    g, params = _check(g, params)
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    gi = _inverse(g)
    return [gi * g.diff(q) if side == "left" else g.diff(q) * gi for q in params]


def _sample_point(params, rng: random.Random) -> dict:
    """A generic point: positive symbols in (0.6, 1.4), others in +-(0.05, 0.4)."""
    def draw(q):
        if q.is_positive:
            return rng.uniform(0.6, 1.4)
        return rng.choice((-1, 1)) * rng.uniform(0.05, 0.4)

    return {q: sp.Float(draw(q)) for q in params}


def _numeric(M: sp.Matrix, point: dict) -> list[list[float]]:
    vals = [[complex(sp.N(e.subs(point))) for e in row] for row in M.tolist()]
    if any(abs(v.imag) > 1e-12 or not math.isfinite(v.real) for row in vals for v in row):
        raise ValueError(
            f"the parametrization is not real and finite at the generic point {point}; "
            "declare positive parameters with sympy.Symbol(..., positive=True)"
        )
    return [[v.real for v in row] for row in vals]


def _rank(rows: list[list[float]]) -> int:
    import numpy as np

    if not rows:
        return 0
    s = np.linalg.svd(np.asarray(rows, dtype=float), compute_uv=False)
    return int((s > 1e-9 * max(1.0, s[0])).sum())


def _pivots(omega_vec: sp.Matrix, point: dict, d: int) -> list[int]:
    """Greedy row-major choice of ``d`` entries on which the algebra projects injectively."""
    num = _numeric(omega_vec, point)
    if _rank(num) < d:
        raise ValueError(
            f"the {d} Maurer-Cartan forms are linearly dependent at a generic point: "
            "the parametrization is not an immersion (too many or redundant parameters)"
        )
    piv: list[int] = []
    for r in range(len(num)):
        if _rank([num[i] for i in piv + [r]]) > len(piv):
            piv.append(r)
        if len(piv) == d:
            break
    return piv


def _vec(Ms: Sequence[sp.Matrix]) -> sp.Matrix:
    return sp.Matrix.hstack(*[M.reshape(M.rows * M.cols, 1) for M in Ms])


def _basis_matrix(basis, m: int, d: int) -> sp.Matrix:
    basis = [sp.Matrix(b) for b in basis]
    if len(basis) != d or any(b.shape != (m, m) for b in basis):
        raise ValueError(
            f"expected a basis of {d} matrices of shape ({m}, {m}) (one per parameter), got "
            f"{len(basis)} of shapes {[b.shape for b in basis]}"
        )
    return _vec(basis)


def _forms_and_pivots(g, params, basis, side, seed):
    g, params = _check(g, params)
    d, m = len(params), g.rows
    om = _vec(maurer_cartan(g, params, side=side))
    point = _sample_point(params, random.Random(seed))
    piv = _pivots(om, point, d)
    if basis is None:
        return om, piv, None
    B = _basis_matrix(basis, m, d)
    num_om, num_b = _numeric(om, point), _numeric(B, {})
    joint = _rank([rb + ro for rb, ro in zip(num_b, num_om)])
    if _rank(num_b) < d or joint > d:
        raise ValueError(
            f"expected a basis of the group's Lie algebra: the basis has rank {_rank(num_b)} "
            f"(need {d}) and the Maurer-Cartan forms span rank {joint} together with it"
        )
    bpiv = _pivots(B, {}, d)
    return om, bpiv, B


def haar_density(
    g,
    params: Sequence[sp.Symbol],
    *,
    basis: Sequence | None = None,
    side: str = "left",
    normalization: str = "basis",
    simplify: Simplifier | None = None,
    seed: int = 0,
) -> sp.Expr:
    r"""Haar density :math:`|\det C|` of a parametrization, from the Maurer–Cartan forms.

    Parameters
    ----------
    g : sympy.Matrix, shape=[m, m]
        Parametrized group element.
    params : sequence of sympy.Symbol, length d
    basis : sequence of d sympy matrices, optional
        Lie-algebra basis in which the forms are expanded (default: coordinate basis).
    side : {"left", "right"}
        ``"left"``: :math:`g^{-1}dg` (left-invariant measure); ``"right"``: :math:`dg\,g^{-1}`.
    normalization : {"basis", "frobenius"}
        Unit volume for the basis parallelepiped, or for an orthonormal basis of
        :math:`\operatorname{tr}(X^T Y)` (requires ``basis``).
    simplify : callable, optional
        Applied once to the reduced result (default :func:`default_simplify`).
    seed : int
        Seed of the generic numeric point used to choose pivots and check the basis.

    Returns
    -------
    sympy.Expr
    """
    simp = simplify or default_simplify
    return simp(sp.Abs(simp(_signed_density(g, params, basis, side, normalization, seed))))


def _signed_density(g, params, basis, side, normalization, seed):
    """``det C`` (signed, reduced, not simplified)."""
    if normalization not in ("basis", "frobenius"):
        raise ValueError(f"normalization must be 'basis' or 'frobenius', got {normalization!r}")
    if normalization == "frobenius" and basis is None:
        raise ValueError("normalization='frobenius' needs an explicit Lie algebra basis")
    om, piv, B = _forms_and_pivots(g, params, basis, side, seed)
    det = _reduced_det(om.extract(piv, list(range(om.cols))))
    if B is not None:
        bsub = B.extract(piv, list(range(B.cols)))
        det = det / bsub.det()
        if normalization == "frobenius":
            det = det * sp.sqrt((B.T * B).det())
    return det


def modular_function(g, params, *, basis=None, simplify: Simplifier | None = None) -> sp.Expr:
    r"""Modular function :math:`\Delta = \rho_L / \rho_R` in the given coordinates.

    Convention :math:`d\mu_L(gh) = \Delta(h)\, d\mu_L(g)`; :math:`\Delta \equiv 1` for a
    unimodular group.
    """
    left = _signed_density(g, params, basis, "left", "basis", 0)
    right = _signed_density(g, params, basis, "right", "basis", 0)
    simp = simplify or default_simplify
    return simp(sp.Abs(simp(_reduce(left / right))))


def lebesgue_density(g, params, *, simplify: Simplifier | None = None) -> sp.Expr:
    r"""Jacobian :math:`|\det \partial\,\mathrm{vec}(g) / \partial q|` for full-dimensional
    parametrizations (``d = m^2``): the density of Lebesgue measure on matrix entries."""
    g, params = _check(g, params)
    if len(params) != g.rows * g.cols:
        raise ValueError(
            f"lebesgue_density needs one parameter per matrix entry ({g.rows * g.cols}), "
            f"got {len(params)}"
        )
    J = _vec([g.diff(q) for q in params])
    simp = simplify or default_simplify
    return simp(sp.Abs(simp(_reduced_det(J))))


# ----------------------------------------------------------------------------- reduction
def _linear_coeffs(arg: sp.Expr):
    """``{symbol: rational}`` when ``arg`` is a rational-linear form in symbols, else None."""
    arg = sp.expand(arg)
    syms = sorted(arg.free_symbols, key=str)
    try:
        poly = sp.Poly(arg, *syms) if syms else None
    except sp.PolynomialError:
        return None
    if poly is None or poly.total_degree() > 1 or poly.coeff_monomial(1) != 0:
        return None
    out = {s: poly.coeff_monomial(s) for s in syms}
    return out if all(c.is_Rational for c in out.values()) else None


class _Polynomializer:
    """Replace transcendental atoms by polynomial variables, remembering their relations."""

    def __init__(self):
        self.back: dict[sp.Symbol, sp.Expr] = {}
        self.relations: list[sp.Expr] = []
        self._pairs: dict[tuple, tuple[sp.Symbol, sp.Symbol]] = {}
        self._exp: dict[sp.Symbol, sp.Symbol] = {}
        self._roots: dict[sp.Expr, sp.Symbol] = {}
        self._n = 0

    def _new(self, stem: str, value: sp.Expr, **assume) -> sp.Symbol:
        self._n += 1
        s = sp.Symbol(f"_{stem}{self._n}", **assume)
        self.back[s] = value
        return s

    def _pair(self, kind: str, arg: sp.Expr):
        key = (kind, arg)
        if key not in self._pairs:
            if kind == "trig":
                s, c = self._new("s", sp.sin(arg)), self._new("c", sp.cos(arg))
                self.relations.append(s**2 + c**2 - 1)
            else:
                s, c = self._new("sh", sp.sinh(arg)), self._new("ch", sp.cosh(arg), positive=True)
                self.relations.append(c**2 - s**2 - 1)
            self._pairs[key] = (s, c)
        return self._pairs[key]

    def _exp_of(self, arg: sp.Expr) -> sp.Expr:
        lin = _linear_coeffs(arg)
        if lin is None:
            return self._pair("hyp", arg)[0] + self._pair("hyp", arg)[1]
        out = sp.Integer(1)
        for q, c in lin.items():
            den = sp.Rational(c).q
            key = q / den
            if key not in self._exp:
                self._exp[key] = self._new("E", sp.exp(key), positive=True)
            out *= self._exp[key] ** (c * den)
        return out

    def __call__(self, e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if isinstance(e, sp.exp):
            return self._exp_of(e.args[0])
        if isinstance(e, (sp.sinh, sp.cosh)) and _linear_coeffs(e.args[0]) is not None:
            return self(e.rewrite(sp.exp))
        if isinstance(e, (sp.sin, sp.cos)):
            arg = e.args[0]
            lin = _linear_coeffs(arg)
            if lin is not None and len(lin) == 1 and next(iter(lin.values())) != 1:
                (q, c), = lin.items()
                if c.is_Integer:
                    return self(sp.expand_trig(type(e)(c * q)))
            s, c = self._pair("trig", arg)
            return s if isinstance(e, sp.sin) else c
        if isinstance(e, (sp.sinh, sp.cosh)):
            s, c = self._pair("hyp", e.args[0])
            return s if isinstance(e, sp.sinh) else c
        if isinstance(e, (sp.tan, sp.tanh)):
            return self(e.rewrite(sp.sin if isinstance(e, sp.tan) else sp.exp))
        if isinstance(e, sp.Pow) and e.exp.is_Rational and not e.exp.is_Integer:
            base = self(e.base)
            p, q = e.exp.p, e.exp.q
            if base not in self._roots:
                r = self._new("R", e.base ** sp.Rational(1, q), positive=bool(e.base.is_positive))
                self._roots[base] = r
                self.relations.append(r**q - base)
            return self._roots[base] ** p
        if isinstance(e, sp.Function) or isinstance(e, sp.Abs):
            args = [self(a) for a in e.args]
            return self._new("F", e.func(*[a.xreplace(self.back) for a in args]))
        return e.func(*[self(a) for a in e.args])


def _reduce_polynomial(expr: sp.Expr, pz: _Polynomializer) -> sp.Expr:
    expr = sp.cancel(sp.together(expr))
    if not pz.relations:
        return expr
    num, den = sp.fraction(expr)
    gens = sorted(pz.back, key=lambda s: -int(s.name.lstrip("_shcERF") or 0))
    others = sorted((num.free_symbols | den.free_symbols) - set(pz.back), key=str)
    gb = sp.groebner(pz.relations, *gens, *others, order="grevlex")
    num = gb.reduce(sp.expand(num))[1]
    den = gb.reduce(sp.expand(den))[1]
    return sp.cancel(num / den)


def _reduced_det(M: sp.Matrix) -> sp.Expr:
    pz = _Polynomializer()
    P = M.applyfunc(pz)
    det = DomainMatrix.from_Matrix(P).det() if P.rows else sp.Integer(1)
    det = det if isinstance(det, sp.Expr) else DomainMatrix.from_Matrix(P).domain.to_sympy(det)
    return _reduce_polynomial(det, pz).xreplace(pz.back)


def _reduce(expr: sp.Expr) -> sp.Expr:
    pz = _Polynomializer()
    return _reduce_polynomial(pz(expr), pz).xreplace(pz.back)


def _shortest(expr: sp.Expr) -> sp.Expr:
    candidates = [sp.simplify(expr), sp.factor(expr)]
    # sums of exponentials may be hyperbolic functions; lone exponentials stay as they are
    if any(isinstance(a, sp.Add) and a.has(sp.exp) for a in sp.preorder_traversal(expr)):
        candidates += [sp.simplify(expr.rewrite(f)) for f in (sp.sinh, sp.tanh)]
    return min(candidates, key=sp.count_ops)


def default_simplify(expr: sp.Expr) -> sp.Expr:
    """The default edge simplifier for an already-reduced (small) expression.

    ``simplify``, also trying hyperbolic rewrites of exponentials (``e^{-2t}(e^{4t}-1)`` becomes
    ``2 sinh(2t)``) inside and outside absolute values, keeping the shortest form.
    """
    expr = expr.replace(sp.Abs, lambda a: sp.Abs(_shortest(a)))
    return _shortest(expr)


# ----------------------------------------------------------------------------- output
def lambdify_torch(expr: sp.Expr, params: Sequence[sp.Symbol]) -> Callable[..., torch.Tensor]:
    """Lambdify ``expr`` to a function of torch tensors (one per parameter, broadcasting).

    Examples
    --------
    >>> import torch, sympy as sp
    >>> t = sp.Symbol("t", real=True)
    >>> f = lambdify_torch(sp.exp(2 * t), [t])
    >>> f(torch.zeros(2, dtype=torch.float64))
    tensor([1., 1.], dtype=torch.float64)
    """
    # constants such as log(2) become floats: torch functions reject Python numbers
    fn = sp.lambdify(list(params), sp.sympify(expr).evalf(17), modules=[_torch_namespace()])

    def wrapped(*tensors):
        if len(tensors) != len(params):
            raise ValueError(f"expected {len(params)} tensors ({params}), got {len(tensors)}")
        ref = torch.broadcast_tensors(*tensors)[0]
        out = fn(*tensors)
        return torch.as_tensor(out, dtype=ref.dtype, device=ref.device).expand(ref.shape)

    return wrapped


def lambdify_matrix_torch(matrix, params) -> Callable[..., torch.Tensor]:
    """Lambdify a sympy matrix ``g(q)`` to ``f(*tensors) -> [..., m, m]`` (entries broadcast)."""
    matrix = sp.Matrix(matrix)
    entries = [lambdify_torch(e, params) for e in matrix]

    def wrapped(*tensors):
        vals = torch.stack([f(*tensors) for f in entries], -1)
        return vals.reshape(*vals.shape[:-1], matrix.rows, matrix.cols)

    return wrapped


_logsinh = sp.Function("logsinh")  # log|sinh u|
_logcosh = sp.Function("logcosh")


def _torch_logsinh(u):
    a = u.abs()
    return a + torch.log(-torch.expm1(-2 * a)) - math.log(2)


def _torch_logcosh(u):
    a = u.abs()
    return a + torch.log1p(torch.exp(-2 * a)) - math.log(2)


def _torch_namespace() -> dict:
    names = ("exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sqrt", "abs", "atan2",
             "arccos", "arcsin", "arctan")
    ns = {name: getattr(torch, name) for name in names}
    ns.update(acos=torch.arccos, asin=torch.arcsin, atan=torch.arctan, Abs=torch.abs,
              logsinh=_torch_logsinh, logcosh=_torch_logcosh)
    return ns


def log_density_torch(expr: sp.Expr, params) -> Callable[..., torch.Tensor]:
    """Lambdify ``log(expr)``: the logarithm is expanded (``log e^u = u``) and ``log sinh``,
    ``log cosh`` are evaluated stably, so large coordinates do not overflow."""
    out = sp.expand_log(sp.log(expr), force=True)
    out = out.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.sinh),
                      lambda e: _logsinh(e.args[0].args[0]))
    out = out.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.cosh),
                      lambda e: _logcosh(e.args[0].args[0]))
    return lambdify_torch(out, params)


def latex(expr: sp.Expr) -> str:
    """LaTeX string of a derived density."""
    return sp.latex(expr)


# ----------------------------------------------------------------------------- ready-made
def _rot(a) -> sp.Matrix:
    return sp.Matrix([[sp.cos(a), -sp.sin(a)], [sp.sin(a), sp.cos(a)]])


def _unit(m: int, i: int, j: int) -> sp.Matrix:
    E = sp.zeros(m, m)
    E[i, j] = 1
    return E


def _sl2_basis() -> tuple:
    return (_unit(2, 0, 1), _unit(2, 1, 0), sp.diag(1, -1))


def _gl2_basis() -> tuple:
    return tuple(_unit(2, i, j) for i in range(2) for j in range(2))


def sl2_kan() -> Parametrization:
    r"""SL(2) Iwasawa ``g = k(theta) diag(e^t, e^-t) n(x)``; literature: :math:`e^{2t}`."""
    th, t, x = sp.symbols("theta t x", real=True)
    g = _rot(th) * sp.diag(sp.exp(t), sp.exp(-t)) * sp.Matrix([[1, x], [0, 1]])
    return Parametrization("SL(2) KAN", g, (th, t, x), _sl2_basis(), "theta in [0, 2pi)")


def sl2_nak() -> Parametrization:
    r"""SL(2) in NAK order ``g = n(x) diag(e^t, e^-t) k(theta)``; literature: :math:`e^{-2t}`."""
    x, t, th = sp.symbols("x t theta", real=True)
    g = sp.Matrix([[1, x], [0, 1]]) * sp.diag(sp.exp(t), sp.exp(-t)) * _rot(th)
    return Parametrization("SL(2) NAK", g, (x, t, th), _sl2_basis(), "theta in [0, 2pi)")


def sl2_kak() -> Parametrization:
    r"""SL(2) Cartan ``g = k(phi) diag(e^t, e^-t) k(psi)``, ``t > 0``; literature ∝ sinh 2t."""
    phi, psi = sp.symbols("phi psi", real=True)
    t = sp.Symbol("t", positive=True)
    g = _rot(phi) * sp.diag(sp.exp(t), sp.exp(-t)) * _rot(psi)
    return Parametrization("SL(2) KAK", g, (phi, t, psi), _sl2_basis(), "t > 0")


def sl2_exp() -> Parametrization:
    r"""SL(2) = exp(Sym0) SO(2): ``g = e^X k(theta)``, ``X = [[a, b], [b, -a]]``.

    Literature: density ∝ :math:`\sinh(2r)/(2r)`, :math:`r = \sqrt{a^2+b^2}`.
    """
    a, b, th = sp.symbols("a b theta", real=True)
    r = sp.sqrt(a**2 + b**2)
    X = sp.Matrix([[a, b], [b, -a]])
    eX = sp.cosh(r) * sp.eye(2) + sp.sinh(r) / r * X  # X^2 = r^2 I
    return Parametrization("SL(2) exp", eX * _rot(th), (a, b, th), _sl2_basis(), "(a, b) != 0")


def glp2_polar() -> Parametrization:
    r"""GL+(2) polar ``g = P k(theta)``, ``P = [[p11, p12], [p12, p22]]`` SPD, ``S = P^2 = g g^T``.

    The entries of ``P`` are used instead of those of ``S`` to avoid nested square roots.
    Literature (in ``S``): Lebesgue :math:`dg = \tfrac14 \det(S)^{-1/2} dS\, d\theta`, so Haar
    :math:`|\det g|^{-2} dg = \tfrac14 \det(S)^{-3/2} dS\, d\theta`; the tests pull this back
    along :math:`S = P^2` with the Jacobian :math:`|\partial S / \partial P|`.
    """
    p11, p22 = sp.symbols("p11 p22", positive=True)
    p12, th = sp.symbols("p12 theta", real=True)
    P = sp.Matrix([[p11, p12], [p12, p22]])
    return Parametrization("GL+(2) polar", P * _rot(th), (p11, p12, p22, th), None, "P SPD")


def glp2_kan() -> Parametrization:
    r"""GL+(2) Iwasawa ``g = k(theta) diag(e^{h1}, e^{h2}) n(x)``; literature
    :math:`a^{2\rho} = e^{h_1 - h_2}`."""
    th, h1, h2, x = sp.symbols("theta h1 h2 x", real=True)
    g = _rot(th) * sp.diag(sp.exp(h1), sp.exp(h2)) * sp.Matrix([[1, x], [0, 1]])
    return Parametrization("GL+(2) KAN", g, (th, h1, h2, x), _gl2_basis(), "theta in [0, 2pi)")


def glp2_kak() -> Parametrization:
    r"""GL+(2) Cartan ``g = k(phi) diag(e^{h1}, e^{h2}) k(psi)``, ``h1 > h2``; literature
    ∝ :math:`\sinh(h_1 - h_2)`."""
    phi, psi, h1, h2 = sp.symbols("phi psi h1 h2", real=True)
    g = _rot(phi) * sp.diag(sp.exp(h1), sp.exp(h2)) * _rot(psi)
    return Parametrization("GL+(2) KAK", g, (phi, h1, h2, psi), _gl2_basis(), "h1 > h2")


def glp_entries(n: int = 2) -> Parametrization:
    r"""GL+(n) by its entries; literature: Haar :math:`|\det g|^{-n} dg`.

    Derivation cost grows fast: under a second for n = 2, minutes for n = 3 (a 9x9 determinant
    over the field of rational functions in nine variables).
    """
    q = tuple(sp.Symbol(f"g{i}{j}", real=True) for i in range(1, n + 1) for j in range(1, n + 1))
    g = sp.Matrix(n, n, q)
    return Parametrization(f"GL+({n}) entries", g, tuple(q), None, "det g > 0")


def affine_entries(n: int = 1) -> Parametrization:
    r"""Affine group R^n ⋊ GL+(n) as ``[[A, x], [0, 1]]`` in the entries of ``(x, A)``.

    Literature: left Haar :math:`|\det A|^{-1} dx\, d\mu_{GL}(A)`, right Haar
    :math:`dx\, d\mu_{GL}(A)`, :math:`d\mu_{GL}(A) = |\det A|^{-n} dA`; modular function
    :math:`\Delta(x, A) = |\det A|^{-1}`.
    """
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    As = tuple(sp.Symbol(f"a{i}{j}", real=True) for i in range(1, n + 1) for j in range(1, n + 1))
    g = sp.zeros(n + 1, n + 1)
    g[:n, :n] = sp.Matrix(n, n, As)
    g[:n, n] = sp.Matrix(xs)
    g[n, n] = 1
    return Parametrization(f"Aff+({n}) entries", g, tuple(xs) + tuple(As), None, "det A > 0")


def _rz(a) -> sp.Matrix:
    return sp.Matrix([[sp.cos(a), -sp.sin(a), 0], [sp.sin(a), sp.cos(a), 0], [0, 0, 1]])


def _ry(a) -> sp.Matrix:
    return sp.Matrix([[sp.cos(a), 0, sp.sin(a)], [0, 1, 0], [-sp.sin(a), 0, sp.cos(a)]])


def so3_euler() -> Parametrization:
    r"""SO(3) in ZYZ Euler angles ``Rz(alpha) Ry(beta) Rz(gamma)``; literature ∝ sin(beta)."""
    al, ga = sp.symbols("alpha gamma", real=True)
    be = sp.Symbol("beta", positive=True)
    basis = (
        sp.Matrix([[0, 0, 0], [0, 0, -1], [0, 1, 0]]),
        sp.Matrix([[0, 0, 1], [0, 0, 0], [-1, 0, 0]]),
        sp.Matrix([[0, -1, 0], [1, 0, 0], [0, 0, 0]]),
    )
    g = _rz(al) * _ry(be) * _rz(ga)
    return Parametrization("SO(3) Euler ZYZ", g, (al, be, ga), basis, "0 < beta < pi")


def sl3_an() -> Parametrization:
    r"""The solvable Iwasawa factor AN of SL(3), ``g = a n``.

    ``a = diag(e^{t1}, e^{t2}, e^{-t1-t2})``, ``n = n(x, y, z)`` unipotent upper triangular.

    Since ``G = K (AN)``, Haar on SL(3) is :math:`dk \otimes d\mu_R^{AN}`, and the right Haar
    density of AN in these coordinates is the literature's
    :math:`a^{2\rho} = \prod_{i<j} a_i/a_j = e^{4 t_1 + 2 t_2}` (the left density is 1, so the
    modular function of AN is :math:`a^{-2\rho}`).
    """
    t1, t2, x, y, z = sp.symbols("t1 t2 x y z", real=True)
    a = sp.diag(sp.exp(t1), sp.exp(t2), sp.exp(-t1 - t2))
    nn = sp.Matrix([[1, x, y], [0, 1, z], [0, 0, 1]])
    basis = (sp.diag(1, 0, -1), sp.diag(0, 1, -1), _unit(3, 0, 1), _unit(3, 0, 2), _unit(3, 1, 2))
    return Parametrization("SL(3) AN", a * nn, (t1, t2, x, y, z), basis, "upper triangular")


_J = sp.Matrix([[0, -1], [1, 0]])


def rs2_polar() -> Parametrization:
    r"""Rotation-scalings of the plane (C*) ``g = e^t k(theta)``, basis ``(I, J)``.

    Literature: C* is abelian with Haar measure :math:`ds\,d\theta / s = dt\,d\theta`
    (:math:`s = e^t`).
    """
    t, th = sp.symbols("t theta", real=True)
    return Parametrization("RotationScaling(2) polar", sp.exp(t) * _rot(th), (t, th),
                           (sp.eye(2), _J), "theta in [0, 2pi)")


def rs3_euler() -> Parametrization:
    r"""R>0 × SO(3): ``g = e^t Rz(alpha) Ry(beta) Rz(gamma)``, basis ``(I, so(3) basis)``.

    Literature: the product of :math:`dt` and the SO(3) Haar measure ∝ :math:`\sin\beta`.
    """
    t = sp.Symbol("t", real=True)
    so3 = so3_euler()
    return Parametrization("RotationScaling(3) Euler ZYZ", sp.exp(t) * so3.matrix,
                           (t,) + so3.params, (sp.eye(3),) + so3.basis, "0 < beta < pi")


def similarity2() -> Parametrization:
    r"""Similarities of the plane, R² ⋊ (R>0 × SO(2)): ``[[e^t k(theta), x], [0, 1]]``.

    Basis ``(E_02, E_12, I ⊕ 0, J ⊕ 0)``. Literature: left Haar ∝ :math:`e^{-2t} dx\,dt\,d\theta`
    (:math:`|\det A|^{-1}` times Haar of the linear part), right Haar ∝ :math:`dx\,dt\,d\theta`,
    modular function :math:`\Delta = |\det A|^{-1} = e^{-2t}`.
    """
    x1, x2, t, th = sp.symbols("x1 x2 t theta", real=True)
    g = sp.eye(3)
    g[:2, :2] = sp.exp(t) * _rot(th)
    g[0, 2], g[1, 2] = x1, x2
    lin = [sp.zeros(3, 3), sp.zeros(3, 3)]
    lin[0][:2, :2], lin[1][:2, :2] = sp.eye(2), _J
    basis = (_unit(3, 0, 2), _unit(3, 1, 2), lin[0], lin[1])
    return Parametrization("Similarity(2)", g, (x1, x2, t, th), basis, "theta in [0, 2pi)")

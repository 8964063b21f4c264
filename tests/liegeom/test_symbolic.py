"""Symbolic Haar densities: the literature (REFERENCES.md) and the numeric charts agree."""

import functools
import math

import pytest
import sympy as sp
import torch
from torch.autograd.functional import jacobian

from liegeom import symbolic as S
from liegeom.charts import (
    AffineChart,
    IwasawaChart,
    KAKChart,
    PolarChart,
    PolarExpChart,
    log_so_exp_density,
)
from liegeom.groups import SL, GLPlus


@functools.cache
def derived(name, side="left", normalization="basis"):
    p = getattr(S, name)()
    return p, S.haar_density(p.matrix, p.params, basis=p.basis, side=side,
                             normalization=normalization)


def _sym(p, name):
    return next(q for q in p.params if q.name == name)


def _literature(name, p):
    """REFERENCES.md, in the parametrization's own symbols. (relation, expression)"""
    s = functools.partial(_sym, p)
    if name == "sl2_kan":
        return "=", sp.exp(2 * s("t"))
    if name == "sl2_nak":
        return "=", sp.exp(-2 * s("t"))
    if name == "sl2_kak":
        return "∝", sp.sinh(2 * s("t"))
    if name == "sl2_exp":
        r = sp.sqrt(s("a") ** 2 + s("b") ** 2)
        return "∝", sp.sinh(2 * r) / (2 * r)
    if name == "glp2_polar":  # (1/4) det(S)^{-3/2} dS dθ pulled back along S = P^2
        P = sp.Matrix([[s("p11"), s("p12")], [s("p12"), s("p22")]])
        Smat = P * P
        jac = sp.Matrix([Smat[0, 0], Smat[0, 1], Smat[1, 1]]).jacobian(p.params[:3]).det()
        return "=", sp.Rational(1, 4) * Smat.det() ** sp.Rational(-3, 2) * sp.Abs(jac)
    if name == "glp2_kan":
        return "=", sp.exp(s("h1") - s("h2"))
    if name == "glp2_kak":
        return "∝", sp.Abs(sp.sinh(s("h1") - s("h2")))
    if name == "glp_entries":
        return "=", sp.Abs(p.matrix.det()) ** -2
    if name == "so3_euler":
        return "∝", sp.sin(s("beta"))
    raise KeyError(name)


CASES = ["sl2_kan", "sl2_nak", "sl2_kak", "sl2_exp", "glp2_polar", "glp2_kan", "glp2_kak",
         "glp_entries", "so3_euler"]


def _constant_ratio(expr, ref, params):
    """``expr / ref`` as a number, checked symbolically and at random points."""
    ratio = sp.simplify(sp.powdenest(sp.simplify(expr / ref), force=True))
    rng = torch.Generator().manual_seed(3)
    vals = []
    for _ in range(5):
        pt = {q: float(0.6 + 0.8 * torch.rand((), generator=rng)) if q.is_positive
              else float(0.8 * torch.rand((), generator=rng) - 0.4) for q in params}
        vals.append(complex(ratio.subs(pt).evalf()).real)
    assert max(vals) - min(vals) < 1e-12 * abs(vals[0]), (ratio, vals)
    return vals[0]


@pytest.mark.parametrize("name", CASES)
def test_density_matches_literature(name):
    p, rho = derived(name)
    relation, ref = _literature(name, p)
    c = _constant_ratio(rho, ref, p.params)
    assert c > 0
    if relation == "=":
        assert c == pytest.approx(1.0, abs=1e-12)


def test_constants_where_the_literature_says_proportional():
    """In the basis (E12, E21, diag(1, -1)): KAK 2 sinh 2t, exp sinh(2r)/r; ZYZ: sin beta."""
    p, rho = derived("sl2_kak")
    assert sp.simplify(rho - 2 * sp.sinh(2 * _sym(p, "t"))) == 0
    p, rho = derived("sl2_exp")
    assert _constant_ratio(rho, _literature("sl2_exp", p)[1], p.params) == pytest.approx(2.0)
    p, rho = derived("so3_euler")
    assert _constant_ratio(rho, sp.sin(_sym(p, "beta")), p.params) == pytest.approx(1.0)


def test_unimodular_left_equals_right():
    for name in ("sl2_kan", "sl2_kak"):
        p, left = derived(name)
        _, right = derived(name, side="right")
        assert sp.simplify(left - right) == 0, name


def test_affine_left_right_and_modular_function():
    """R^n ⋊ GL+(n): left |det A|^{-1} |det A|^{-n}, right |det A|^{-n}, Δ = |det A|^{-1}."""
    for n in (1, 2):
        p = S.affine_entries(n)
        detA = p.matrix[:n, :n].det()
        left = S.haar_density(p.matrix, p.params)
        right = S.haar_density(p.matrix, p.params, side="right")
        delta = S.modular_function(p.matrix, p.params)
        assert sp.simplify(left - sp.Abs(detA) ** (-n - 1)) == 0
        assert sp.simplify(right - sp.Abs(detA) ** (-n)) == 0
        assert sp.simplify(delta - 1 / sp.Abs(detA)) == 0


def test_sl3_iwasawa_a_to_the_2rho():
    """3x3: Haar on SL(3) = dk ⊗ right Haar of AN; the latter is a^{2ρ} = e^{4 t1 + 2 t2}."""
    p = S.sl3_an()
    t1, t2 = _sym(p, "t1"), _sym(p, "t2")
    a = [t1, t2, -t1 - t2]
    two_rho = sum(a[i] - a[j] for i in range(3) for j in range(i + 1, 3))
    assert S.haar_density(p.matrix, p.params, basis=p.basis, side="right") == sp.exp(two_rho)
    assert S.haar_density(p.matrix, p.params, basis=p.basis) == 1
    delta = S.modular_function(p.matrix, p.params, basis=p.basis)
    assert sp.simplify(delta - sp.exp(-two_rho)) == 0


def _pullback_residual(p, rho, chart, points, side=None):
    """max |log ρ_sym(q) - (log ρ_chart(z(q)) + log|det ∂z/∂q|)| over points."""
    g_of_q = S.lambdify_matrix_torch(p.matrix, p.params)
    log_rho = S.log_density_torch(rho, p.params)
    kw = {} if side is None else {"side": side}
    worst = 0.0
    for q in points:
        z_of_q = lambda qq: chart.to_coords(g_of_q(*qq))
        J = jacobian(z_of_q, q)
        rhs = chart.log_haar_density(z_of_q(q), **kw) + torch.linalg.slogdet(J)[1]
        worst = max(worst, abs(float(log_rho(*q) - rhs)))
    return worst


def _points(p, m=4, seed=0):
    rng = torch.Generator().manual_seed(seed)
    lo = torch.tensor([0.6 if q.is_positive else -0.7 for q in p.params], dtype=torch.float64)
    hi = torch.tensor([1.4 if q.is_positive else 0.7 for q in p.params], dtype=torch.float64)
    out = []
    for _ in range(m):
        q = lo + (hi - lo) * torch.rand(len(p.params), generator=rng, dtype=torch.float64)
        if p.name == "GL+(2) polar":  # keep P positive definite
            q[1] = q[1] * 0.5
        if p.name.startswith("GL+(2) entries"):
            q = q + torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64)
        out.append(q)
    return out


@pytest.mark.parametrize("name,chart", [
    ("sl2_kan", IwasawaChart(SL(2))),
    ("sl2_kak", KAKChart(SL(2))),
    ("sl2_exp", PolarExpChart(SL(2))),
    ("sl2_nak", PolarExpChart(SL(2))),
    ("glp2_polar", PolarChart(GLPlus(2))),
    ("glp2_kan", IwasawaChart(GLPlus(2))),
    ("glp2_kak", KAKChart(GLPlus(2))),
    ("glp_entries", KAKChart(GLPlus(2))),
    ("glp_entries", IwasawaChart(GLPlus(2))),
], ids=lambda v: v if isinstance(v, str) else repr(v))
def test_symbolic_density_equals_chart_density(name, chart):
    """Lambdified Maurer–Cartan density == the chart's closed form pulled back to q."""
    # E_ij (coordinate basis of gl(2), and the GL+(2) bases) are orthonormal for tr(X^T Y):
    # there the two normalizations coincide and the cached derivation serves
    basis = getattr(S, name)().basis
    ortho = basis is None or sp.Matrix([[(a.T * b).trace() for b in basis] for a in basis]) == \
        sp.eye(len(basis))
    p, rho = derived(name, normalization="basis" if ortho else "frobenius")
    assert _pullback_residual(p, rho, chart, _points(p)) < 1e-10


def test_symbolic_affine_equals_affine_chart():
    p = S.affine_entries(2)
    chart = AffineChart(IwasawaChart(GLPlus(2)))
    pts = [q + torch.tensor([0, 0, 1.0, 0, 0, 1.0], dtype=torch.float64) for q in
           [0.4 * torch.randn(6, generator=torch.Generator().manual_seed(s), dtype=torch.float64)
            for s in range(3)]]
    for side in ("left", "right"):
        rho = S.haar_density(p.matrix, p.params, side=side)
        assert _pullback_residual(p, rho, chart, pts, side=side) < 1e-10


def test_so3_euler_equals_exponential_coordinates():
    p, rho = derived("so3_euler", normalization="frobenius")
    R_of_q = S.lambdify_matrix_torch(p.matrix, p.params)
    log_rho = S.log_density_torch(rho, p.params)

    def w_of_q(q):
        R = R_of_q(*q)
        theta = torch.arccos(((torch.diagonal(R).sum() - 1) / 2).clamp(-1, 1))
        K = (R - R.mT) * (theta / (2 * torch.sin(theta)))  # principal log (angle < pi)
        i, j = torch.triu_indices(3, 3, 1)
        return math.sqrt(2) * K[i, j]

    for q in _points(p):
        J = jacobian(w_of_q, q)
        rhs = log_so_exp_density(w_of_q(q), 3) + torch.linalg.slogdet(J)[1]
        assert abs(float(log_rho(*q) - rhs)) < 1e-10


def test_pluggable_simplifier_and_lambdify():
    p = S.sl2_kak()
    raw = S.haar_density(p.matrix, p.params, basis=p.basis, simplify=lambda e: e)
    _, nice = derived("sl2_kak")
    t = torch.linspace(0.1, 3.0, 7, dtype=torch.float64)
    zeros = torch.zeros_like(t)
    f_raw, f_nice = (S.lambdify_torch(e, p.params) for e in (raw, nice))
    torch.testing.assert_close(f_raw(zeros, t, zeros), f_nice(zeros, t, zeros))
    torch.testing.assert_close(f_nice(zeros, t, zeros), 2 * torch.sinh(2 * t))
    big = torch.tensor([400.0], dtype=torch.float64)  # e^{800} overflows; its log does not
    assert torch.isfinite(S.log_density_torch(nice, p.params)(big * 0, big, big * 0)).all()
    assert "sinh" in S.latex(nice)


def test_bad_input():
    x, y = sp.symbols("x y", real=True)
    with pytest.raises(ValueError, match="square"):
        S.haar_density(sp.Matrix([[1, x]]), [x])
    with pytest.raises(ValueError, match="not in params"):
        S.haar_density(sp.Matrix([[sp.exp(x), y], [0, 1]]), [x])
    with pytest.raises(ValueError, match="linearly dependent"):
        S.haar_density(sp.Matrix([[sp.exp(x + y), 0], [0, 1]]), [x, y])
    with pytest.raises(ValueError, match="basis of the group's Lie algebra"):
        p = S.sl2_kan()
        S.haar_density(p.matrix, p.params, basis=(p.basis[0], p.basis[0], p.basis[2]))
    with pytest.raises(ValueError, match="needs an explicit"):
        S.haar_density(sp.Matrix([[sp.exp(x)]]), [x], normalization="frobenius")
    with pytest.raises(ValueError, match="side must be"):
        S.maurer_cartan(sp.Matrix([[sp.exp(x)]]), [x], side="up")
    with pytest.raises(ValueError, match="one parameter per matrix entry"):
        S.lebesgue_density(sp.Matrix([[sp.exp(x), 0], [0, 1]]), [x])

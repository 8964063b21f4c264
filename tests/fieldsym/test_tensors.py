"""Laws of fieldsym.tensors: curvature against closed forms from the literature and against
independent routes (full Riemann contraction, expression engine, covariant Killing form)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.tensors import Metric, _FracEngine, lie_bracket, lie_derivative, trig_cancel

t, r, th, ph, x, y, z = sp.symbols("t r theta phi x y z")
M, a = sp.symbols("M a", positive=True)


def schwarzschild():
    f = 1 - 2 * M / r
    return Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph))


def kerr_components():
    sig = r**2 + a**2 * sp.cos(th) ** 2
    dl = r**2 - 2 * M * r + a**2
    g = sp.zeros(4, 4)
    g[0, 0] = -(1 - 2 * M * r / sig)
    g[0, 3] = g[3, 0] = -2 * M * a * r * sp.sin(th) ** 2 / sig
    g[1, 1] = sig / dl
    g[2, 2] = sig
    g[3, 3] = (r**2 + a**2 + 2 * M * r * a**2 * sp.sin(th) ** 2 / sig) * sp.sin(th) ** 2
    return g, sig


def test_schwarzschild_is_ricci_flat_with_the_textbook_kretschmann_and_christoffels():
    g = schwarzschild()
    assert g.ricci_tensor.is_zero_matrix
    assert g.ricci_scalar == 0
    assert sp.simplify(g.kretschmann - 48 * M**2 / r**6) == 0
    # Gamma^r_tt = M (r - 2M) / r^3, Gamma^t_tr = M / (r (r - 2M)), Gamma^phi_theta phi = cot
    assert sp.simplify(g.christoffel[1, 0, 0] - M * (r - 2 * M) / r**3) == 0
    assert sp.simplify(g.christoffel[0, 0, 1] - M / (r * (r - 2 * M))) == 0
    assert trig_cancel(g.christoffel[3, 2, 3] - sp.cos(th) / sp.sin(th)) == 0


def test_schwarzschild_weyl_squared_equals_kretschmann_when_ricci_flat():
    g = schwarzschild()
    C = g.weyl
    gi = g.inverse
    sq = sum(
        C[i, j, k, l] ** 2 * gi[i, i] * gi[j, j] * gi[k, k] * gi[l, l]
        for i in range(4)
        for j in range(4)
        for k in range(4)
        for l in range(4)
        if C[i, j, k, l] != 0
    )
    assert sp.simplify(sq - g.kretschmann) == 0


def test_kerr_is_ricci_flat():
    """(Its time is measured in benchmarks/curvature_vs_einsteinpy.py, not here.)"""
    comps, _ = kerr_components()
    g = Metric(comps, (t, r, th, ph))
    assert g.ricci_tensor.is_zero_matrix
    assert sp.simplify(g.det + (r**2 + a**2 * sp.cos(th) ** 2) ** 2 * sp.sin(th) ** 2) == 0


def test_kerr_kretschmann_matches_the_closed_form():
    comps, sig = kerr_components()
    g = Metric(comps, (t, r, th, ph))
    c = sp.cos(th)
    poly = r**6 - 15 * r**4 * a**2 * c**2 + 15 * r**2 * a**4 * c**4 - a**6 * c**6
    ref = 48 * M**2 * poly / sig**6
    assert trig_cancel(g.kretschmann - ref) == 0


@settings(max_examples=10)
@given(
    st.floats(0.1, 10),
    st.floats(0.05, 3.09),
    st.floats(0.1, 3),
    st.floats(0, 0.99),
)
def test_sqrt_abs_det_squares_to_minus_det_and_is_positive_inside_the_domain(rr, tt, mm, q):
    """Kerr: sqrt(-g) = Sigma sin(theta), positive on r > 0, 0 < theta < pi, without Abs."""
    comps, sig = kerr_components()
    g = Metric(comps, (t, r, th, ph))
    s = g.sqrt_abs_det()
    assert not s.has(sp.Abs)
    assert trig_cancel(s**2 + g.det) == 0
    assert trig_cancel(s - sig * sp.sin(th)) == 0
    assert float(s.subs({r: rr, th: tt, M: mm, a: q * mm})) > 0


def test_sqrt_abs_det_takes_each_factor_with_its_sign_at_the_reference_point():
    g = Metric(sp.diag(-1, (r - 2 * M) ** 2), (t, r))
    assert g.sqrt_abs_det(at={r: 1, M: 1}) == 2 * M - r
    assert g.sqrt_abs_det(at={M: 1}, large=(r,)) == r - 2 * M  # sign as r -> oo
    with pytest.raises(ValueError, match="undetermined"):
        g.sqrt_abs_det(at={r: 2, M: 1})
    # factors made of derivatives of free functions get reference values too
    w = 1 + sp.diff(sp.Function("beta")(t, ph), ph) ** 2
    bondi = Metric(sp.Matrix([[1, -w, 0], [-w, 0, 0], [0, 0, r**2]]), (t, r, ph))
    assert sp.expand(bondi.sqrt_abs_det(large=(r,)) - r * w) == 0


rational_trig = st.tuples(*[st.integers(-2, 2) for _ in range(5)])


@settings(max_examples=6)
@given(rational_trig, rational_trig)
def test_rational_field_engine_derivative_and_sum_agree_with_sympy(p, q):
    """The engine's quotient-rule derivative and one-denominator sum == sympy's diff and Add,
    compared after trig_cancel (an independent normal form)."""
    s, c = sp.sin(th), sp.cos(th)
    f = (p[0] + p[1] * r * s + p[2] * c**2) / (1 + r**2 + (p[3] * s) ** 2) + p[4] * c / r
    h = (q[0] * s + q[1] * r) / (2 + c**2) + (q[2] + q[3] * s * c) / (1 + r**2) + q[4] * r
    E = _FracEngine((r, th), [f, h])
    F, H = E.to(f), E.to(h)
    for i, v in enumerate((r, th)):
        assert trig_cancel(E.back(E.diff(F, i)) - sp.diff(f, v)) == 0
    total = E.back(E.norm(E.sum([F, H, F * H, -F])))
    assert trig_cancel(total - (h + f * h)) == 0


def test_two_sphere_has_ricci_scalar_two_over_radius_squared_and_zero_einstein_tensor():
    R0 = sp.Symbol("R0", positive=True)
    g = Metric(sp.diag(R0**2, R0**2 * sp.sin(th) ** 2), (th, ph))
    assert g.ricci_scalar == 2 / R0**2
    assert g.einstein_tensor.is_zero_matrix


def test_conformally_flat_metric_has_zero_weyl_but_nonzero_ricci():
    w = 1 + x**2 + y * z
    g = Metric(sp.diag(-(w**2), w**2, w**2, w**2), (t, x, y, z))
    assert any(e != 0 for e in g.ricci_tensor)
    assert all(sp.cancel(c) == 0 for c in sp.flatten(g.weyl.tolist()))
    assert sp.flatten(g.riemann_lower.tolist()).count(0) < 256


polys = st.tuples(*[st.integers(-2, 2) for _ in range(4)])


@settings(max_examples=3)
@given(polys)
def test_ricci_fast_path_equals_contracted_riemann_and_the_expression_engine(c):
    """R_bd from Gamma and ln sqrt|g| (rational-field engine) == R^a_bad (full Riemann); on the
    diagonal part, the rational-field engine == plain sympy expressions with a user simplifier."""
    comps = sp.Matrix(
        [
            [1 + c[0] ** 2 * x**2, c[1] * x * y, 0],
            [c[1] * x * y, 2 + c[2] ** 2 * y**2, 0],
            [0, 0, 1 + (c[3] ** 2 + 1) * x],
        ]
    )
    g = Metric(comps, (x, y, z))
    diag = sp.diag(*[comps[i, i] for i in range(3)])
    d, h = Metric(diag, (x, y, z)), Metric(diag, (x, y, z), simplify=sp.cancel)
    assert all(sp.cancel(e) == 0 for e in d.ricci_tensor - h.ricci_tensor)
    R = g.riemann
    contracted = sp.Matrix(3, 3, lambda b, d: sum(R[k, b, k, d] for k in range(3)))
    assert all(sp.cancel(e) == 0 for e in g.ricci_tensor - contracted)
    # first Bianchi identity R^a_[bcd] = 0
    for k in range(3):
        for b in range(3):
            assert sp.cancel(R[k, b, 1, 2] + R[k, 1, 2, b] + R[k, 2, b, 1]) == 0


def test_killing_vectors_of_the_sphere_solve_the_killing_equations_both_routes():
    g = Metric(sp.diag(1, sp.sin(th) ** 2), (th, ph))
    rotations = [[0, 1], [sp.sin(ph), sp.cos(ph) * sp.cos(th) / sp.sin(th)]]
    for xi in rotations:
        assert all(trig_cancel(e) == 0 for e in g.killing_equations(xi).values())
        assert all(trig_cancel(e) == 0 for e in g.killing_form_covariant(xi))
    assert any(trig_cancel(e) != 0 for e in g.killing_equations([1, 0]).values())


@settings(max_examples=8)
@given(st.lists(st.integers(-3, 3), min_size=6, max_size=6))
def test_lie_derivative_of_metric_equals_symmetrised_covariant_derivative(k):
    g = Metric(sp.Matrix([[1 + x**2, x * y], [x * y, 1 + y**2]]), (x, y))
    xi = [k[0] + k[1] * x + k[2] * y**2, k[3] * x * y + k[4] + k[5] * x**3]
    diff = g.lie_derivative(xi) - g.killing_form_covariant(xi)
    assert all(sp.cancel(e) == 0 for e in diff)


@settings(max_examples=8)
@given(st.lists(st.integers(-3, 3), min_size=6, max_size=6))
def test_lie_derivative_obeys_leibniz_on_contractions_and_bracket_law(k):
    X = (x, y)
    xi = [k[0] * x + k[1] * y**2, k[2] + k[3] * x * y]
    v = [x**2 + k[4], y * k[5]]
    w = [y, x * y]
    L_v = lie_derivative(xi, v, X, "u")
    L_w = lie_derivative(xi, w, X, "d")
    lhs = lie_derivative(xi, sum(vi * wi for vi, wi in zip(v, w)), X, "")
    rhs = sum(L_v[i] * w[i] + v[i] * L_w[i] for i in range(2))
    assert sp.expand(lhs - rhs) == 0
    # L_xi v = [xi, v] on vectors; L_xi of the identity (1,1)-tensor vanishes
    br = lie_bracket(xi, v, X)
    assert all(sp.expand(L_v[i] - br[i]) == 0 for i in range(2))
    assert all(e == 0 for e in sp.flatten(lie_derivative(xi, sp.eye(2), X, "ud").tolist()))


def test_trig_cancel_recognises_zero_and_uses_pythagoras():
    assert trig_cancel(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) == 0
    assert trig_cancel(sp.sin(x) ** 2 / (1 - sp.cos(x) ** 2)) == 1
    assert trig_cancel(sp.tan(x) * sp.cos(x) - sp.sin(x)) == 0
    assert trig_cancel(sp.sin(x) - sp.cos(x)) != 0


@pytest.mark.parametrize(
    "components, coords, message",
    [
        (sp.Matrix([[1, 1], [1, 1]]), (x, y), "degenerate"),
        (sp.eye(3), (x, y), "for 2 coordinates"),
        (sp.Matrix([[1, x], [0, 1]]), (x, y), "symmetric"),
        (sp.eye(2), (x, x), "distinct"),
        (sp.zeros(2, 3), (x, y), "square"),
    ],
)
def test_bad_metrics_raise_value_errors_that_say_what_failed(components, coords, message):
    with pytest.raises(ValueError, match=message):
        Metric(components, coords)


def test_bad_tensor_inputs_raise():
    with pytest.raises(ValueError, match="dimension >= 4"):
        _ = Metric(sp.eye(3), (x, y, z)).weyl
    with pytest.raises(ValueError, match="'u' and 'd'"):
        lie_derivative([1, 0], sp.eye(2), (x, y), "ux")
    with pytest.raises(ValueError, match="shape"):
        lie_derivative([1, 0], sp.eye(3), (x, y), "dd")
    with pytest.raises(ValueError, match="vector components"):
        lie_derivative([1], sp.eye(2), (x, y), "dd")

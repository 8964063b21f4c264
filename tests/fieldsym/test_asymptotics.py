"""Laws of fieldsym.asymptotics: expansions, falloffs as data, conformal completion, and the
order-by-order solver reproducing the BMS3 solution space, asymptotic Killing vectors and
transformation laws of the literature (Barnich & Compère 2007; Schöller 2003.07243)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsym.asymptotics import (
    Condition,
    Falloffs,
    asymptotic_killing_vectors,
    conformal_completion,
    inverse_power_expansion,
    laurent_coefficients,
    solve_order_by_order,
)
from fieldsym.bms3 import bondi_ansatz, bondi_falloffs, cached_chain, phi, r
from fieldsym.tensors import Metric

Theta, N, alpha, Y = (sp.Function(n)(phi) for n in ("Theta", "N", "alpha", "Y"))
d = lambda f, k=1: sp.diff(f, phi, k)


@pytest.fixture(scope="module")
def plus():
    return cached_chain()[1].plus


@settings(max_examples=20)
@given(st.dictionaries(st.integers(-4, 4), st.integers(-5, 5).filter(bool), max_size=5))
def test_laurent_coefficients_invert_the_sum(coeffs):
    expr = sum((c * r**k for k, c in coeffs.items()), sp.S.Zero)
    assert laurent_coefficients(expr, r) == dict(sorted(coeffs.items()))


def test_laurent_rejects_non_laurent_and_series_expands_in_one_over_r():
    with pytest.raises(ValueError, match="Laurent polynomial"):
        laurent_coefficients(1 / (r - 1), r)
    M = sp.Symbol("M", positive=True)
    assert inverse_power_expansion(sp.sqrt(1 - 2 * M / r), r, 2) == {0: 1, 1: -M, 2: -(M**2) / 2}


def test_conformal_completion_of_bondi_gives_null_scri_with_metric_dphi2():
    coords, g, _ = bondi_ansatz(1)
    c = conformal_completion(Metric(g, coords), r)
    assert c.induced == sp.Matrix([[0, 0], [0, 1]])
    assert c.induced_rank == 1
    assert c.normal_norm == 0
    assert c.induced_coords == (coords[0], phi)


def test_conformal_completion_rejects_metrics_irregular_at_scri():
    u = sp.Symbol("u")
    g = Metric(sp.Matrix([[-1, -1, 0], [-1, 0, 0], [0, 0, r**3]]), (u, r, phi))
    with pytest.raises(ValueError, match="not regular"):
        conformal_completion(g, r)


def test_solution_space_is_the_literature_one(plus):
    u = plus.coords[0]
    Th0, N0 = (sp.Function(n)(u, phi) for n in ("Theta", "calN"))
    assert plus.solution[Th0] == Theta
    assert sp.expand(plus.solution[N0] - (N + u * d(Theta) / 2)) == 0


def test_solution_space_is_ricci_flat_and_lambda_needs_the_pipeline(plus):
    assert plus.metric.ricci_tensor.is_zero_matrix
    # with Lambda != 0 the Bondi ansatz Theta(u, phi) cannot solve R = 2 Lambda g
    from fieldsym.asymptotics import solution_space

    coords, g, unk = bondi_ansatz(1)
    with pytest.raises(ValueError, match="admits no solution"):
        solution_space(Metric(g, coords), unk, r, cosmological_constant=-1)


def test_asymptotic_killing_vectors_are_the_literature_ones(plus):
    u = plus.coords[0]
    T = alpha + u * d(Y)
    calN = N + u * d(Theta) / 2
    ref = [T, -r * d(Y) + d(T, 2) - calN * d(T) / r, Y - d(T) / r]
    assert [sp.expand(a - b) for a, b in zip(plus.xi, ref)] == [0, 0, 0]


def test_transformation_laws_are_the_literature_ones(plus):
    ref_theta = Y * d(Theta) + 2 * d(Y) * Theta - 2 * d(Y, 3)
    ref_n = Y * d(N) + 2 * d(Y) * N + alpha * d(Theta) / 2 + d(alpha) * Theta - d(alpha, 3)
    assert sp.expand(plus.laws[Theta] - ref_theta) == 0
    assert sp.expand(plus.laws[N] - ref_n) == 0


def test_akvs_preserve_the_falloffs_exactly(plus):
    L = plus.metric.lie_derivative(plus.xi)
    for cond in bondi_falloffs(plus.coords).conditions(L):
        coeffs = laurent_coefficients(cond.expr, r)
        top = -1 if cond.max_order is None else cond.max_order
        assert all(k <= top for k in coeffs), cond.label


def test_exact_killing_vectors_of_3d_minkowski_form_the_six_dimensional_poincare_algebra():
    coords, g, unk = bondi_ansatz(1)
    mink = Metric(g.subs({unk[0]: -1, unk[1]: 0}), coords)
    every = Falloffs({(a, b): None for a in range(3) for b in range(a, 3)}, r)
    xi, free, _ = asymptotic_killing_vectors(mink, every)
    assert len(free) == 6 and all(isinstance(c, sp.Symbol) for c in free)
    assert all(sp.cancel(e) == 0 for e in mink.lie_derivative(xi))


def test_falloffs_admitting_no_solution_raise_and_name_the_condition():
    x = sp.Symbol("x")
    F = sp.Function("F")(x)
    conds = [Condition(F - x, x, None, "first"), Condition(F - x - 1, x, None, "second")]
    with pytest.raises(ValueError, match="second.*admits no solution"):
        solve_order_by_order(conds, [F])


def test_falloffs_reject_components_outside_the_tensor():
    with pytest.raises(ValueError, match="component"):
        Falloffs({(3, 3): 0}, r).conditions(sp.eye(3))

"""Laws of the damped fixed-point solver: it returns only states within tolerance, and
non-convergence (period-2 oscillation, divergence) is reported, never silently used."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from nets.ep import ConvergenceError, SolverConfig, solve_fixed_point


def _affine(a, c):
    return lambda u: u @ a.T + c


@given(seed=st.integers(0, 2**31 - 1), dt=st.floats(0.2, 0.9))
def test_returned_state_is_within_tolerance(seed, dt):
    g = torch.Generator().manual_seed(seed)
    n = 5
    # J = -I + 0.3 * (random with spectral norm < 1): a stable linear field.
    m = torch.randn(n, n, generator=g, dtype=torch.float64)
    a = -torch.eye(n, dtype=torch.float64) + 0.3 * m / torch.linalg.matrix_norm(m, 2)
    c = torch.randn(3, n, generator=g, dtype=torch.float64)
    cfg = SolverConfig(dt=dt, tol=1e-10, max_iter=5000)
    r = solve_fixed_point(_affine(a, c), torch.zeros(3, n, dtype=torch.float64), cfg)
    assert r.converged
    assert float(_affine(a, c)(r.u).abs().max()) <= cfg.tol
    exact = torch.linalg.solve(a, -c.T).T
    torch.testing.assert_close(r.u, exact, rtol=0, atol=1e-8)


def test_undamped_period_two_oscillation_raises_and_damping_fixes_it(dtype, tol):
    # F(u) = c - 2u: the undamped update u <- c - u flips between two values forever.
    c = torch.tensor([[1.0, -2.0]], dtype=dtype)
    field = lambda u: c - 2 * u
    with pytest.raises(ConvergenceError, match="residual"):
        solve_fixed_point(field, torch.zeros_like(c), SolverConfig(dt=1.0, max_iter=200))
    flagged = solve_fixed_point(field, torch.zeros_like(c), SolverConfig(dt=1.0, max_iter=200),
                                on_fail="flag")
    assert not flagged.converged and float(flagged.residual.max()) > 1e-6
    damped = solve_fixed_point(field, torch.zeros_like(c), SolverConfig(dt=0.5, max_iter=200))
    torch.testing.assert_close(damped.u, c / 2, **tol)


def test_divergence_raises_with_batch_index():
    c = torch.tensor([[0.0], [1.0], [0.0]], dtype=torch.float64)
    field = lambda u: u + c  # unstable: grows without bound where c != 0
    with pytest.raises(ConvergenceError, match=r"batch index \(1,\)"):
        solve_fixed_point(field, torch.zeros_like(c), SolverConfig(max_iter=3000))


def test_complex_states(dtype, tol):
    cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64
    c = torch.tensor([[1 + 2j, -0.5j]], dtype=cdtype)
    r = solve_fixed_point(lambda u: c - u, torch.zeros_like(c))
    assert r.u.dtype == cdtype
    torch.testing.assert_close(r.u, c, rtol=0, atol=1e-5)


@pytest.mark.parametrize("kw", [{"dt": 0.0}, {"dt": 1.5}, {"tol": 0.0}, {"max_iter": 0}])
def test_bad_config(kw):
    with pytest.raises(ValueError, match="expected"):
        SolverConfig(**kw)


def test_bad_arguments():
    with pytest.raises(ValueError, match="on_fail"):
        solve_fixed_point(lambda u: -u, torch.zeros(1, 2), on_fail="ignore")
    with pytest.raises(ValueError, match="batch axis"):
        solve_fixed_point(lambda u: -u, torch.zeros(2))

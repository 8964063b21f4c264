"""Laws of the Jacobian-homeostasis estimator and the alignment diagnostics.

- E h(eps) = ||J - J^T||_F^2 / (2n), checked by Monte Carlo within 4 standard errors against the
  dense Jacobian, and h(eps) = 0 for every draw when J is symmetric.
- Its parameter gradient is unbiased for the gradient of the exact asymmetry.
- Cosines, symmetric share and feedback angles take their defining values on known inputs.
"""

import math

import pytest
import torch

from nets.ep import (
    MLPEPNetwork,
    alignment,
    asymmetry,
    feedback_angles,
    free_state,
    homeostasis_loss,
    homeostasis_samples,
    jacobian,
    symmetric_share,
)


def _setup(dtype, *, symmetric, seed=0):
    g = torch.Generator().manual_seed(seed)
    net = MLPEPNetwork((5, 6, 4), symmetric=symmetric, alpha=0.0 if symmetric else 2.0,
                       generator=g, dtype=dtype)
    x = torch.randn(3, 5, generator=g, dtype=dtype)
    return net, x, free_state(net, x), g


def test_hutchinson_mean_is_half_squared_antisymmetric_norm(dtype):
    net, x, u, g = _setup(dtype, symmetric=False)
    draws = homeostasis_samples(net, x, u, 2000, generator=g).detach().double()
    exact = asymmetry(jacobian(net, x, u).detach()).double()
    assert float(exact.min()) > 1e-3
    se = draws.std(0) / math.sqrt(draws.shape[0])
    assert bool(((draws.mean(0) - exact).abs() <= 4 * se).all()), (draws.mean(0), exact, se)


def test_zero_for_symmetric_jacobians(dtype, tol):
    net, x, u, g = _setup(dtype, symmetric=True)
    draws = homeostasis_samples(net, x, u, 50, generator=g).detach()
    scale = float(homeostasis_samples(*_setup(dtype, symmetric=False)[:3], 50).abs().mean())
    assert float(draws.abs().max()) <= tol["atol"] * scale


def test_gradient_is_unbiased_for_exact_asymmetry_gradient():
    net, x, u, g = _setup(torch.float64, symmetric=False)
    params = [p for p in net.parameters()]
    est = torch.autograd.grad(homeostasis_loss(net, x, u, 8000, generator=g), params,
                              allow_unused=True, materialize_grads=True)
    exact = torch.autograd.grad(asymmetry(jacobian(net, x, u)).mean(), params,
                                allow_unused=True, materialize_grads=True)
    e, r = torch.cat([t.flatten() for t in est]), torch.cat([t.flatten() for t in exact])
    assert float((e - r).norm() / r.norm()) < 0.05
    # Feedback of the first coupling does not exist; weights feeding the loss do move it.
    assert float(r.norm()) > 1e-3


def test_alignment_and_share_on_known_inputs():
    net, x, u, g = _setup(torch.float64, symmetric=False)
    a = torch.randn(u.shape, generator=g, dtype=torch.float64)
    same = alignment(net, a, 2 * a)
    assert all(abs(c - 1) < 1e-12 for c in same["layers"]) and len(same["layers"]) == 2
    assert abs(alignment(net, a, -a)["all"] + 1) < 1e-12
    with pytest.raises(ValueError, match="equal shapes"):
        alignment(net, a, a[:2])
    m = torch.randn(4, 4, generator=g, dtype=torch.float64)
    assert abs(float(symmetric_share(m + m.T)) - 1) < 1e-12
    assert abs(float(symmetric_share(m - m.T))) < 1e-12
    # A = m - m^T: (1/2n) ||A - A^T||^2 = (1/2n) ||2A||^2 = ||A||^2 / 2 for n = 4.
    torch.testing.assert_close(asymmetry(m - m.T), (m - m.T).pow(2).sum() / 2)


def test_feedback_angles_of_symmetric_network_are_zero():
    net, *_ = _setup(torch.float64, symmetric=True)
    assert feedback_angles(net) == [0.0]

"""Laws of the gradient estimators.

- Symmetric weights: the exact EP error vector (forward mode) equals the recurrent-backprop
  adjoint, which equals the dense solve -J^{-T} dl/du (an independent route).
- The reference gradient matches central finite differences of the loss at the fixed point.
- Classic EP (energy) and generalized EP agree with the reference up to O(beta^2) (centred).
- The N-point estimator's bias scales as |beta|^N (log-log slopes within 0.2 of N).
- Non-convergence propagates as ConvergenceError.
"""

import math

import pytest
import torch

from nets.ep import (
    ClassicEP,
    ConvEPNetwork,
    ConvergenceError,
    ExactEP,
    GeneralizedEP,
    HolomorphicEP,
    MLPEPNetwork,
    RecurrentBackprop,
    SolverConfig,
    adjoint,
    exact_error_vector,
    free_state,
    jacobian,
    nudge_points,
    nudged_error_vector,
)

TIGHT = SolverConfig(dt=0.7, tol=1e-13, max_iter=20000)
LOOSE32 = SolverConfig(dt=0.7, tol=1e-6, max_iter=5000)


def _problem(dtype, *, symmetric=True, conv=False, seed=0, batch=4, gain=3.0):
    g = torch.Generator().manual_seed(seed)
    if conv:
        net = ConvEPNetwork((1, 4, 4), channels=(2,), n_classes=3, symmetric=symmetric,
                            alpha=0.0 if symmetric else math.pi / 2, generator=g, dtype=dtype)
    else:
        net = MLPEPNetwork((6, 8, 4), symmetric=symmetric,
                           alpha=0.0 if symmetric else math.pi / 2, activation="sigmoid",
                           generator=g, dtype=dtype)
        with torch.no_grad():  # stronger coupling than at initialisation
            for p in net.parameters():
                p.mul_(gain)
    x = torch.randn(batch, *net.input_shape, generator=g, dtype=dtype)
    y = torch.randint(0, net.n_classes, (batch,), generator=g)
    return net, x, y


@pytest.mark.parametrize("conv", [False, True], ids=["mlp", "conv"])
def test_symmetric_exact_ep_equals_adjoint(conv, dtype, tol):
    cfg = TIGHT if dtype == torch.float64 else LOOSE32
    net, x, y = _problem(dtype, conv=conv, gain=2.0)
    u = free_state(net, x, cfg)
    delta = exact_error_vector(net, x, y, u, cfg)
    lam = adjoint(net, x, y, u, cfg)
    atol = 1e-10 if dtype == torch.float64 else 1e-5
    torch.testing.assert_close(delta, lam, rtol=0, atol=atol)
    j = jacobian(net, x, u).detach()
    dense = -torch.linalg.solve(j.transpose(-1, -2), net.loss_grad(u, y)[..., None])[..., 0]
    torch.testing.assert_close(lam, dense, rtol=0, atol=atol)
    assert float(lam.abs().max()) > 1e-3  # not a vacuous comparison


def test_asymmetric_exact_ep_differs_from_adjoint():
    net, x, y = _problem(torch.float64, symmetric=False)
    u = free_state(net, x, TIGHT)
    delta, lam = exact_error_vector(net, x, y, u, TIGHT), adjoint(net, x, y, u, TIGHT)
    assert float((delta - lam).abs().max()) > 1e-3


def _loss_at(net, x, y):
    return float(net.loss(free_state(net, x, TIGHT), y).mean())


@pytest.mark.parametrize("symmetric", [True, False], ids=["symmetric", "asymmetric"])
def test_reference_gradient_matches_finite_differences(symmetric):
    net, x, y = _problem(torch.float64, symmetric=symmetric)
    est = RecurrentBackprop(TIGHT)(net, x, y)
    g = torch.Generator().manual_seed(1)
    params = list(net.parameters())
    for _ in range(3):
        dirs = [torch.randn(p.shape, generator=g, dtype=p.dtype) for p in params]
        h = 1e-5
        with torch.no_grad():
            for p, d in zip(params, dirs):
                p.add_(h * d)
            plus = _loss_at(net, x, y)
            for p, d in zip(params, dirs):
                p.sub_(2 * h * d)
            minus = _loss_at(net, x, y)
            for p, d in zip(params, dirs):
                p.add_(h * d)
        fd = (plus - minus) / (2 * h)
        analytic = sum(float((gr * d).sum()) for gr, d in zip(est.grads, dirs))
        assert abs(fd - analytic) <= 1e-7 * max(1.0, abs(fd)), (fd, analytic)
    if symmetric:  # exact EP gives the same parameter gradient
        for a, b in zip(ExactEP(TIGHT)(net, x, y).grads, est.grads):
            torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)


def _max_grad_diff(a, b):
    return max(float((p - q).abs().max()) for p, q in zip(a.grads, b.grads))


def test_classic_and_generalized_ep_converge_to_reference_at_second_order():
    net, x, y = _problem(torch.float64)
    ref = RecurrentBackprop(TIGHT)(net, x, y)
    errs = {}
    for beta in (0.02, 0.01):
        errs[beta] = (_max_grad_diff(ClassicEP(beta, config=TIGHT)(net, x, y), ref),
                      _max_grad_diff(GeneralizedEP(beta, config=TIGHT)(net, x, y), ref))
    for k in range(2):  # centred: halving beta divides the error by about 4
        ratio = errs[0.02][k] / errs[0.01][k]
        assert 3.5 < ratio < 4.5, (k, errs)
    one = _max_grad_diff(ClassicEP(0.01, centred=False, config=TIGHT)(net, x, y), ref)
    assert one > 10 * errs[0.01][0]  # one-sided is first order


def test_holomorphic_two_points_equals_generalized_centred():
    net, x, y = _problem(torch.float64, symmetric=False)
    a = HolomorphicEP(0.2, 2, TIGHT)(net, x, y)
    b = GeneralizedEP(0.2, centred=True, config=TIGHT)(net, x, y)
    torch.testing.assert_close(a.delta, b.delta, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_points", [1, 2, 3, 4])
def test_bias_scales_as_beta_to_the_n(n_points):
    net, x, y = _problem(torch.float64, symmetric=False)
    u = free_state(net, x, TIGHT)
    exact = exact_error_vector(net, x, y, u, TIGHT)
    betas = [0.1 * 2 ** (k / 2) for k in range(5)]  # 0.1 .. 0.4
    bias = [float((nudged_error_vector(net, x, y, u, nudge_points(b, n_points), TIGHT)
                   - exact).norm()) for b in betas]
    lx, ly = torch.log(torch.tensor(betas)), torch.log(torch.tensor(bias))
    slope = float(((lx - lx.mean()) * (ly - ly.mean())).sum() / ((lx - lx.mean()) ** 2).sum())
    assert abs(slope - n_points) < 0.2, (slope, bias)


def test_complex_nudges_lie_on_a_circle():
    pts = nudge_points(0.3, 5)
    assert all(abs(abs(b) - 0.3) < 1e-15 for b in pts)
    assert abs(sum(1 / b for b in pts)) < 1e-12  # the free state cancels for N >= 2
    with pytest.raises(ValueError, match="n_points"):
        nudge_points(0.1, 0)
    with pytest.raises(ValueError, match="beta"):
        nudge_points(-0.1, 2)


def test_classic_ep_refuses_asymmetric_networks():
    net, x, y = _problem(torch.float64, symmetric=False)
    with pytest.raises(ValueError, match="symmetric"):
        ClassicEP(0.1)(net, x, y)


def test_non_convergence_is_reported_not_used():
    net, x, y = _problem(torch.float64, symmetric=False)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(20.0)
    with pytest.raises(ConvergenceError):
        HolomorphicEP(0.1, 3, SolverConfig(dt=1.0, max_iter=300))(net, x, y)

"""Laws of the equivariance regularizers, the models they act on, and the relative-error report."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from liegeom import SL
from liegeom.testing import EquivarianceError, assert_equivariant
from nets.soft import (
    MLP,
    EquivarianceRegularizer,
    GatedTensorNet,
    Rep,
    RepLinear,
    augment,
    axis_orthogonal,
    axis_rotations,
    euclidean,
    invariant_action,
    lie_group,
    orthogonal,
    points_action,
    prior_penalty,
    product,
    project_bias,
    project_linear,
    relative_equivariance_error,
    scaling,
    special_orthogonal,
)

GROUPS = {"O(3)": orthogonal(3), "O(2)_z": axis_orthogonal(2), "SO(2)_z": axis_rotations(2),
          "SO(3)": special_orthogonal(3), "Scaling": scaling(3),
          "SO(3)xScaling": product(special_orthogonal(3), scaling(3))}
RIN, ROUT = Rep(5, 5), Rep(0, 0, 1)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", list(GROUPS))
@pytest.mark.parametrize("gate", ["bilinear", "sigmoid"])
def test_exact_model_is_equivariant(name, gate):
    """Projected layers + products + gates: the whole network commutes with the group."""
    G = GROUPS[name]
    net = GatedTensorNet(RIN, ROUT, (4, 3, 3), blocks=2, gate=gate, group=G, generator=_gen(),
                         dtype=torch.float64)
    x = torch.randn(16, RIN.dim, generator=_gen(1), dtype=torch.float64)
    g = G.sample((16,), generator=_gen(2))
    assert_equivariant(net, RIN.act, ROUT.act, x, g, tol=1e-10)


@pytest.mark.parametrize("method", ["sample", "projection"])
def test_regularizer_zero_for_equivariant_positive_otherwise(method, dtype):
    G = orthogonal(3)
    reg = EquivarianceRegularizer(G, RIN, ROUT, method=method, samples=2)
    x = torch.randn(32, RIN.dim, generator=_gen(1), dtype=dtype)
    exact = GatedTensorNet(RIN, ROUT, (4, 3, 3), group=G, generator=_gen(), dtype=dtype)
    free = GatedTensorNet(RIN, ROUT, (4, 3, 3), generator=_gen(), dtype=dtype)
    eps = 1e-18 if dtype == torch.float64 else 1e-8
    zero = float(reg(exact, x, generator=_gen(3)).detach())
    assert zero <= eps * max(1.0, float(exact(x).square().sum(-1).mean().detach()))
    assert float(reg(free, x, generator=_gen(3)).detach()) > 1e-3


@pytest.mark.parametrize("name", ["O(3)", "O(2)_z", "SO(2)_z", "SO(3)"])
def test_sampling_estimate_converges_to_exact_value_for_linear_maps(name):
    """For f(x) = W x + b, x ~ N(0, I) and Haar g: E‖f(gx) − g f(x)‖² = 2‖(I−P)W‖² + 2‖(I−P)b‖²,
    which is what the projection form returns."""
    G = GROUPS[name]
    rin, rout = Rep(1, 1, 1), Rep(1, 1, 1)
    layer = RepLinear(rin, rout, generator=_gen(), dtype=torch.float64)
    with torch.no_grad():
        layer.bias.normal_(generator=_gen(7))
    exact = float(EquivarianceRegularizer(G, rin, rout, method="projection")(layer).detach())
    reg = EquivarianceRegularizer(G, rin, rout, samples=1)
    x = torch.randn(200_000, rin.dim, generator=_gen(4), dtype=torch.float64)
    with torch.no_grad():
        r = reg.sample_residuals(layer, x, generator=_gen(5)).square().sum(-1).reshape(-1)
    mean, se = float(r.mean()), float(r.std()) / math.sqrt(r.numel())
    assert exact > 0.1
    assert abs(mean - exact) < 5 * se, (mean, exact, se)
    assert se < 0.02 * exact  # the check has power


def test_projection_form_is_differentiable_with_the_analytic_gradient():
    G = axis_orthogonal(2)
    rin, rout = Rep(1, 2, 0), Rep(0, 1, 1)
    layer = RepLinear(rin, rout, generator=_gen(), dtype=torch.float64)
    reg = EquivarianceRegularizer(G, rin, rout, method="projection")
    reg(layer).backward()
    W, b = layer.weight.detach(), layer.bias.detach()
    torch.testing.assert_close(layer.weight.grad, 4 * (W - project_linear(G, W, rin, rout)))
    torch.testing.assert_close(layer.bias.grad, 4 * (b - project_bias(G, b, rout)))


def test_sampling_form_gradcheck():
    G = orthogonal(3)
    rin, rout = Rep(1, 1), Rep(0, 1)
    x = torch.randn(8, rin.dim, generator=_gen(1), dtype=torch.float64)
    W0 = torch.randn(rout.dim, rin.dim, generator=_gen(2), dtype=torch.float64)
    reg = EquivarianceRegularizer(G, rin, rout, samples=2)

    def value(W):
        return reg(lambda v: torch.tanh(v @ W.mT), x, generator=_gen(3))

    assert torch.autograd.gradcheck(value, (W0.requires_grad_(),))


def test_regularizer_under_a_noncompact_liegeom_group():
    """SL(3) through lie_group: zero for a multiple of the identity (equivariant under every
    linear map), positive otherwise; samples are exponentials of Gaussian algebra elements."""
    V = Rep(0, 1)
    reg = EquivarianceRegularizer(lie_group(SL(3)), V, V, samples=4)
    x = torch.randn(64, 3, generator=_gen(1), dtype=torch.float64)
    assert float(reg(lambda v: 2 * v, x, generator=_gen(2))) < 1e-24
    assert float(reg(lambda v: v * torch.tensor([1.0, 1.0, 2.0], dtype=v.dtype), x,
                     generator=_gen(2))) > 1e-2
    layer = RepLinear(V, V, group=lie_group(SL(3)), generator=_gen(3), dtype=torch.float64)
    exact = EquivarianceRegularizer(lie_group(SL(3)), V, V, method="projection")
    assert float(exact(layer).detach()) < 1e-24


def test_point_action_and_rigid_motion_invariance():
    G = euclidean(3)
    act = points_action(3)
    x = torch.randn(10, 9, generator=_gen(1), dtype=torch.float64)

    def dists(v):
        p = v.reshape(-1, 3, 3)
        return (p - p.roll(1, -2)).norm(dim=-1)

    reg = EquivarianceRegularizer(G, act, invariant_action, samples=3)
    assert float(reg(dists, x, generator=_gen(2))) < 1e-20
    assert float(reg(lambda v: v[:, :1], x, generator=_gen(2))) > 1e-2


def test_relative_error_report_is_liegeom_quantity():
    G = axis_orthogonal(2)
    V = Rep(0, 1)
    x = torch.randn(64, 3, generator=_gen(1), dtype=torch.float64)
    model = lambda v: v * torch.tensor([1.0, 1.0, 2.0], dtype=v.dtype)
    assert relative_equivariance_error(model, G, V, V, x, generator=_gen(2)) < 1e-15
    e = relative_equivariance_error(model, orthogonal(3), V, V, x, samples=4, generator=_gen(2),
                                    reduce=False)
    assert e.shape == (4, 64) and float(e.min()) >= 0 and float(e.max()) <= 1


def test_augmentation_keeps_equivariant_pairs():
    G = orthogonal(3)
    net = GatedTensorNet(RIN, ROUT, (2, 2, 2), group=G, generator=_gen(), dtype=torch.float64)
    x = torch.randn(8, RIN.dim, generator=_gen(1), dtype=torch.float64)
    with torch.no_grad():
        gx, gy = augment(G, RIN, ROUT, x, net(x), generator=_gen(2))
        torch.testing.assert_close(net(gx), gy)


def test_residual_pathway_layer_and_priors():
    G = orthogonal(3)
    net = GatedTensorNet(RIN, ROUT, (2, 2, 2), group=G, residual=True, generator=_gen(),
                         dtype=torch.float64)
    x = torch.randn(8, RIN.dim, generator=_gen(1), dtype=torch.float64)
    g = G.sample((8,), generator=_gen(2))
    assert_equivariant(net, RIN.act, ROUT.act, x, g)  # the free path starts at zero
    pen = prior_penalty(net, equivariant_decay=0.0, free_decay=1.0).detach()
    assert float(pen) == 0.0
    with torch.no_grad():
        net.out.weight_free.add_(0.1)
    assert float(prior_penalty(net, equivariant_decay=0.0, free_decay=1.0).detach()) > 0
    with pytest.raises(EquivarianceError), torch.no_grad():
        assert_equivariant(net, RIN.act, ROUT.act, x, g)
    mlp = MLP(3, 2, 4, 1, generator=_gen())
    assert float(prior_penalty(mlp, weight_decay=1.0).detach()) == pytest.approx(
        sum(float(w.detach().square().sum()) for w in mlp.weights))


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["O(3)", "O(2)_z", "SO(3)"]), st.integers(0, 1000))
def test_regularizer_invariant_under_output_scale(name, seed):
    """R(c f) = c² R(f) for linear actions: the regularizer is a quadratic form of the model."""
    G = GROUPS[name]
    f = GatedTensorNet(RIN, ROUT, (2, 2, 2), generator=_gen(seed), dtype=torch.float64)
    x = torch.randn(16, RIN.dim, generator=_gen(seed + 1), dtype=torch.float64)
    reg = EquivarianceRegularizer(G, RIN, ROUT)
    r1 = float(reg(f, x, generator=_gen(9)).detach())
    r3 = float(reg(lambda v: 3 * f(v), x, generator=_gen(9)).detach())
    assert r3 == pytest.approx(9 * r1, rel=1e-10)


def test_bad_input():
    G = orthogonal(3)
    reg = EquivarianceRegularizer(G, RIN, ROUT)
    model = GatedTensorNet(RIN, ROUT, (2, 2, 2), generator=_gen())
    with pytest.raises(ValueError, match="does not fit the model's input"):
        reg(model, torch.zeros(4, 7))
    with pytest.raises(ValueError, match="finite inputs"):
        reg(model, torch.full((4, RIN.dim), float("nan")))
    with pytest.raises(ValueError, match="4x4 elements but the representation"):
        EquivarianceRegularizer(euclidean(3), RIN, ROUT)
    with pytest.raises(ValueError, match="RepLinear"):
        EquivarianceRegularizer(G, RIN, ROUT, method="projection")(MLP(20, 9, 4, 1))
    with pytest.raises(ValueError, match="method"):
        EquivarianceRegularizer(G, RIN, ROUT, method="exact")
    with pytest.raises(ValueError, match="samples"):
        EquivarianceRegularizer(G, RIN, ROUT, samples=0)
    with pytest.raises(TypeError, match="Rep or a callable"):
        EquivarianceRegularizer(G, 3, ROUT)
    with pytest.raises(ValueError, match="output action"):
        EquivarianceRegularizer(G, RIN, Rep(0, 1))(model, torch.zeros(2, RIN.dim))
    with pytest.raises(ValueError, match="needs a batch"):
        reg(model)
    with pytest.raises(ValueError, match="gate"):
        GatedTensorNet(RIN, ROUT, gate="relu")
    with pytest.raises(ValueError, match="residual=True needs"):
        RepLinear(RIN, ROUT, residual=True)

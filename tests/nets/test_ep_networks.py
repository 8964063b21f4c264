"""Laws of the EP vector fields: F = -dE/du for symmetric networks (so J is symmetric), the
feedback starts at the requested angle, the field is holomorphic (complex-step derivative equals
the JVP), batch axes of any rank, and readable errors for bad input."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from nets.ep import ConvEPNetwork, MLPEPNetwork, feedback_angles, jacobian


def _mlp(dtype, *, symmetric, alpha=0.0, seed=0, sizes=(6, 7, 5, 4)):
    g = torch.Generator().manual_seed(seed)
    return MLPEPNetwork(sizes, symmetric=symmetric, alpha=alpha, generator=g, dtype=dtype), g


def _conv(dtype, *, symmetric, alpha=0.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    net = ConvEPNetwork((1, 4, 4), channels=(2, 3), n_classes=3, symmetric=symmetric,
                        alpha=alpha, generator=g, dtype=dtype)
    return net, g


def _inputs(net, g, dtype, batch=(3,)):
    x = torch.randn(*batch, *net.input_shape, generator=g, dtype=dtype)
    u = 0.5 * torch.randn(*batch, net.state_size, generator=g, dtype=dtype)
    return x, u


@pytest.mark.parametrize("make", [_mlp, _conv], ids=["mlp", "conv"])
def test_symmetric_field_is_minus_energy_gradient(make, dtype, tol):
    net, g = make(dtype, symmetric=True)
    x, u = _inputs(net, g, dtype)
    u.requires_grad_(True)
    (de,) = torch.autograd.grad(net.energy(u, x).sum(), u)
    torch.testing.assert_close(net.field(u, x), -de, **tol)
    j = jacobian(net, x, u)
    torch.testing.assert_close(j, j.transpose(-1, -2), **tol)


@pytest.mark.parametrize("make", [_mlp, _conv], ids=["mlp", "conv"])
def test_asymmetric_jacobian_is_not_symmetric(make):
    net, g = make(torch.float64, symmetric=False, alpha=math.pi / 2)
    x, u = _inputs(net, g, torch.float64)
    j = jacobian(net, x, u)
    assert float((j - j.transpose(-1, -2)).abs().max().detach()) > 1e-2
    with pytest.raises(ValueError, match="symmetric"):
        net.energy(u, x)


@given(alpha=st.floats(0.0, math.pi), seed=st.integers(0, 1000))
def test_feedback_starts_at_the_requested_angle(alpha, seed):
    net, _ = _mlp(torch.float64, symmetric=False, alpha=alpha, seed=seed)
    for angle in feedback_angles(net):
        assert abs(angle - math.degrees(alpha)) < 1e-6
    for c in list(net.couplings)[1:]:
        torch.testing.assert_close(c.feedback.norm(), c.weight.norm())


@pytest.mark.parametrize("make", [_mlp, _conv], ids=["mlp", "conv"])
def test_field_is_holomorphic(make):
    # Complex step: Im F(u + i h v) / h = J v + O(h^2) with no cancellation error.
    net, g = make(torch.float64, symmetric=False, alpha=1.0)
    x, u = _inputs(net, g, torch.float64)
    y = torch.randint(0, net.n_classes, (3,), generator=g)
    v = torch.randn(u.shape, generator=g, dtype=torch.float64)
    h = 1e-20
    for beta in (0.0, 0.3):
        f = lambda w, beta=beta: net.field(w, x, beta, y)
        jv = torch.func.jvp(f, (u,), (v,))[1]
        cs = f(torch.complex(u, h * v)).imag / h
        torch.testing.assert_close(cs, jv, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(net.field(u.to(torch.complex128), x).real, net.field(u, x))


def test_loss_grad_is_gradient_of_loss(dtype, tol):
    g = torch.Generator().manual_seed(0)
    net = MLPEPNetwork((6, 7, 4), alpha=0.5, logit_scale=2.5, generator=g, dtype=dtype)
    _, u = _inputs(net, g, dtype)
    y = torch.tensor([0, 3, 1])
    u.requires_grad_(True)
    (grad,) = torch.autograd.grad(net.loss(u, y).sum(), u)
    torch.testing.assert_close(net.loss_grad(u, y), grad, **tol)
    ref = torch.nn.functional.cross_entropy(net.output(u), y, reduction="none")
    torch.testing.assert_close(net.loss(u, y), ref, **tol)


def test_batch_axes_of_any_rank():
    net, g = _mlp(torch.float64, symmetric=False, alpha=1.0)
    x, u = _inputs(net, g, torch.float64, batch=(2, 3))
    y = torch.randint(0, net.n_classes, (2, 3), generator=g)
    f = net.field(u, x, 0.2, y)
    assert f.shape == (2, 3, net.state_size)
    flat = net.field(u.reshape(6, -1), x.reshape(6, -1), 0.2, y.reshape(6))
    torch.testing.assert_close(f.reshape(6, -1), flat)


def test_conv_feedback_is_adjoint_when_symmetric():
    net, g = _conv(torch.float64, symmetric=True)
    c = net.couplings[1]
    a = torch.randn(2, *c.in_shape, generator=g, dtype=torch.float64)
    b = torch.randn(2, *c.out_shape, generator=g, dtype=torch.float64)
    torch.testing.assert_close((c.ff(a) * b).sum(), (a * c.fb(b)).sum())


def test_bad_input_messages():
    net, _ = _mlp(torch.float64, symmetric=True)
    with pytest.raises(ValueError, match=r"expected inputs of shape \[\.\.\., 6\]"):
        net.init_state(torch.zeros(3, 5, dtype=torch.float64))
    with pytest.raises(ValueError, match="expected a state of shape"):
        net.field(torch.zeros(3, 2, dtype=torch.float64), torch.zeros(3, 6, dtype=torch.float64))
    with pytest.raises(ValueError, match="labels"):
        net.field(torch.zeros(3, net.state_size, dtype=torch.float64),
                  torch.zeros(3, 6, dtype=torch.float64), 0.1, None)
    with pytest.raises(ValueError, match="alpha"):
        MLPEPNetwork((4, 3, 2), symmetric=True, alpha=0.3)
    with pytest.raises(ValueError, match="activation"):
        MLPEPNetwork((4, 3, 2), activation="relu")


@pytest.mark.parametrize(
    ("label", "error", "match"),
    [(7, ValueError, r"in \[0, 4\) for 4 classes, got 7 at batch index \(1,\)"),
     (-1, ValueError, r"got -1 at batch index \(1,\)"),
     (1.5, TypeError, r"integer class labels.*float64 \(e\.g\. 1\.5 at batch index \(1,\)\)"),
     (True, TypeError, "integer class labels.*torch.bool")],
    ids=["too-large", "negative", "fractional", "bool"],
)
def test_bad_labels_are_errors_not_zero_targets(label, error, match):
    """Issue 33: a label out of range, negative or not an integer matched no class, so the
    one-hot target was all zero and the loss, its gradient, the nudged field and every estimator
    ran on with plausible numbers; now each names the bad label and where it is."""
    from nets.ep import GeneralizedEP, RecurrentBackprop

    net, g = _mlp(torch.float64, symmetric=False)
    x, u = _inputs(net, g, torch.float64)
    dtype = torch.bool if isinstance(label, bool) else (
        torch.float64 if isinstance(label, float) else torch.long)
    y = torch.tensor([0, label, 2], dtype=dtype) if dtype != torch.bool else \
        torch.tensor([False, label, True])
    calls = {"loss": lambda: net.loss(u, y), "loss_grad": lambda: net.loss_grad(u, y),
             "field": lambda: net.field(u, x, 0.1, y),
             "rbp": lambda: RecurrentBackprop()(net, x, y),
             "gep": lambda: GeneralizedEP(0.1)(net, x, y)}
    for name, call in calls.items():
        with pytest.raises(error, match=match):
            call()
            pytest.fail(f"{name} accepted the label {label!r}")
    good = torch.tensor([0, 3, 2])
    assert torch.isfinite(net.loss(u, good)).all()  # the last class is a valid label

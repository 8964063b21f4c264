"""Laws of the mixed-symmetry regularizer, its strength schedules and the proximal step."""

from __future__ import annotations

import copy
import io

import pytest
import torch

from nets.soft import (
    ConstantStrengths,
    EmpiricalBayesRule,
    EquivarianceRegularizer,
    GatedTensorNet,
    MixedSymmetryRegularizer,
    ReferenceRule,
    Rep,
    axis_orthogonal,
    orthogonal,
    project_linear,
)

RIN, ROUT = Rep(5, 5), Rep(0, 0, 1)
TYPES = [orthogonal(3), axis_orthogonal(2), axis_orthogonal(0)]


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _regs(method="projection"):
    return [EquivarianceRegularizer(G, RIN, ROUT, method=method) for G in TYPES]


def _net(seed=0, dtype=torch.float64):
    return GatedTensorNet(RIN, ROUT, (3, 2, 2), generator=_gen(seed), dtype=dtype)


def test_total_is_weighted_sum():
    net = _net()
    x = torch.randn(16, RIN.dim, generator=_gen(1), dtype=torch.float64)
    lam = [0.5, 2.0, 0.0]
    mixed = MixedSymmetryRegularizer(_regs("sample"), lam)
    total = mixed(net, x, generator=_gen(2))
    # recompute with the same generator stream: one generator drives the three samples in turn
    g = _gen(2)
    parts = [float(r(net, x, generator=g).detach()) for r in _regs("sample")]
    assert float(total.detach()) == pytest.approx(sum(a * b for a, b in zip(lam, parts)), rel=1e-12)
    assert mixed.values.tolist() == pytest.approx(parts, rel=1e-12)


def test_reference_rule_law():
    """λ_j ← λ_j (R_min / R_j)^p once at the end of the warm-up, R_j the window minima, R_min
    over the active types; inactive types stay at 0."""
    rule = ReferenceRule(warmup=5, power=2.0, window=3)
    lam = torch.tensor([1.0, 2.0, 0.0, 1.0], dtype=torch.float64)
    seq = [[9, 9, 9, 9], [9, 9, 9, 9], [4.0, 1.0, 0.01, 2.0], [5.0, 0.5, 0.01, 3.0],
           [3.0, 2.0, 0.01, 1.0]]
    for step, v in enumerate(seq):
        assert rule.update(step, lam, torch.tensor(v), None, None) is None
    new = rule.update(5, lam, torch.tensor([100.0, 100, 100, 100]), None, None)
    minima = torch.tensor([3.0, 0.5, 0.01, 1.0])
    expected = lam * (0.5 / minima) ** 2
    expected[2] = 0.0
    torch.testing.assert_close(new, expected.to(new.dtype))
    assert rule.update(6, new, torch.tensor([1.0, 1, 1, 1]), None, None) is None  # once only


def test_empirical_bayes_closed_form_and_monotonicity():
    rule = EmpiricalBayesRule(n_observations=9000, alpha=1.0, var_floor=1e-8,
                              ema=0.0)
    counts = [(1, 5000), (1, 5000), (1, 9)]
    vals = torch.tensor([0.1, 1e-4, 0.3], dtype=torch.float64)
    lam = rule.update(0, torch.ones(3, dtype=torch.float64), vals, 0.002, counts)
    a, beta = 1.0, 1e-8 * 2
    noise = (9000 * 0.002 + 2 * beta) / (9000 + 2 * a + 2)
    for j, (c, d) in enumerate(counts):
        var = (c * float(vals[j]) + 2 * beta) / (c * d + 2 * a + 2)
        assert float(lam[j]) == pytest.approx(c * noise / (9000 * var), rel=1e-12)
    assert lam[1] > lam[0]  # the type the model keeps equivariant gets the larger strength
    # the floor bounds the strength when a type is exactly respected
    lam0 = rule.update(1, lam, torch.zeros(3, dtype=torch.float64), 0.002, counts)
    assert torch.isfinite(lam0).all() and float(lam0.max()) <= rule.max_strength


def test_empirical_bayes_noise_uses_the_best_fit():
    """A worse fit must not raise the strengths (the joint-MAP feedback); with noise="current"
    it does, in proportion to the MSE."""
    counts = [(1, 100), (1, 100)]
    vals = torch.tensor([1e-3, 1.0], dtype=torch.float64)
    best = EmpiricalBayesRule(1000, ema=0.0)
    plain = EmpiricalBayesRule(1000, ema=0.0, noise="current")
    lam = torch.ones(2, dtype=torch.float64)
    a = best.update(0, lam, vals, 0.01, counts)
    b = best.update(1, lam, vals, 1.0, counts)
    torch.testing.assert_close(a, b)
    c = plain.update(0, lam, vals, 0.01, counts)
    d = plain.update(1, lam, vals, 1.0, counts)
    torch.testing.assert_close(d / c, torch.full_like(c, 100.0), rtol=1e-3, atol=0)


def test_empirical_bayes_keeps_initial_strengths_in_warmup():
    rule = EmpiricalBayesRule(100, warmup=3)
    for s in range(3):
        assert rule.update(s, torch.ones(2), torch.ones(2), 1.0, [(1, 5), (1, 5)]) is None
    assert rule.update(3, torch.ones(2), torch.ones(2), 1.0, [(1, 5), (1, 5)]) is not None
    with pytest.raises(ValueError, match="data loss"):
        rule.update(4, torch.ones(2), torch.ones(2), None, None)


def test_proximal_step_is_the_exact_prox_without_optimizer():
    """W ← PW + (I − P)W / (1 + 4ηλ): the minimiser of ‖W' − W‖²/(2η) + λ·2‖(I − P)W'‖²."""
    net = _net()
    G = axis_orthogonal(2)
    mixed = MixedSymmetryRegularizer([EquivarianceRegularizer(G, RIN, ROUT, method="projection")],
                                     0.7, proximal=True)
    mixed(net)
    layer = net.out
    W = layer.weight.detach().clone()
    P = project_linear(G, W, layer.rep_in, layer.rep_out)
    mixed.proximal_step(net, lr=0.3)
    expected = P + (W - P) / (1 + 4 * 0.3 * 0.7)
    torch.testing.assert_close(layer.weight.detach(), expected)
    # the prox minimises its objective: compare with a gradient check of optimality
    Wn = layer.weight.detach().clone().requires_grad_()
    obj = (Wn - W).square().sum() / (2 * 0.3) + 0.7 * 2 * (
        Wn - project_linear(G, Wn, layer.rep_in, layer.rep_out)).square().sum()
    (grad,) = torch.autograd.grad(obj, Wn)
    assert float(grad.abs().max()) < 1e-10


def test_strong_proximal_steps_make_the_model_equivariant():
    net = _net()
    G = axis_orthogonal(2)
    mixed = MixedSymmetryRegularizer([EquivarianceRegularizer(G, RIN, ROUT, method="projection")],
                                     1e12, proximal=True)
    mixed(net)
    mixed.proximal_step(net, lr=1.0)
    assert float(mixed.regularizers[0](net).detach()) < 1e-20


def test_attach_runs_prox_schedule_and_record():
    net = _net(dtype=torch.float32)
    mixed = MixedSymmetryRegularizer(_regs(), 0.1, ReferenceRule(4, 2.0, 2), proximal=True)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    mixed.attach(opt, net, record_every=2)
    x = torch.randn(8, RIN.dim, generator=_gen(1))
    y = torch.randn(8, ROUT.dim, generator=_gen(2))
    for _ in range(6):
        opt.zero_grad()
        pred = net(x)
        mse = (pred - y).square().mean()
        (mse + mixed(net, x, y=pred, data_loss=mse)).backward()
        opt.step()
    assert mixed.steps == 6
    assert [h["step"] for h in mixed.history] == [2, 4, 6]
    assert mixed.schedule.done
    assert not torch.allclose(mixed.strengths, torch.full_like(mixed.strengths, 0.1))


def test_state_round_trip_with_weights_only():
    mixed = MixedSymmetryRegularizer(_regs(), [0.1, 0.2, 0.3], ReferenceRule(2, 2.0, 2))
    net = _net()
    for _ in range(3):
        mixed(net)
        mixed.step()
        mixed.record()
    buf = io.BytesIO()
    torch.save(mixed.state_dict(), buf)
    buf.seek(0)
    other = MixedSymmetryRegularizer(_regs(), 1.0, ReferenceRule(2, 2.0, 2))
    other.load_state_dict(torch.load(buf, weights_only=True))
    torch.testing.assert_close(other.strengths, mixed.strengths)
    assert other.steps == 3 and other.history == mixed.history
    assert other.schedule.state_dict() == mixed.schedule.state_dict()


def test_full_history_survives_a_best_state_restore_and_resumes():
    mixed = MixedSymmetryRegularizer(_regs(), [0.1, 0.2, 0.3])
    net = _net()
    mixed(net)
    mixed.step()
    mixed.record()
    best = copy.deepcopy(mixed.state_dict())
    for _ in range(2):
        mixed(net)
        mixed.step()
        mixed.record()
    mixed.load_state_dict(best)  # what the trainer does when fit() returns
    assert [h["step"] for h in mixed.history] == [1]
    assert [h["step"] for h in mixed.full_history] == [1, 2, 3]
    other = MixedSymmetryRegularizer(_regs(), 1.0)  # resuming in a fresh process
    other.load_state_dict(copy.deepcopy(mixed.state_dict()))
    assert other.full_history == other.history and len(other.history) == 1


def test_bad_input():
    with pytest.raises(ValueError, match="at least one candidate"):
        MixedSymmetryRegularizer([])
    with pytest.raises(ValueError, match="strength >= 0"):
        MixedSymmetryRegularizer(_regs(), [1.0, -0.5, 1.0])
    with pytest.raises(ValueError, match="strength >= 0"):
        MixedSymmetryRegularizer(_regs(), float("nan"))
    with pytest.raises(ValueError, match="expected 3 strengths"):
        MixedSymmetryRegularizer(_regs(), [1.0, 2.0])
    with pytest.raises(TypeError, match="EquivarianceRegularizer"):
        MixedSymmetryRegularizer([orthogonal(3)])
    with pytest.raises(TypeError, match="StrengthSchedule"):
        MixedSymmetryRegularizer(_regs(), 1.0, schedule="reference")
    net = _net()
    with pytest.raises(ValueError, match="finite data loss, got nan"):
        MixedSymmetryRegularizer(_regs(), 1.0)(net, data_loss=torch.tensor(float("nan")))
    with pytest.raises(RuntimeError, match="before step"):
        MixedSymmetryRegularizer(_regs()).step()
    with pytest.raises(ValueError, match="warmup"):
        ReferenceRule(0)
    with pytest.raises(ValueError, match="power"):
        ReferenceRule(10, power=-1.0)
    with pytest.raises(ValueError, match="ema"):
        EmpiricalBayesRule(10, ema=1.0)
    assert ConstantStrengths().update(0, torch.ones(1), torch.ones(1), None, None) is None

"""Laws of the synthetic soft-equivariance tasks (nets.data.synthetic)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nets.data import synthetic as syn
from nets.soft import (
    Rep,
    axis_orthogonal,
    euclidean,
    invariant_action,
    orthogonal,
    points_action,
    product,
    relative_equivariance_error,
    rotations_about_origin,
    scaling,
    special_orthogonal,
    translations,
)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_modified_inertia_matches_an_independent_numpy_computation():
    t = syn.modified_inertia((6, 2, 2), seed=3)
    x, y = t.train.x.numpy(), t.train.y.numpy()
    assert (x[:, :5] > 0).all()  # softplus masses
    for n in range(6):
        m, r = x[n, :5], x[n, 5:].reshape(5, 3)
        inertia = np.zeros((3, 3))
        for i in range(5):
            inertia += m[i] * (r[i] @ r[i] * np.eye(3) - np.outer(r[i], r[i]))
        target = inertia.copy()
        target[:, 2] += 0.3 * inertia[:, 2]  # I + ε (I e_z) e_zᵀ adds ε I e_z to column z
        assert np.allclose(y[n].reshape(3, 3), target, atol=1e-12)
    assert t.train.x.dtype == torch.float64
    assert len(t.train) == 6 and len(t.val) == 2 and len(t.test) == 2


def test_modified_inertia_true_errors_as_specified():
    """REFERENCES: O(2) about z exactly 0, O(3) ≈ .087, O(2)_xz ≈ .070; O(2)_yz is quoted as
    ≈ .063, but the x ↔ y swap maps the data distribution and the target to themselves, so the
    two errors are equal in expectation; we find both ≈ .070 (the quote is a small-sample value)."""
    t = syn.modified_inertia((1, 1, 4000))
    f = lambda x: syn.inertia_target(x)
    rin, rout = Rep(5, 5), Rep(0, 0, 1)

    def err(G, seed):
        e = relative_equivariance_error(f, G, rin, rout, t.test.x, samples=4,
                                        generator=_gen(seed), reduce=False)
        return float(e.mean()), float(e.std()) / math.sqrt(e.numel())

    z, _ = err(axis_orthogonal(2), 1)
    assert z < 1e-14
    o3, se3 = err(orthogonal(3), 2)
    ox, sex = err(axis_orthogonal(0), 3)
    oy, sey = err(axis_orthogonal(1), 4)
    assert abs(o3 - 0.087) < 0.002 + 4 * se3
    assert abs(ox - 0.070) < 0.002 + 4 * sex
    assert abs(ox - oy) < 4 * math.hypot(sex, sey)
    assert o3 > ox > z


def test_inertia_with_eps_zero_is_o3_equivariant():
    t = syn.modified_inertia((1, 1, 200), eps=0.0)
    f = lambda x: syn.inertia_target(x, eps=0.0)
    e = relative_equivariance_error(f, orthogonal(3), Rep(5, 5), Rep(0, 0, 1), t.test.x,
                                    generator=_gen(1))
    assert e < 1e-14


def test_cosine_and_se3_symmetries():
    c = syn.cosine_similarity((1, 1, 500))
    f = lambda x: syn.cosine_target(x)
    so3 = relative_equivariance_error(f, special_orthogonal(3), Rep(0, 2), invariant_action,
                                      c.test.x, generator=_gen(1))
    sc = relative_equivariance_error(f, scaling(3), Rep(0, 2), invariant_action, c.test.x,
                                     generator=_gen(2))
    assert so3 < 1e-13 < 0.02 < sc
    f0 = lambda x: syn.cosine_target(x, eps=0.0)
    both = product(special_orthogonal(3), scaling(3))
    assert relative_equivariance_error(f0, both, Rep(0, 2), invariant_action, c.test.x,
                                       generator=_gen(3)) < 1e-13
    s = syn.se3_distance((1, 1, 500))
    g = lambda x: syn.se3_target(x)
    act = points_action(3)
    assert relative_equivariance_error(g, rotations_about_origin(3), act, invariant_action,
                                       s.test.x, generator=_gen(4)) < 1e-13
    assert relative_equivariance_error(g, translations(3), act, invariant_action, s.test.x,
                                       generator=_gen(5)) > 0.05
    g0 = lambda x: syn.se3_target(x, eps=0.0)
    assert relative_equivariance_error(g0, euclidean(3), act, invariant_action, s.test.x,
                                       generator=_gen(6)) < 1e-13
    # the ring of squared distances, checked by hand on one configuration
    x = torch.tensor([[0.0, 0, 0, 1, 0, 0, 0, 2, 0]], dtype=torch.float64)
    assert float(syn.se3_target(x, eps=0.5)) == pytest.approx((1 + 5 + 4) - 0.5 * (0 + 1 + 4))


def test_motion_dynamics_laws():
    t = syn.motion((20, 5, 50), field=0.2)
    p = t.params
    states = p["states"]
    # the last observed position is the state's position
    assert torch.allclose(t.train.x[:, -3:], states[:20, :3])
    # time reversibility: integrating the first observed frame forward lands on the state
    dyn = dict(frame_dt=p["frame_dt"], field=p["field"], c=p["c"])
    back = syn.motion_trajectory(states[:5], p["past"] - 1, backward=True, **dyn)
    assert torch.allclose(back.flip(-2).reshape(5, -1), t.train.x[:5, :-3])
    # energy conservation without the field: E = |v|²/2 + |x|²/2 + c|x|⁴/4
    s0 = states[:8]
    e0 = lambda s: (s[:, 3:].square().sum(-1) / 2 + s[:, :3].square().sum(-1) / 2
                    + p["c"] * s[:, :3].square().sum(-1) ** 2 / 4)
    xs, vs = s0[:, :3], s0[:, 3:]
    for _ in range(40):
        xs, vs = syn._rk4(xs, vs, 0.05, 0.0, p["c"])
    assert torch.allclose(e0(torch.cat([xs, vs], -1)), e0(s0), rtol=1e-5)


def test_motion_symmetries():
    t = syn.motion((1, 1, 200))
    p = t.params
    states = p["states"][-200:]
    dyn = dict(frame_dt=p["frame_dt"], c=p["c"])
    f = lambda s: syn.motion_future(s, field=p["field"], **dyn)
    rin, rout = Rep(0, 2), Rep(0, 6)
    assert relative_equivariance_error(f, axis_orthogonal(2), rin, rout, states,
                                       generator=_gen(1)) < 1e-13
    assert relative_equivariance_error(f, orthogonal(3), rin, rout, states,
                                       generator=_gen(2)) > 0.02
    f0 = lambda s: syn.motion_future(s, field=0.0, **dyn)
    assert relative_equivariance_error(f0, orthogonal(3), rin, rout, states,
                                       generator=_gen(3)) < 1e-13


def test_average_displacement_error():
    a = torch.zeros(2, 6)
    b = torch.tensor([[3.0, 4, 0, 0, 0, 0], [0, 0, 0, 0, 0, 2]])
    assert float(syn.average_displacement_error(a, b)) == pytest.approx((5 + 0 + 0 + 2) / 4)


def test_seeded_and_split():
    a, b = syn.cosine_similarity((3, 3, 3), seed=7), syn.cosine_similarity((3, 3, 3), seed=7)
    assert torch.equal(a.test.x, b.test.x)
    assert not torch.equal(a.train.x, a.val.x)


def test_bad_input():
    with pytest.raises(ValueError, match="three positive split sizes"):
        syn.modified_inertia((10, 10))
    with pytest.raises(ValueError, match="finite eps"):
        syn.modified_inertia(eps=float("nan"))
    with pytest.raises(ValueError, match="axis"):
        syn.modified_inertia(axis=3)
    with pytest.raises(ValueError, match="finite inputs"):
        syn.Split(torch.tensor([[float("nan")]]), torch.zeros(1, 1))
    with pytest.raises(ValueError, match="as many targets"):
        syn.Split(torch.zeros(2, 1), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="shape \\[..., 20\\]"):
        syn.inertia_target(torch.zeros(2, 19))
    with pytest.raises(TypeError, match="seed"):
        syn.se3_distance(seed="zero")
    with pytest.raises(ValueError, match="velocity_std"):
        syn.motion(velocity_std=0.0)
    with pytest.raises(ValueError, match="trajectories of one shape"):
        syn.average_displacement_error(torch.zeros(2, 6), torch.zeros(2, 3))

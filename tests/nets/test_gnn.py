"""Laws of the n-body networks: EGNN and FA-GNN are E(3)-equivariant, every model is
permutation-equivariant, the plain GNN is not rotation-equivariant
(training and the command: test_nbody_training.py)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liegeom.testing import assert_equivariant, equivariance_error
from nets.gnn import (
    EGNN,
    GNN,
    ConstantVelocity,
    LayerwiseFAGNN,
    NBodyGNN,
    edge_messages,
    fa_gnn,
    pair_features,
)

FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=5)
TOL = {torch.float64: 1e-10, torch.float32: 1e-4}


def _inputs(seed, dtype, batch=4, n=5):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, n, 3, generator=gen, dtype=torch.float64).to(dtype)
    v = torch.randn(batch, n, 3, generator=gen, dtype=torch.float64).to(dtype)
    q = (torch.randint(0, 2, (batch, n), generator=gen) * 2 - 1).to(dtype)
    g, r = torch.linalg.qr(torch.randn(batch, 3, 3, generator=gen, dtype=torch.float64))
    g = (g * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)).to(dtype)
    t = torch.randn(batch, 1, 3, generator=gen, dtype=torch.float64).to(dtype)
    perm = torch.stack([torch.randperm(n, generator=gen) for _ in range(batch)])
    return x, v, q, (g, t, perm)


def _act_inputs(g, inputs):
    q_, t, perm = g
    x, v, q = inputs
    p3 = perm.unsqueeze(-1).expand_as(x)
    return (torch.gather(x, 1, p3) @ q_.transpose(-1, -2) + t,
            torch.gather(v, 1, p3) @ q_.transpose(-1, -2), torch.gather(q, 1, perm))


def _act_points(g, y):
    q_, t, perm = g
    return torch.gather(y, 1, perm.unsqueeze(-1).expand_as(y)) @ q_.transpose(-1, -2) + t


def _model(name, dtype):
    torch.manual_seed(0)
    model = {"egnn": lambda: EGNN(16, 2), "fa-gnn": lambda: fa_gnn(15, 3),
             "fa-gnn-centroid": lambda: fa_gnn(15, 3, origin="centroid"),
             "fa-gnn-input": lambda: fa_gnn(16, 2, layerwise=False)}[name]()
    return model.to(dtype)


@FIXTURE_OK
@given(name=st.sampled_from(["egnn", "fa-gnn", "fa-gnn-centroid", "fa-gnn-input"]),
       seed=st.integers(0, 2**16))
def test_equivariant_under_e3_and_permutations(dtype, name, seed):
    """f(P(Qx + t), P Q v, P q) = P (Q f(x, v, q) + t), reflections included."""
    x, v, q, g = _inputs(seed, dtype)
    model = _model(name, dtype)
    f = lambda inp: model(inp[0], inp[1], charges=inp[2])
    with torch.no_grad():
        assert_equivariant(f, _act_inputs, _act_points, (x, v, q), g, tol=TOL[dtype])


def test_plain_gnn_is_permutation_but_not_rotation_equivariant():
    x, v, q, (g, t, perm) = _inputs(1, torch.float64)
    torch.manual_seed(0)
    model = NBodyGNN(16, 2).double()
    f = lambda inp: model(inp[0], inp[1], charges=inp[2])
    ident = torch.eye(3, dtype=torch.float64).expand_as(g)
    with torch.no_grad():
        assert_equivariant(f, _act_inputs, _act_points, (x, v, q), (ident, 0 * t, perm),
                           tol=1e-10)
        err = equivariance_error(f, _act_inputs, _act_points, (x, v, q), (g, t, perm))
    assert float(err.min()) > 1e-3


def test_shapes_and_batch_dims():
    h = torch.randn(2, 3, 5, 4)
    edge = torch.randn(2, 3, 5, 5, 1)
    assert GNN(4, 1, 8, 2, 1)(h, edge).shape == (2, 3, 5, 2)
    x, v, q, _ = _inputs(0, torch.float32, batch=2)
    for model in (EGNN(8, 1), NBodyGNN(8, 1), fa_gnn(9, 1), fa_gnn(9, 2),
                  fa_gnn(8, 1, layerwise=False)):
        assert model(x, v, charges=q).shape == (2, 5, 3)
    assert fa_gnn(8, 1, layerwise=False)(x[None], v[None], charges=q[None]).shape == (1, 2, 5, 3)


def test_layerwise_fa_gnn_rejects_bad_shapes():
    with pytest.raises(ValueError, match="divisible by dim=3"):
        fa_gnn(16, 2)
    x, v, q, _ = _inputs(0, torch.float32, batch=2)
    with pytest.raises(ValueError, match=r"\[B, n, 3\]"):
        fa_gnn(9, 2)(x[None], v[None], charges=q[None])


@given(seed=st.integers(0, 2**16))
@settings(max_examples=5)
def test_layerwise_fa_gnn_hidden_states_are_equivariant(seed):
    """Every averaged hidden state transforms as vectors under O(3), reflections included, and
    does not move under translations: the constraint holds layer by layer."""
    x, v, q, (g, t, perm) = _inputs(seed, torch.float64)
    torch.manual_seed(0)
    model = LayerwiseFAGNN(15, 4).double()
    with torch.no_grad():
        hs = model.hidden_states(x, v, q)
        moved = model.hidden_states(x @ g.transpose(-1, -2) + t, v @ g.transpose(-1, -2), q)
    assert len(hs) == 3 and hs[0].shape == (4, 5, 5, 3)
    for h, hm in zip(hs, moved):
        assert float((hm - h @ g.unsqueeze(1).transpose(-1, -2)).abs().max()) < 1e-10
        assert float(h.abs().max()) > 1e-3  # not trivially zero


def test_layerwise_fa_gnn_gradients_match_finite_differences():
    """Gradients flow through every frame (eigenvectors of the hidden clouds included)."""
    x, v, q, _ = _inputs(3, torch.float64, batch=2)
    torch.manual_seed(0)
    model = LayerwiseFAGNN(6, 3).double()
    x = x.requires_grad_()
    f = lambda x_: model(x_, v, charges=q)
    assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-6)
    params = [p for p in model.parameters() if p.requires_grad]
    loss = (f(x) ** 2).sum()
    grads = torch.autograd.grad(loss, params)
    assert all(bool(torch.isfinite(gr).all()) for gr in grads)


def test_detached_frames_change_gradients_not_values():
    """detach_frames keeps the forward values (and equivariance) and drops only the frame
    rotations' share of the gradient."""
    x, v, q, (g, t, _) = _inputs(4, torch.float64, batch=3)
    torch.manual_seed(0)
    full = LayerwiseFAGNN(9, 3).double()
    det = LayerwiseFAGNN(9, 3, detach_frames=True).double()
    det.load_state_dict(full.state_dict())
    assert torch.equal(full(x, v, q), det(x, v, q))
    with torch.no_grad():
        moved = det(x @ g.transpose(-1, -2) + t, v @ g.transpose(-1, -2), q)
        assert float((moved - (det(x, v, q) @ g.transpose(-1, -2) + t)).abs().max()) < 1e-10
    grads = [torch.autograd.grad(m(x, v, q).pow(2).sum(), m.gnn.embed.weight)[0]
             for m in (full, det)]
    assert float((grads[0] - grads[1]).abs().max()) > 1e-8


def test_origin_moves_the_prediction_by_the_offset_from_the_centroid():
    """With the same weights, origin="positions" predicts x + D and origin="centroid" predicts
    mean(x) + D: the two differ by exactly x - mean(x), for any input."""
    x, v, q, _ = _inputs(5, torch.float64)
    torch.manual_seed(0)
    residual = LayerwiseFAGNN(9, 3).double()
    centroid = LayerwiseFAGNN(9, 3, origin="centroid").double()
    centroid.load_state_dict(residual.state_dict())
    with torch.no_grad():
        gap = residual(x, v, q) - centroid(x, v, q)
    torch.testing.assert_close(gap, x - x.mean(-2, keepdim=True), rtol=0, atol=1e-12)
    assert float((x - x.mean(-2, keepdim=True)).abs().max()) > 0.1
    with pytest.raises(ValueError, match="expected origin in"):
        LayerwiseFAGNN(9, 3, origin="mean")
    with pytest.raises(ValueError, match="layerwise FA-GNN only"):
        fa_gnn(8, 2, layerwise=False, origin="centroid")


def test_edge_messages_match_the_concatenated_mlp():
    """The split first layer gives the numbers of mlp([h_i, h_j, a_ij])."""
    torch.manual_seed(0)
    gnn = GNN(4, 2, 8, 3, 1).double()
    h = torch.randn(3, 5, 8, dtype=torch.float64)
    a = torch.randn(3, 5, 5, 2, dtype=torch.float64)
    mask = (~torch.eye(5, dtype=torch.bool)).unsqueeze(-1).double()
    ref = gnn.edge[0](torch.cat([pair_features(h), a], -1)) * mask
    assert torch.allclose(edge_messages(gnn.edge[0], h, a, mask), ref, atol=1e-13)


def test_linear_baseline_is_equivariant_and_fits_constant_velocity_data(generator):
    """x + lam v commutes with E(3) and permutations; on exact constant-velocity motion,
    training it recovers the elapsed time."""
    x, v, q, g = _inputs(0, torch.float64)
    model = ConstantVelocity(0.3).double()
    f = lambda inp: model(inp[0], inp[1], charges=inp[2])
    with torch.no_grad():
        assert_equivariant(f, _act_inputs, _act_points, (x, v, q), g, tol=1e-12)
    y = x + 0.75 * v
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        loss = ((model(x, v, charges=q) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert abs(float(model.lam.detach()) - 0.75) < 1e-3


@pytest.mark.parametrize("detach", [False, True])
def test_layerwise_fa_gnn_exact_on_tied_spectra_mixed_into_a_batch(detach):
    """A regular tetrahedron plus its centre (isotropic covariance) next to generic samples:
    the robust frames have other sizes per sample and in every layer, and the network stays
    E(3)- and permutation-equivariant to rounding (reflection included)."""
    x, v, q, (g, t, perm) = _inputs(5, torch.float64, batch=3)
    tet = torch.tensor([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1], [0, 0, 0.0]],
                       dtype=torch.float64)
    x, v, q = x.clone(), v.clone(), q.clone()
    x[1], v[1], q[1] = tet, 0.3 * tet, 1.0
    g = g.clone()
    g[0] = g[0] * torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64)  # a reflection
    torch.manual_seed(0)
    model = fa_gnn(15, 3, detach_frames=detach, on_degenerate="ignore").double()
    f = lambda inp: model(inp[0], inp[1], charges=inp[2])
    with torch.no_grad():
        assert_equivariant(f, _act_inputs, _act_points, (x, v, q), (g, t, perm), tol=1e-10)
    assert bool(torch.linalg.det(g[0]) < 0)
    sizes = model.frame.frame(x).sizes.tolist()
    assert sizes[1] > 8 and sizes[0] == sizes[2] == 8  # the tied sample took the robust path

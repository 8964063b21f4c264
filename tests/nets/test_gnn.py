"""Laws of the n-body networks: EGNN and FA-GNN are E(3)-equivariant, every model is
permutation-equivariant, the plain GNN is not rotation-equivariant; the training command runs."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liegeom.testing import assert_equivariant, equivariance_error
from nets.gnn import EGNN, GNN, ConstantVelocity, NBodyGNN, fa_gnn

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
    model = {"egnn": lambda: EGNN(16, 2), "fa-gnn": lambda: fa_gnn(16, 2)}[name]()
    return model.to(dtype)


@FIXTURE_OK
@given(name=st.sampled_from(["egnn", "fa-gnn"]), seed=st.integers(0, 2**16))
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
    for model in (EGNN(8, 1), NBodyGNN(8, 1), fa_gnn(8, 1)):
        assert model(x, v, charges=q).shape == (2, 5, 3)
    assert fa_gnn(8, 1)(x[None], v[None], charges=q[None]).shape == (1, 2, 5, 3)


def test_train_command_writes_metrics_and_table(tmp_path):
    """`nets train nbody` trains, writes JSON metrics and the comparison table."""
    from nets.__main__ import main

    status = main(["train", "nbody", "--model", "egnn", "--epochs", "2", "--n-train", "8",
                   "--n-val", "4", "--n-test", "4", "--eval-every", "1", "--out", str(tmp_path),
                   "--cache-dir", str(tmp_path / "cache")])
    assert status == 0
    folder = tmp_path / "nets" / "nbody"
    metrics = json.loads((folder / "egnn.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["test_mse"] > 0
    assert metrics["n_train"] == 8 and "force_clips_total" in metrics["generator"]
    table = (folder / "results.md").read_text()
    assert (folder / "learning_curves.png").stat().st_size > 0
    assert "| EGNN | 0.0071 |" in table and "| FA-GNN | 0.0057 | — |" in table


def test_build_model_rejects_unknown_names():
    from nets._cmd_frames import build_model

    with pytest.raises(ValueError, match="fa-gnn"):
        build_model("transformer")


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
    assert abs(float(model.lam) - 0.75) < 1e-3

"""Laws of the n-body networks: EGNN and FA-GNN are E(3)-equivariant, every model is
permutation-equivariant, the plain GNN is not rotation-equivariant; the training command runs."""

from __future__ import annotations

import json

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


def test_train_command_writes_metrics_and_table(tmp_path):
    """`nets train nbody` trains, writes JSON metrics and the comparison table."""
    from nets.__main__ import main

    status = main(["train", "nbody", "--model", "egnn", "--epochs", "2", "--n-train", "8",
                   "--n-val", "4", "--n-test", "4", "--eval-every", "1", "--out", str(tmp_path),
                   "--cache-dir", str(tmp_path / "cache"), "--schedule", "cosine"])
    assert status == 0
    folder = tmp_path / "nets" / "nbody"
    metrics = json.loads((folder / "egnn.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["test_mse"] > 0
    assert metrics["schedule"] == "cosine" and metrics["hidden"] == 64
    EGNN(64, 4).load_state_dict(torch.load(folder / "egnn.pt"))  # the best weights are saved
    assert metrics["n_train"] == 8 and "force_clips_total" in metrics["generator"]
    table = (folder / "results.md").read_text()
    assert (folder / "learning_curves.png").stat().st_size > 0
    assert "| EGNN | 0.0071 |" in table and "| FA-GNN | 0.0057 | — |" in table


def test_exported_splits_train_exactly_like_the_generated_data(tmp_path):
    """`--export-splits` writes the task alone; `--splits` trains on it with the same result as
    on the generated data; a file of another kind is refused."""
    from nets.__main__ import main
    from nets.data.nbody import load_splits

    common = ["--model", "gnn", "--epochs", "2", "--hidden", "8", "--layers", "2",
              "--eval-every", "1", "--cache-dir", str(tmp_path / "cache")]
    sizes = ["--n-train", "8", "--n-val", "4", "--n-test", "4", "--data-seed", "5"]
    splits = tmp_path / "splits.pt"
    assert main(["train", "nbody", *common, *sizes, "--export-splits", str(splits), "--out",
                 str(tmp_path / "e")]) == 0
    assert not (tmp_path / "e" / "nets" / "nbody" / "gnn.json").exists()  # exported, no training
    data = load_splits(splits)
    assert (len(data.train), len(data.val), len(data.test)) == (8, 4, 4)
    assert data.params.seed == 5 and data.stats["force_clips_total"] >= 0
    assert main(["train", "nbody", *common, *sizes, "--out", str(tmp_path / "a")]) == 0
    assert main(["train", "nbody", *common, "--splits", str(splits), "--out",
                 str(tmp_path / "b")]) == 0
    a, b = (json.loads((tmp_path / d / "nets" / "nbody" / "gnn.json").read_text())
            for d in "ab")
    assert a["test_mse"] == b["test_mse"] and a["history"][-1]["val_mse"] == b["history"][-1][
        "val_mse"]
    torch.save({"x": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="splits file"):
        load_splits(tmp_path / "other.pt")


def test_data_option_replays_the_egnn_draws(tmp_path):
    """`--data egnn-small` takes the replayed EGNN initial conditions (numpy seed 43 unless
    --data-seed says otherwise), and the per-simulation errors average to the test MSE."""
    from nets.__main__ import main
    from nets._cmd_frames import build_model, evaluate, sample_errors
    from nets.data.nbody import egnn_reference_params, initial_conditions, load_splits

    splits = tmp_path / "ref.pt"
    assert main(["train", "nbody", "--model", "linear", "--data", "egnn-small", "--n-train", "6",
                 "--n-val", "3", "--n-test", "2", "--cache-dir", str(tmp_path / "c"),
                 "--export-splits", str(splits), "--out", str(tmp_path)]) == 0
    data = load_splits(splits)
    assert (data.params.rng, data.params.seed) == ("egnn", 43)
    from nets._cmd_frames import results_table, train_nbody

    metrics = train_nbody("linear", data, epochs=1, progress=False)
    (tmp_path / "linear.json").write_text(json.dumps(metrics))
    assert "data: EGNN script's draws replayed (seed 43)" in results_table(tmp_path)
    q = initial_conditions(egnn_reference_params(n_train=6, n_val=3, n_test=2))[0]
    torch.testing.assert_close(data.test.charges, q[9:], rtol=0, atol=0)
    model = build_model("linear")
    errors = sample_errors(model, data.train, batch_size=4)
    assert errors.shape == (6,) and errors.dtype == torch.float64
    assert float(errors.mean()) == pytest.approx(evaluate(model, data.train), rel=1e-12)


def test_resumed_training_continues_exactly_where_it_stopped(tmp_path):
    """A run stopped by its time limit and resumed from its checkpoint gives the history, best
    epoch and test MSE of the uninterrupted run; warm starts and bad resumes behave."""
    from nets._cmd_frames import results_table, train_nbody
    from nets.data.nbody import NBodyParams, load_nbody

    data = load_nbody(NBodyParams(n_train=12, n_val=6, n_test=6, seed=3), use_cache=False)
    kw = dict(epochs=4, batch_size=5, eval_every=1, hidden=8, layers=2, progress=False,
              schedule="cosine")
    full = train_nbody("gnn", data, **kw)
    ck = tmp_path / "gnn.ckpt"
    cut = train_nbody("gnn", data, time_limit_s=0.0, checkpoint=ck, **kw)
    assert cut["epochs_run"] == 1
    resumed = train_nbody("gnn", data, resume=ck, **kw)
    assert resumed["epochs_run"] == 4 and resumed["resumed_from_epoch"] == 1
    assert [h["val_mse"] for h in resumed["history"]] == [h["val_mse"] for h in full["history"]]
    assert resumed["best_epoch"] == full["best_epoch"]
    assert resumed["test_mse"] == full["test_mse"]
    with pytest.raises(ValueError, match="hidden=8 vs 16"):
        train_nbody("gnn", data, resume=ck, **{**kw, "hidden": 16})
    other = load_nbody(NBodyParams(n_train=12, n_val=6, n_test=6, seed=4), use_cache=False)
    with pytest.raises(ValueError, match="data="):  # the checkpoint records its data set
        train_nbody("gnn", other, resume=ck, **kw)
    assert resumed["data"] == data.params.asdict()
    torch.save(torch.load(ck)["model"], tmp_path / "w.pt")
    with pytest.raises(ValueError, match="init_from"):
        train_nbody("gnn", data, resume=tmp_path / "w.pt", **kw)
    warm = train_nbody("gnn", data, init_from=tmp_path / "w.pt", **{**kw, "epochs": 1})
    assert warm["init_from"] == str(tmp_path / "w.pt") and warm["epochs_run"] == 1
    (tmp_path / "gnn.json").write_text(json.dumps(warm))
    assert "warm start from w.pt" in results_table(tmp_path)
    # the two FA-GNN outputs are rows of their own, side by side
    (tmp_path / "fa-gnn.json").write_text(json.dumps({**warm, "model": "FA-GNN"}))
    (tmp_path / "fa-gnn-centroid.json").write_text(json.dumps(
        {**warm, "model": "FA-GNN", "detach_frames": True, "origin": "centroid"}))
    table = results_table(tmp_path)
    assert "| FA-GNN | 0.0057 |" in table
    assert "| FA-GNN, output about the centroid | — |" in table
    assert table.count("hidden frames detached") == 1
    for f in ("fa-gnn.json", "fa-gnn-centroid.json"):
        (tmp_path / f).unlink()
    # a resumed warm start keeps its init_from; segments say which call ran which epochs
    ck2 = tmp_path / "warm.ckpt"
    train_nbody("gnn", data, init_from=tmp_path / "w.pt", time_limit_s=0.0, checkpoint=ck2, **kw)
    later = train_nbody("gnn", data, resume=ck2, **kw)
    assert later["init_from"] == str(tmp_path / "w.pt")
    assert [(s["first_epoch"], s["last_epoch"]) for s in later["segments"]] == [(1, 1), (2, 4)]
    assert later["segments"][0]["device"] == later["segments"][1]["device"] == "CPU (1 thread)"
    # a checkpoint written before the record existed: a warning, and the table says so
    old = torch.load(ck2)
    del old["segments"], old["init_from"], old["config"]["origin"]  # origin came later too
    torch.save(old, tmp_path / "old.ckpt")
    with pytest.warns(UserWarning, match="not recorded"):
        legacy = train_nbody("gnn", data, resume=tmp_path / "old.ckpt", **kw)
    assert legacy["segments"][0]["device"] == "not recorded" and legacy["init_from"] is None
    # a run that moved between devices lists them in the table
    later["segments"][1]["device"] = "Some GPU"
    (tmp_path / "gnn.json").write_text(json.dumps(later))
    assert "on CPU (1 thread) (epochs 1–1) + 0.0 min on Some GPU (epochs 2–4)" in results_table(
        tmp_path)


def test_origin_reaches_the_trained_model_and_its_record(tmp_path):
    """``nets train nbody --origin centroid`` trains the centroid model: its files are named
    apart from the residual run's, its metrics and checkpoint say so, and resuming it as the
    residual model is refused."""
    from nets.__main__ import main
    from nets._cmd_frames import train_nbody
    from nets.data.nbody import NBodyParams, load_nbody, save_splits

    data = load_nbody(NBodyParams(n_train=10, n_val=5, n_test=5, seed=3), use_cache=False)
    splits = tmp_path / "splits.pt"
    save_splits(data, splits)
    args = ["train", "nbody", "--model", "fa-gnn", "--hidden", "3", "--layers", "1", "--epochs",
            "1", "--batch-size", "5", "--splits", str(splits), "--threads", "1"]
    assert main(args + ["--origin", "centroid", "--out", str(tmp_path / "c")]) == 0
    folder = tmp_path / "c" / "nets" / "nbody"
    metrics = json.loads((folder / "fa-gnn-centroid.json").read_text())
    assert metrics["origin"] == "centroid" and metrics["seed"] == 0
    ck = torch.load(folder / "fa-gnn-centroid.ckpt", weights_only=False)
    assert ck["config"]["origin"] == "centroid"
    model = LayerwiseFAGNN(3, 1, origin="centroid")
    model.load_state_dict(torch.load(folder / "fa-gnn-centroid.pt"))
    torch.testing.assert_close(
        model(data.test.positions.float(), data.test.velocities.float(),
              data.test.charges.float()).double().sub(data.test.target).pow(2).mean(),
        torch.tensor(metrics["test_mse"], dtype=torch.float64), rtol=1e-5, atol=0)
    assert not (folder / "fa-gnn.json").exists()
    with pytest.raises(ValueError, match="origin='centroid' vs 'positions'"):
        train_nbody("fa-gnn", data, epochs=2, batch_size=5, hidden=3, layers=1, progress=False,
                    resume=folder / "fa-gnn-centroid.ckpt")


def test_build_model_rejects_unknown_names():
    from nets._cmd_frames import build_model, train_nbody

    with pytest.raises(ValueError, match="fa-gnn"):
        build_model("transformer")
    with pytest.raises(ValueError, match="schedule"):
        train_nbody("linear", None, epochs=1, schedule="step")
    with pytest.raises(ValueError, match="fa-gnn model only"):
        build_model("egnn", origin="centroid")


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


def test_results_table_lists_unpublished_models_too(tmp_path):
    from nets._cmd_frames import results_table

    run = {"epochs_run": 3, "train_time_s": 6.0, "device": "CPU", "torch_threads": 1,
           "n_train": 8}
    (tmp_path / "a.json").write_text(json.dumps({"model": "FA-GNN", "test_mse": 0.5, **run}))
    (tmp_path / "b.json").write_text(json.dumps(
        {"model": "FA-GNN (input frame only)", "test_mse": 0.25, **run}))
    table = results_table(tmp_path)
    assert "| FA-GNN | 0.0057 | 0.5000 |" in table
    assert "| FA-GNN (input frame only) | — | 0.2500 |" in table


def test_learning_curves_name_the_centroid_run_apart(tmp_path, monkeypatch):
    """A centroid and a residual run in one folder are two lines with two labels, not one
    label twice; metrics written before the origin key read as the residual model."""
    import matplotlib.axes

    from nets._cmd_frames import learning_curves, run_name

    hist = [{"epoch": 1, "val_mse": 0.5, "train_mse": 0.6}, {"epoch": 2, "val_mse": 0.4,
                                                               "train_mse": 0.5}]
    runs = [{"model": "FA-GNN", "history": hist},
            {"model": "FA-GNN", "origin": "positions", "history": hist},
            {"model": "FA-GNN", "origin": "centroid", "history": hist}]
    assert [run_name(m) for m in runs] == ["FA-GNN", "FA-GNN", "FA-GNN, output about the centroid"]
    labels = []
    plot = matplotlib.axes.Axes.plot

    def recording_plot(self, *args, **kwargs):
        labels.append(kwargs.get("label"))
        return plot(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", recording_plot)
    learning_curves(runs[1:], tmp_path / "curves.png")
    assert labels == ["FA-GNN (CPU): validation", "FA-GNN (CPU): training",
                      "FA-GNN, output about the centroid (CPU): validation",
                      "FA-GNN, output about the centroid (CPU): training"]
    assert (tmp_path / "curves.png").stat().st_size > 0


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


def test_evaluation_of_a_degenerate_frame_does_not_depend_on_the_global_generator():
    """Collinear points have no finite frame: the FA-GNN samples Haar rotations for them, so its
    output depends on the random stream. The evaluation draws them from its own seed: the same
    weights score the same under any global state, and the global state is left as it was."""
    from nets._cmd_frames import build_model, evaluate, sample_errors
    from nets.data.nbody import NBodySplit
    from nets.frames import FrameDegeneracyWarning

    gen = torch.Generator().manual_seed(5)
    line = torch.randn(3, 5, 1, dtype=torch.float64, generator=gen) * torch.tensor([1.0, 0.3, -0.2])
    split = NBodySplit(torch.cat([line, torch.randn(1, 5, 3, dtype=torch.float64,
                                                    generator=gen)]),
                       torch.cat([0.5 * line, torch.zeros(1, 5, 3, dtype=torch.float64)]),
                       torch.tensor([[1.0, -1, 1, -1, 1]] * 4, dtype=torch.float64),
                       torch.randn(4, 5, 3, dtype=torch.float64, generator=gen))
    torch.manual_seed(0)
    model = build_model("fa-gnn", 12, 2)
    x, v, q = (t[:1].float() for t in (split.positions, split.velocities, split.charges))
    outs = []
    for s in (1, 2):  # sampled, hence seed-dependent
        torch.manual_seed(s)
        with pytest.warns(FrameDegeneracyWarning), torch.no_grad():
            outs.append(model(x, v, charges=q))
    assert not torch.allclose(outs[0], outs[1])
    scores = []
    for s in (1, 2):
        torch.manual_seed(s)
        state = torch.get_rng_state()
        with pytest.warns(FrameDegeneracyWarning):
            scores.append(sample_errors(model, split, batch_size=2))
        assert torch.equal(torch.get_rng_state(), state)
    torch.testing.assert_close(scores[0], scores[1], rtol=0, atol=0)
    with pytest.warns(FrameDegeneracyWarning):
        other = sample_errors(model, split, batch_size=2, seed=1)
    assert not torch.equal(other[:3], scores[0][:3]) and torch.equal(other[3], scores[0][3])
    with pytest.warns(FrameDegeneracyWarning):
        assert evaluate(model, split, batch_size=2) == pytest.approx(float(scores[0].mean()),
                                                                     rel=1e-15)

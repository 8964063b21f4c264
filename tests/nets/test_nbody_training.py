"""The n-body experiment on the training harness (``nets.experiments.nbody``): the command
writes this run's metrics, table and curves; exported splits train like generated data; runs
resume exactly, warm starts stay on the record; the committed checkpoints of the format written
before the harness load and resume; evaluation does not depend on the global generator."""

from __future__ import annotations

import json

import pytest
import torch

from nets.gnn import EGNN, LayerwiseFAGNN


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
    # the best weights are saved
    EGNN(64, 4).load_state_dict(torch.load(folder / "egnn.pt", weights_only=True))
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
    from nets.data.nbody import egnn_reference_params, initial_conditions, load_splits
    from nets.experiments.nbody import build_model, evaluate, sample_errors

    splits = tmp_path / "ref.pt"
    assert main(["train", "nbody", "--model", "linear", "--data", "egnn-small", "--n-train", "6",
                 "--n-val", "3", "--n-test", "2", "--cache-dir", str(tmp_path / "c"),
                 "--export-splits", str(splits), "--out", str(tmp_path)]) == 0
    data = load_splits(splits)
    assert (data.params.rng, data.params.seed) == ("egnn", 43)
    from nets.experiments.nbody import results_table, train_nbody

    metrics = train_nbody("linear", data, epochs=1, progress=False)
    (tmp_path / "linear.json").write_text(json.dumps(metrics))
    assert "data: EGNN script's draws replayed (seed 43)" in results_table(tmp_path)
    q = initial_conditions(egnn_reference_params(n_train=6, n_val=3, n_test=2))[0]
    torch.testing.assert_close(data.test.charges, q[9:], rtol=0, atol=0)
    model = build_model("linear")
    errors = sample_errors(model, data.train, batch_size=4)
    assert errors.shape == (6,) and errors.dtype == torch.float64
    assert float(errors.mean()) == pytest.approx(evaluate(model, data.train), rel=1e-12)


def _as_nbody_v1(ck: dict) -> dict:
    """A harness checkpoint in the format ``train_nbody`` wrote before the harness existed."""
    old = {k: v for k, v in ck.items() if k not in ("name", "world_size", "cuda_rng")}
    old["format"] = "symkit.nets.nbody/1"
    old["config"] = {k: v for k, v in ck["config"].items() if k != "data"}
    old["data"] = ck["config"]["data"]
    old["history"] = [{("train_mse" if k == "train_loss" else k): v for k, v in h.items()
                       if k != "epoch_s"} for h in ck["history"]]
    best = ck["best"]
    old["best"] = {"val_mse": best["record"]["val_mse"], "epoch": best["epoch"],
                   "state": best["state"]}
    return old


def test_resumed_training_continues_exactly_where_it_stopped(tmp_path):
    """A run stopped by its time limit and resumed from its checkpoint gives the history, best
    epoch and test MSE of the uninterrupted run; warm starts and bad resumes behave."""
    from nets.data.nbody import NBodyParams, load_nbody
    from nets.experiments.nbody import results_table, train_nbody

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
    torch.save(torch.load(ck, weights_only=True)["model"], tmp_path / "w.pt")
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
    # a checkpoint of the format before the harness, written before the record existed (no
    # segments, no init_from, no origin): it resumes to the same numbers, with a warning
    old = _as_nbody_v1(torch.load(ck2, weights_only=True))
    del old["segments"], old["init_from"], old["config"]["origin"]  # origin came later too
    torch.save(old, tmp_path / "old.ckpt")
    with pytest.warns(UserWarning, match="not recorded"):
        legacy = train_nbody("gnn", data, resume=tmp_path / "old.ckpt", **kw)
    assert legacy["segments"][0]["device"] == "not recorded" and legacy["init_from"] is None
    assert [h["val_mse"] for h in legacy["history"]] == [h["val_mse"] for h in later["history"]]
    assert legacy["test_mse"] == later["test_mse"]
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
    from nets.data.nbody import NBodyParams, load_nbody, save_splits
    from nets.experiments.nbody import train_nbody

    data = load_nbody(NBodyParams(n_train=10, n_val=5, n_test=5, seed=3), use_cache=False)
    splits = tmp_path / "splits.pt"
    save_splits(data, splits)
    args = ["train", "nbody", "--model", "fa-gnn", "--hidden", "3", "--layers", "1", "--epochs",
            "1", "--batch-size", "5", "--splits", str(splits), "--threads", "1"]
    assert main(args + ["--origin", "centroid", "--out", str(tmp_path / "c")]) == 0
    folder = tmp_path / "c" / "nets" / "nbody"
    metrics = json.loads((folder / "fa-gnn-centroid.json").read_text())
    assert metrics["origin"] == "centroid" and metrics["seed"] == 0
    ck = torch.load(folder / "fa-gnn-centroid.ckpt", weights_only=True)
    assert ck["config"]["origin"] == "centroid"
    model = LayerwiseFAGNN(3, 1, origin="centroid")
    model.load_state_dict(torch.load(folder / "fa-gnn-centroid.pt", weights_only=True))
    torch.testing.assert_close(
        model(data.test.positions.float(), data.test.velocities.float(),
              data.test.charges.float()).double().sub(data.test.target).pow(2).mean(),
        torch.tensor(metrics["test_mse"], dtype=torch.float64), rtol=1e-5, atol=0)
    assert not (folder / "fa-gnn.json").exists()
    with pytest.raises(ValueError, match="origin='centroid' vs 'positions'"):
        train_nbody("fa-gnn", data, epochs=2, batch_size=5, hidden=3, layers=1, progress=False,
                    resume=folder / "fa-gnn-centroid.ckpt")


def test_build_model_rejects_unknown_names():
    from nets.experiments.nbody import build_model, train_nbody

    with pytest.raises(ValueError, match="fa-gnn"):
        build_model("transformer")
    with pytest.raises(ValueError, match="schedule"):
        train_nbody("linear", None, epochs=1, schedule="step")
    with pytest.raises(ValueError, match="fa-gnn model only"):
        build_model("egnn", origin="centroid")


def test_results_table_lists_unpublished_models_too(tmp_path):
    from nets.experiments.nbody import results_table

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

    from nets.experiments.nbody import learning_curves, run_name

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


def test_evaluation_of_a_degenerate_frame_does_not_depend_on_the_global_generator():
    """Collinear points have no finite frame: the FA-GNN samples Haar rotations for them, so its
    output depends on the random stream. The evaluation draws them from its own seed: the same
    weights score the same under any global state, and the global state is left as it was."""
    from nets.data.nbody import NBodySplit
    from nets.experiments.nbody import build_model, evaluate, sample_errors
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


CHECKPOINTS = sorted((__import__("pathlib").Path(__file__).resolve().parents[2] / "benchmarks"
                      / "results" / "checkpoints").glob("*.ckpt"))


def _tiny_data_like(config: dict):
    """Four simulations of each split under the checkpoint's data parameters: the record of the
    run (its configuration and data key) matches, the training is cheap."""
    from types import SimpleNamespace

    from nets.data.nbody import NBodyParams, NBodySplit

    params = NBodyParams(**config["data"])
    assert params.asdict() == config["data"]
    gen = torch.Generator().manual_seed(0)

    def split():
        return NBodySplit(*(torch.randn(4, 5, 3, generator=gen, dtype=torch.float64)
                            for _ in range(2)),
                          torch.tensor([[1.0, -1, 1, -1, 1]] * 4, dtype=torch.float64),
                          torch.randn(4, 5, 3, generator=gen, dtype=torch.float64))

    return SimpleNamespace(train=split(), val=split(), test=split(), params=params)


@pytest.mark.skipif(not CHECKPOINTS, reason="no committed n-body checkpoints in the tree")
def test_committed_checkpoints_load_and_resume():
    """Every committed checkpoint (format ``symkit.nets.nbody/1``) loads weights-only and is
    translated: its best record is its history's entry at the best epoch; resumed at its own
    epoch it restores the best weights and runs nothing; resumed one epoch further it trains
    that epoch from the restored optimizer and batch order."""
    from nets.experiments.harness import load_checkpoint
    from nets.experiments.nbody import build_model, train_nbody

    for i, path in enumerate(CHECKPOINTS):
        raw = torch.load(path, weights_only=True)
        ck = load_checkpoint(path)
        assert raw["format"] == "symkit.nets.nbody/1" and ck["translated_from"] == raw["format"]
        cfg = ck["config"]
        assert cfg["data"] == raw["data"] and cfg["origin"] == raw["config"].get(
            "origin", "positions")
        assert ck["best"]["record"]["val_mse"] == raw["best"]["val_mse"]
        assert ck["best"]["record"]["train_loss"] == next(
            h["train_mse"] for h in raw["history"] if h["epoch"] == raw["best"]["epoch"])
        model = build_model(cfg["model"], cfg["hidden"], cfg["layers"],
                            detach_frames=cfg["detach_frames"], origin=cfg["origin"])
        model.load_state_dict(ck["model"])
        if i % 3:  # resuming every file costs a few seconds each; every third one runs
            continue
        kw = {k: cfg[k] for k in ("hidden", "layers", "batch_size", "lr", "schedule",
                                  "weight_decay", "detach_frames", "origin", "seed")}
        data = _tiny_data_like(cfg)
        same = train_nbody(cfg["model"], data, epochs=ck["epoch"], resume=path, progress=False,
                           **kw)
        assert same["epochs_run"] == ck["epoch"] and same["best_epoch"] == raw["best"]["epoch"]
        assert same["val_mse"] == raw["best"]["val_mse"]
        assert same["segments"][:-1] == raw["segments"]
        on = train_nbody(cfg["model"], data, epochs=ck["epoch"] + 1, eval_every=1, resume=path,
                         progress=False, **kw)
        assert on["epochs_run"] == ck["epoch"] + 1 and len(on["history"]) == len(
            raw["history"]) + 1
        with pytest.raises(ValueError, match="lr="):
            train_nbody(cfg["model"], data, epochs=ck["epoch"], resume=path, progress=False,
                        **{**kw, "lr": 2 * kw["lr"]})


def test_results_table_of_a_run_holds_that_run(tmp_path):
    """Two runs written into one folder: each run's results.md lists the published numbers and
    that run only, not every JSON file the folder holds."""
    from nets.__main__ import main

    common = ["--epochs", "1", "--n-train", "6", "--n-val", "3", "--n-test", "3", "--out",
              str(tmp_path), "--cache-dir", str(tmp_path / "cache"), "--eval-every", "1"]
    assert main(["train", "nbody", "--model", "linear", *common]) == 0
    assert main(["train", "nbody", "--model", "gnn", "--hidden", "4", "--layers", "1",
                 *common]) == 0
    folder = tmp_path / "nets" / "nbody"
    assert {p.name for p in folder.glob("*.json")} >= {"linear.json", "gnn.json"}
    rows = [r for r in (folder / "results.md").read_text().splitlines()
            if r.startswith("| ") and "| — | —" not in r][1:]
    assert [r.split(" | ")[0] for r in rows] == ["| GNN"]
    assert "| Linear | 0.0819 | — | — |" in (folder / "results.md").read_text()

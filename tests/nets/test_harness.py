"""Laws of the training harness: exact resume, best-state selection, warm starts, metrics
averaged over examples, steps that set their own gradients, atomic files, progress output, and
every ``torch.load`` in the repository loading weights only."""

from __future__ import annotations

import ast
import json
import math
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

from nets.experiments import harness
from nets.experiments.harness import (
    CheckpointMismatchError,
    Trainer,
    load_checkpoint,
    resolve_device,
    results_table,
    save_checkpoint,
    seed_everything,
    write_json,
)
from symkit.cli import UsageError

ROOT = Path(__file__).resolve().parents[2]


def _task(seed=0, n=40):
    gen = torch.Generator().manual_seed(100 + seed)
    x = torch.randn(n, 4, generator=gen, dtype=torch.float64)
    y = torch.sin(x @ torch.tensor([1.0, -0.5, 0.3, 2.0], dtype=torch.float64))
    return x, y


def _run(epochs, *, seed=0, batch=7, dropout=0.2, schedule=True, **kw):
    """A small regression with dropout (torch's RNG), a shuffled batch order (the generator),
    Adam, a cosine schedule and clipping: every piece of state a resume must restore."""
    x, y = _task()
    gen = seed_everything(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Dropout(dropout),
                          nn.Linear(16, 1)).double()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6) if schedule else None

    def batches(epoch):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            yield x[order[i:i + batch]], y[order[i:i + batch]]

    def step(m, b):
        return nn.functional.mse_loss(m(b[0]).squeeze(-1), b[1])

    def evaluate(m):
        m.eval()
        with torch.no_grad():
            return {"val_loss": float(nn.functional.mse_loss(m(x).squeeze(-1), y))}

    kw.setdefault("evaluate", evaluate)
    kw.setdefault("config", {"lr": 0.02, "batch": batch})
    trainer = Trainer(model, opt, step=step, batches=batches, epochs=epochs, scheduler=sched,
                      clip=1.0, generator=gen, progress=False, **kw)
    return trainer


def _strip(history):
    return [{k: v for k, v in h.items() if k not in ("time_s", "epoch_s")} for h in history]


def test_resume_continues_bit_for_bit(tmp_path):
    """6 epochs straight == 2 epochs, checkpoint, resume to 6 (and once more from 4): the same
    weights to the bit, the same history, the same best epoch."""
    straight = _run(6, select=None)
    model_a = straight.model
    full = straight.fit()
    ck = tmp_path / "run.ckpt"
    first = _run(2, select=None, checkpoint=ck)
    first.fit()
    middle = _run(4, select=None, resume=ck, checkpoint=ck)
    middle.fit()
    last = _run(6, select=None, resume=ck)
    model_b = last.model
    resumed = last.fit()
    for (k, a), (_, b) in zip(model_a.state_dict().items(), model_b.state_dict().items()):
        assert torch.equal(a, b), k
    assert _strip(resumed["history"]) == _strip(full["history"])
    assert resumed["resumed_from_epoch"] == 4 and resumed["epochs_run"] == 6
    assert [(s["first_epoch"], s["last_epoch"]) for s in resumed["segments"]] == [
        (1, 2), (3, 4), (5, 6)]
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_time_limit_stops_after_an_epoch_and_the_run_resumes(tmp_path):
    ck = tmp_path / "cut.ckpt"
    cut = _run(6, time_limit_s=0.0, checkpoint=ck, eval_every=3)
    metrics = cut.fit()
    assert metrics["epochs_run"] == 1 and [h["epoch"] for h in metrics["history"]] == [1]
    full = _run(6, eval_every=3)
    model_a = full.model
    want = full.fit()
    again = _run(6, resume=ck, eval_every=3)
    model_b = again.model
    got = again.fit()
    assert [h["epoch"] for h in got["history"]] == [1, 3, 6]
    assert _strip(got["history"])[1:] == _strip(want["history"])
    assert got["best_epoch"] == want["best_epoch"]
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)


def test_best_state_is_restored(tmp_path):
    """select=("val_loss", "min"): after fit the model scores the best record's value; "max"
    picks the other end; None keeps the final weights."""
    trainer = _run(6, dropout=0.0)
    model = trainer.model
    metrics = trainer.fit()
    vals = [h["val_loss"] for h in metrics["history"]]
    assert metrics["best"]["val_loss"] == min(vals)
    assert metrics["best_epoch"] == 1 + vals.index(min(vals))
    x, y = _task()
    with torch.no_grad():
        now = float(nn.functional.mse_loss(model(x).squeeze(-1), y))
    assert now == metrics["best"]["val_loss"]
    worst = _run(6, dropout=0.0, select=("val_loss", "max"))
    assert worst.fit()["best"]["val_loss"] == max(vals)
    last = _run(6, dropout=0.0, select=None)
    model_c = last.model
    last.fit()
    with torch.no_grad():
        assert float(nn.functional.mse_loss(model_c(x).squeeze(-1), y)) == vals[-1]
    with pytest.raises(ValueError, match="'accuracy'.*val_loss"):
        _run(2, select=("accuracy", "max")).fit()


def test_configuration_mismatch_and_bad_resumes(tmp_path):
    ck = tmp_path / "a.ckpt"
    _run(1, checkpoint=ck).fit()
    with pytest.raises(CheckpointMismatchError, match=r"batch=7 vs 5.*lr=0.02 vs '<not rec"):
        _run(3, resume=ck, batch=5, config={"batch": 5}).fit()
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "w.pt")
    with pytest.raises(CheckpointMismatchError, match="use init_from"):
        _run(3, resume=tmp_path / "w.pt").fit()
    nosched = tmp_path / "nosched.ckpt"
    _run(1, checkpoint=nosched, schedule=False).fit()
    with pytest.raises(CheckpointMismatchError, match="no scheduler state"):
        _run(3, resume=nosched).fit()
    with pytest.raises(ValueError, match="not both"):
        _run(3, resume=ck, init_from=ck)


def test_warm_start_from_weights_or_a_checkpoint(tmp_path):
    ck = tmp_path / "a.ckpt"
    first = _run(2, checkpoint=ck, select=None)
    model = first.model
    first.fit()
    torch.save(model.state_dict(), tmp_path / "w.pt")
    for source in (ck, tmp_path / "w.pt"):
        warm = _run(0, init_from=source)
        warm_model = warm.model
        metrics = warm.fit()  # zero epochs: the model holds the loaded weights
        assert metrics["init_from"] == str(source) and metrics["epochs_run"] == 0
        for a, b in zip(model.parameters(), warm_model.parameters()):
            assert torch.equal(a, b)
    # a warm start stays on the record through a resume
    ck2 = tmp_path / "warm.ckpt"
    _run(4, init_from=tmp_path / "w.pt", time_limit_s=0.0, checkpoint=ck2).fit()
    later = _run(4, resume=ck2).fit()
    assert later["init_from"] == str(tmp_path / "w.pt")


def test_step_metrics_are_averaged_over_examples():
    """Batches of 3 and 1 examples with per-batch metric 1 and 5: the epoch mean weights them
    by their sizes, (3 * 1 + 1 * 5) / 4 = 2."""
    model = nn.Linear(1, 1)
    batches = lambda epoch: [(torch.zeros(3, 1),), (torch.zeros(1, 1),)]

    def step(m, b):
        k = 1.0 if len(b[0]) == 3 else 5.0
        return {"loss": m(b[0]).sum() * 0 + k, "other": torch.tensor(2 * k)}

    metrics = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), step=step,
                      batches=batches, epochs=1, select=None, progress=False).fit()
    assert metrics["history"][0]["train_loss"] == 2.0
    assert metrics["history"][0]["other"] == 4.0


def test_a_step_that_sets_gradients_itself_is_not_backpropagated():
    """Equilibrium propagation sets ``.grad`` and returns a detached loss: the Trainer steps the
    optimizer with those gradients (the same weights as the backprop step), never calling
    backward on the detached loss."""
    x, y = _task()

    def make():
        torch.manual_seed(0)
        model = nn.Linear(4, 1).double()
        return model, torch.optim.SGD(model.parameters(), lr=0.1)

    batches = lambda epoch: [(x[:20], y[:20]), (x[20:], y[20:])]
    loss_of = lambda m, b: nn.functional.mse_loss(m(b[0]).squeeze(-1), b[1])

    def manual(m, b):
        loss = loss_of(m, b)
        grads = torch.autograd.grad(loss, list(m.parameters()))
        for p, g in zip(m.parameters(), grads):
            p.grad = g
        return loss.detach()

    runs = []
    for step in (loss_of, manual):
        model, opt = make()
        Trainer(model, opt, step=step, batches=batches, epochs=2, select=None, clip=0.5,
                progress=False).fit()
        runs.append(model)
    for a, b in zip(runs[0].parameters(), runs[1].parameters()):
        assert torch.equal(a, b)


def test_checkpoint_holds_the_run_and_loads_weights_only(tmp_path):
    ck = tmp_path / "sub" / "a.ckpt"
    _run(3, checkpoint=ck, eval_every=2).fit()
    state = torch.load(ck, weights_only=True)
    assert state["format"] == harness.CHECKPOINT_FORMAT and state["epoch"] == 3
    for key in ("model", "optimizer", "scheduler", "generator", "torch_rng", "history", "best",
                "elapsed_s", "config", "segments", "init_from"):
        assert key in state
    assert [h["epoch"] for h in state["history"]] == [2, 3]
    assert load_checkpoint(ck)["config"] == {"lr": 0.02, "batch": 7}


def test_a_failed_write_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "a.ckpt"
    save_checkpoint(path, {"format": harness.CHECKPOINT_FORMAT, "epoch": 1})

    def broken(obj, f, *a, **k):
        Path(f).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {"format": harness.CHECKPOINT_FORMAT, "epoch": 2})
    monkeypatch.undo()
    assert torch.load(path, weights_only=True)["epoch"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ckpt"]
    out = write_json(tmp_path / "m" / "x.json", {"a": 1.5, "t": torch.tensor(2.0),
                                                  "p": tmp_path})
    assert json.loads(out.read_text()) == {"a": 1.5, "t": 2.0, "p": str(tmp_path)}
    with pytest.raises(TypeError, match="JSON-serializable"):
        write_json(tmp_path / "y.json", {"f": object()})
    assert not (tmp_path / "y.json").exists()


def test_progress_bar_reaches_the_last_epoch_without_nan(capsys):
    """The bar ends at 5/5 with the metrics the run has; a run without a metric shows none
    (no ``nan``), and NaN values are left out."""
    model = nn.Linear(1, 1)
    batches = lambda epoch: [(torch.ones(2, 1),)]
    step = lambda m, b: m(b[0]).pow(2).mean()
    Trainer(model, torch.optim.SGD(model.parameters(), lr=0.01), step=step, batches=batches,
            epochs=5, evaluate=lambda m: {"val_loss": 0.5, "cos": math.nan}, name="bar-test",
            progress=True).fit()
    err = capsys.readouterr().err
    assert "bar-test" in err and "5/5" in err
    assert "val_loss=0.5" in err and "nan" not in err and "cos" not in err


def test_seed_everything_and_bad_arguments():
    a = seed_everything(7)
    first = torch.rand(3)
    b = seed_everything(7)
    assert torch.equal(first, torch.rand(3)) and a.initial_seed() == b.initial_seed() == 7
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    kw = dict(step=lambda m, b: m(b[0]).sum(), batches=lambda e: [])
    for bad, match in (({"epochs": -3}, "epochs"), ({"epochs": 1, "eval_every": 0}, "eval_every"),
                       ({"epochs": 1, "select": ("a", "up")}, "select"),
                       ({"epochs": 1, "clip": 0.0}, "clip")):
        with pytest.raises(ValueError, match=match):
            Trainer(model, opt, **kw, **bad)
    with pytest.raises(TypeError, match="Optimizer"):
        Trainer(model, "adam", epochs=1, **kw)
    with pytest.raises(ValueError, match="at least one example"):
        Trainer(model, opt, epochs=1, select=None, progress=False, **kw).fit()
    with pytest.raises(ValueError, match="'loss'"):
        Trainer(model, opt, step=lambda m, b: {"mse": m(b[0]).sum()},
                batches=lambda e: [(torch.ones(1, 1),)], epochs=1, progress=False).fit()


def test_results_table_and_device_resolution():
    table = results_table([{"m": "a|b", "x": 1 / 3, "n": 3}], ["m", ("x", "x"), ("n²", "n", "d"),
                                                              ("twice", lambda r: 2 * r["n"])])
    assert table.splitlines() == ["| m | x | n² | twice |", "|---|---|---|---|",
                                  "| a\\|b | 0.3333 | 3 | 6 |"]
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(UsageError, match="expected --device"):
        resolve_device("gpu0")
    with pytest.raises(UsageError, match="threads"):
        resolve_device("cpu", threads=-1)
    if not torch.cuda.is_available():
        with pytest.raises(UsageError, match="CUDA is not available"):
            resolve_device("cuda")


def _torch_load_calls(path: Path):
    with warnings.catch_warnings():  # other files' escape sequences are not this test's subject
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # invalid escapes, Python 3.11
        tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "load" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "torch"):
            yield node


def test_every_torch_load_in_the_repository_loads_weights_only():
    """Unpickling runs code: every ``torch.load`` in the packages, benchmarks, examples and tests
    passes ``weights_only=True``."""
    offenders = []
    for folder in ("liegeom", "fieldsym", "nets", "symkit", "benchmarks", "examples", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for call in _torch_load_calls(path):
                ok = any(k.arg == "weights_only" and isinstance(k.value, ast.Constant)
                         and k.value.value is True for k in call.keywords)
                if not ok:
                    offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not offenders, "torch.load without weights_only=True at " + ", ".join(offenders)

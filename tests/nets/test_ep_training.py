"""Training loop and the ``nets train ep-digits`` command: seeded runs repeat exactly, training
lowers the loss, homeostasis lowers the Jacobian asymmetry, metrics are written as JSON."""

import json
import math
from types import SimpleNamespace

import pytest
import torch

from nets.__main__ import main
from nets.data.digits import load_digits_split
from nets.ep import GeneralizedEP, MLPEPNetwork, RecurrentBackprop, SolverConfig
from nets.ep.training import TrainConfig, feedforward_mlp, save_metrics, train

SOLVER = SolverConfig(dt=0.5, tol=1e-6, max_iter=3000)


@pytest.fixture(scope="module")
def small_digits():
    s = load_digits_split(dtype=torch.float64)
    return SimpleNamespace(x_train=s.x_train[:192], y_train=s.y_train[:192],
                           x_test=s.x_test[:64], y_test=s.y_test[:64])


def _net(alpha=math.pi / 2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return MLPEPNetwork((64, 16, 10), alpha=alpha, activation="sigmoid", logit_scale=2.0,
                        generator=g, dtype=torch.float64)


def _cfg(**kw):
    base = dict(epochs=2, batch_size=64, lr=2e-2, progress=False, diag_size=32)
    base.update(kw)
    return TrainConfig(**base)


def test_seeded_runs_repeat_and_training_lowers_the_loss(small_digits):
    est = GeneralizedEP(0.05, config=SOLVER)
    a = train(_net(), small_digits, _cfg(epochs=3), est, SOLVER)
    b = train(_net(), small_digits, _cfg(epochs=3), est, SOLVER)
    strip = lambda m: [{k: v for k, v in h.items() if k != "seconds"} for h in m["history"]]
    assert strip(a) == strip(b)
    assert a["history"][-1]["train_loss"] < a["history"][0]["train_loss"]
    f = a["final"]
    assert len(f["cos_layers"]) == 2 and -1 <= f["cos_all"] <= 1 and len(f["angles_deg"]) == 1


def test_homeostasis_lowers_jacobian_asymmetry(small_digits):
    est = RecurrentBackprop(SOLVER)
    off = train(_net(), small_digits, _cfg(), est, SOLVER)
    on = train(_net(), small_digits, _cfg(homeostasis=5.0), est, SOLVER)
    assert on["final"]["asymmetry"] < 0.8 * off["final"]["asymmetry"]
    assert on["final"]["angles_deg"][0] < off["final"]["angles_deg"][0]
    assert on["final"]["homeostasis"] > 0


def test_feedforward_baseline_and_metrics_json(small_digits, tmp_path):
    g = torch.Generator().manual_seed(0)
    m = train(feedforward_mlp((64, 16, 10), generator=g, dtype=torch.float64), small_digits,
              _cfg(epochs=1))
    path = save_metrics(m, tmp_path / "a" / "m.json")
    assert json.loads(path.read_text())["final"]["test_acc"] == m["final"]["test_acc"]


def test_bad_configuration():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match="homeostasis"):
        TrainConfig(homeostasis=-1.0)
    with pytest.raises(TypeError, match="estimator"):
        train(_net(), None, TrainConfig(), None)


def test_train_ep_digits_command(tmp_path):
    status = main(["train", "ep-digits", "--out", str(tmp_path), "--epochs", "1", "--seeds", "1",
                   "--hidden", "8", "--variants", "asym-ep+homeo", "ff-bp", "--no-progress"])
    assert status == 0
    out = tmp_path / "nets" / "ep"
    metrics = json.loads((out / "metrics.json").read_text())
    assert [r["variant"] for r in metrics["summary"]] == ["asym-ep+homeo", "ff-bp"]
    assert (out / "alignment.png").stat().st_size > 0
    assert "asym-ep+homeo" in (out / "table.md").read_text()


def test_feedforward_progress_bar_shows_no_alignment_nan(small_digits, capsys):
    """A backprop baseline has no alignment diagnostics: its progress bar shows accuracy and
    loss and reaches its last epoch, with no ``cos=nan``."""
    g = torch.Generator().manual_seed(0)
    train(feedforward_mlp((64, 16, 10), generator=g, dtype=torch.float64), small_digits,
          _cfg(epochs=2, progress=True), label="ff")
    err = capsys.readouterr().err
    assert "2/2" in err and "test_acc=" in err
    assert "nan" not in err and "cos" not in err


def test_training_resumes_exactly(small_digits, tmp_path):
    """An EP run with homeostasis (whose Hutchinson draws share the batch-order generator)
    checkpointed after one epoch and resumed ends with the weights of the straight run."""
    est = RecurrentBackprop(SOLVER)
    straight = _net()
    a = train(straight, small_digits, _cfg(homeostasis=5.0), est, SOLVER)
    first = _net()
    train(first, small_digits, _cfg(epochs=1, homeostasis=5.0), est, SOLVER,
          checkpoint=tmp_path / "ep.ckpt")
    resumed = _net()
    b = train(resumed, small_digits, _cfg(homeostasis=5.0), est, SOLVER,
              resume=tmp_path / "ep.ckpt")
    for p, q in zip(straight.parameters(), resumed.parameters()):
        assert torch.equal(p, q)
    assert b["final"]["test_acc"] == a["final"]["test_acc"]
    with pytest.raises(ValueError, match="homeostasis=5.0 vs 1.0"):
        train(_net(), small_digits, _cfg(homeostasis=1.0), est, SOLVER,
              resume=tmp_path / "ep.ckpt")

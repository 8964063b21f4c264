"""The soft-equivariance experiment and its command line: tiny runs, exact resume, bad options."""

from __future__ import annotations

import json

import pytest
import torch

from nets.__main__ import main
from nets.experiments import load_checkpoint
from nets.experiments import soft as exp
from nets.soft import invariant_action, relative_equivariance_error

TINY = dict(sizes=(40, 20, 20), seeds=1, epochs=2, batch_size=20, eval_every=1,
            error_samples=1, progress=False, record_every=1, hidden=(2, 2, 2))


@pytest.mark.parametrize("task", exp.TASKS)
def test_tiny_run_writes_table_metrics_and_figure(task, tmp_path):
    cfg = exp.SoftConfig(task=task, methods=("exact", "rpp", "ours-reference", "ours-eb"),
                         out=str(tmp_path), rpp_free_decay=(1e-1, 1e-3), **TINY)
    metrics = exp.run_soft(cfg)
    out = tmp_path / "nets" / "soft" / task
    for name in ("metrics.json", "table.md", "strengths.png"):
        assert (out / name).exists()
    saved = json.loads((out / "metrics.json").read_text())
    assert set(saved["true_errors"]) == {label for label, _ in exp.task_spec(cfg).candidates}
    assert [r["method"] for r in saved["summary"]] == list(cfg.methods)
    assert len(metrics["runs"]["rpp"][0]["grid"]) == 2
    assert len(metrics["runs"]["ours-eb"][0]["grid"]) == 3
    assert set(metrics["selected"]) == {"rpp", "ours-reference", "ours-eb"}
    table = (out / "table.md").read_text()
    assert "data (true error)" in table and "ours, empirical Bayes" in table
    hist = metrics["runs"]["ours-reference"][0]["strength_history"]
    assert hist and set(hist[0]["strengths"]) == set(saved["true_errors"])
    # the whole run (2 epochs x 2 steps, a record per step), whichever epoch was selected
    assert [h["step"] for h in hist] == [1, 2, 3, 4]


def test_exact_resume_with_strength_schedule(tmp_path):
    """4 epochs straight and 1 epoch + resume to 4 give identical weights, strengths and
    schedule state (the reference rule's update falls in the resumed part)."""
    cfg = exp.SoftConfig(task="inertia", strength=(0.1,), **{**TINY, "epochs": 4})
    cfg.warmup_fraction, cfg.window = 0.5, 2
    spec = exp.task_spec(cfg)
    straight = tmp_path / "straight.ckpt"
    exp.train_one(spec, "ours-reference", 0, cfg, checkpoint=straight)
    part = tmp_path / "part.ckpt"
    cfg.time_limit_s = 0.0  # stops after the first (evaluated, checkpointed) epoch
    exp.train_one(spec, "ours-reference", 0, cfg, checkpoint=part)
    assert load_checkpoint(part)["epoch"] == 1
    cfg.time_limit_s = float("inf")
    exp.train_one(spec, "ours-reference", 0, cfg, checkpoint=part, resume=part)
    a, b = load_checkpoint(straight), load_checkpoint(part)
    assert b["epoch"] == 4
    for k, v in a["model"].items():
        if isinstance(v, torch.Tensor):
            assert torch.equal(v, b["model"][k]), k
    extra_a, extra_b = a["model"]["mixed._extra_state"], b["model"]["mixed._extra_state"]
    assert extra_a == extra_b and extra_a["schedule"]["done"]


def test_invariant_features_are_invariant():
    cfg = exp.SoftConfig(task="se3", sizes=(10, 10, 50))
    spec = exp.task_spec(cfg)
    x = spec.data.test.x
    for label, (fn, n) in spec.features.items():
        G = spec.group(label)
        err = relative_equivariance_error(fn, G, spec.act_in, invariant_action, x,
                                          generator=torch.Generator().manual_seed(0))
        assert err < 1e-12 and fn(x).shape == (50, n)
    cfg = exp.SoftConfig(task="cosine", sizes=(10, 10, 50))
    spec = exp.task_spec(cfg)
    for label, (fn, _) in spec.features.items():
        err = relative_equivariance_error(fn, spec.group(label), spec.act_in, invariant_action,
                                          spec.data.test.x,
                                          generator=torch.Generator().manual_seed(1))
        assert err < 1e-12


@pytest.mark.parametrize("argv, message", [
    (["--task", "torus"], "invalid choice"),
    (["--warmup-fraction", "1.5"], "fraction in (0, 1)"),
    (["--hidden", "0", "0", "0"], "at least one channel"),
    (["--batch-size", "5000"], "--batch-size <= --train"),
    (["--strength", "0.1", "-1"], "number >= 0"),
    (["--eps", "nan"], "finite number"),
    (["--device", "cuda:7"], "cuda"),
    (["--seeds", "0"], "--seeds: expected a positive integer"),
    (["--lr", "0"], "--lr: expected a finite number > 0"),
    (["--hidden", "1", "2"], "expected 3 arguments"),
    (["--methods", "emlp"], "invalid choice: 'emlp'"),
    (["--window", "0"], "--window: expected a positive integer"),
    (["--eb-floor", "0"], "--eb-floor: expected a finite number > 0"),
    (["--time-limit", "0"], "--time-limit: expected a number of minutes > 0"),
])
def test_bad_options_exit_2_before_work(argv, message, capsys, tmp_path, monkeypatch):
    def tripped(*args, **kwargs):
        raise AssertionError("work started before the options were checked")

    import nets.data.synthetic as syn

    monkeypatch.setattr(exp, "run_soft", tripped)
    for name in ("modified_inertia", "cosine_similarity", "se3_distance", "motion"):
        monkeypatch.setattr(syn, name, tripped)
    with pytest.raises(SystemExit) as err:
        main(["train", "soft", "--out", str(tmp_path), *argv])
    assert err.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "nets").exists()


def test_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "soft", "--help"])
    text = capsys.readouterr().out
    assert "(default: 250)" in text and "ours-eb" in text


def test_bad_config():
    with pytest.raises(ValueError, match="task"):
        exp.task_spec(exp.SoftConfig(task="torus"))
    spec = exp.task_spec(exp.SoftConfig(task="inertia", sizes=(4, 4, 4)))
    with pytest.raises(ValueError, match="method"):
        exp.build_model(spec, "emlp", exp.SoftConfig(), 0)


def test_symmetric_init_starts_equivariant_under_every_candidate():
    cfg = exp.SoftConfig(task="inertia", sizes=(8, 8, 8), init="symmetric", hidden=(2, 2, 2))
    spec = exp.task_spec(cfg)
    net = exp.build_model(spec, "ours-eb", cfg, 0)
    x = spec.data.test.x.to(torch.float32)
    for _, G in spec.candidates:
        assert relative_equivariance_error(net, G, spec.act_in, spec.act_out, x,
                                           generator=torch.Generator().manual_seed(0)) < 1e-5
    with pytest.raises(ValueError, match="projection form"):
        exp.build_model(exp.task_spec(exp.SoftConfig(task="se3", sizes=(4, 4, 4),
                                                     init="symmetric")), "ours-eb",
                        exp.SoftConfig(task="se3", init="symmetric"), 0)


def test_quick_demo_writes_table_metrics_and_figure(tmp_path):
    """The soft-equivariance part of ``nets demo`` (``make demo``) runs and writes its outputs."""
    from argparse import Namespace

    from nets import _cmd_soft

    threads = torch.get_num_threads()
    try:
        assert _cmd_soft.demo(Namespace(out=str(tmp_path), quick=True)) == 0
    finally:
        torch.set_num_threads(threads)  # the demo's --threads 1 is process-wide
    out = tmp_path / "nets" / "soft" / "inertia" / "demo"
    for name in ("metrics.json", "table.md", "strengths.png"):
        assert (out / name).exists()
    saved = json.loads((out / "metrics.json").read_text())
    assert [r["method"] for r in saved["summary"]] == ["exact", "rpp", "ours-reference",
                                                       "ours-eb"]

"""``nets train nbody`` and ``nets train ep-digits`` reject every bad option with a usage error
(exit 2, a message naming the option) before any work: the experiment functions and the data
generator are replaced by tripwires, so a rejection after work began fails the test."""

from __future__ import annotations

import pytest
import torch

from nets.__main__ import main

NO_CUDA = not torch.cuda.is_available()


@pytest.fixture
def tripwires(monkeypatch):
    """Starting an experiment, or generating or loading data, raises."""

    def tripped(*args, **kwargs):
        raise AssertionError("work started before the options were checked")

    import nets.data.digits
    import nets.data.nbody
    import nets.experiments.ep_digits
    import nets.experiments.nbody

    for mod, name in ((nets.experiments.nbody, "run_nbody"), (nets.experiments.nbody,
                                                              "load_nbody"),
                      (nets.data.nbody, "load_nbody"), (nets.data.nbody, "simulate"),
                      (nets.experiments.ep_digits, "run_ep_digits"),
                      (nets.data.digits, "load_digits_split")):
        monkeypatch.setattr(mod, name, tripped)


NBODY = [
    (["--epochs", "0"], "--epochs: expected a positive integer, got '0'"),
    (["--epochs", "-3"], "--epochs: expected a positive integer, got '-3'"),
    (["--n-train", "0"], "--n-train: expected a positive integer"),
    (["--n-val", "0"], "--n-val: expected a positive integer"),
    (["--n-test", "0"], "--n-test: expected a positive integer"),
    (["--batch-size", "0"], "--batch-size: expected a positive integer"),
    (["--layers", "0"], "--layers: expected a positive integer"),
    (["--hidden", "0"], "--hidden: expected a positive integer"),
    (["--eval-every", "0"], "--eval-every: expected a positive integer"),
    (["--seed", "-1"], "--seed: expected an integer >= 0, got '-1'"),
    (["--data-seed", "-1"], "--data-seed: expected an integer >= 0"),
    (["--lr", "0"], "--lr: expected a finite number > 0, got '0'"),
    (["--lr", "inf"], "--lr: expected a finite number > 0, got 'inf'"),
    (["--weight-decay", "-1"], "--weight-decay: expected a finite number >= 0"),
    (["--threads", "-1"], "--threads: expected an integer >= 0"),
    (["--time-limit", "0"], "--time-limit: expected a number of minutes > 0"),
    (["--device", "tpu"], "expected --device cpu, cuda, cuda:N or auto, got 'tpu'"),
    (["--sim-device", "gpu"], "expected --sim-device cpu, cuda, cuda:N or auto, got 'gpu'"),
    (["--model", "egnn", "--origin", "centroid"], "applies to the fa-gnn model only"),
    (["--model", "gnn", "--detach-frames"], "applies to the fa-gnn model only"),
    (["--data", "egnn-small", "--n-train", "20000"], "first n_train of egnn_num_train"),
    (["--resume", "missing.ckpt"], "--resume: expected an existing file, got 'missing.ckpt'"),
    (["--init-from", "missing.pt"], "--init-from: expected an existing file"),
    (["--splits", "missing.pt"], "--splits: expected an existing file"),
    (["--model", "mlp"], "argument --model: invalid choice: 'mlp'"),
]
if NO_CUDA:
    NBODY.append((["--device", "cuda"], "--device cuda: CUDA is not available"))

EP = [
    (["--seeds", "0"], "--seeds: expected a positive integer, got '0'"),
    (["--hidden", "0"], "--hidden: expected a positive integer, got '0'"),
    (["--epochs", "-1"], "--epochs: expected a positive integer"),
    (["--batch-size", "0"], "--batch-size: expected a positive integer"),
    (["--lr", "-0.1"], "--lr: expected a finite number > 0"),
    (["--clip", "0"], "--clip: expected a finite number > 0"),
    (["--beta", "0"], "--beta: expected a finite number > 0"),
    (["--homeostasis", "-1"], "--homeostasis: expected a finite number >= 0"),
    (["--dt", "0"], "--dt: expected a finite number > 0"),
    (["--tol", "0"], "--tol: expected a finite number > 0"),
    (["--max-iter", "0"], "--max-iter: expected a positive integer"),
    (["--threads", "-2"], "--threads: expected an integer >= 0"),
    (["--variants", "bp"], "argument --variants: invalid choice: 'bp'"),
]


def _rejected(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "usage: nets train" in err and message in err, err


@pytest.mark.parametrize("options, message", NBODY, ids=[" ".join(o) for o, _ in NBODY])
def test_nbody_rejects_bad_options_before_any_work(tripwires, tmp_path, capsys, options,
                                                    message):
    _rejected(["train", "nbody", "--out", str(tmp_path), *options], message, capsys)


def test_nbody_rejects_resume_with_init_from(tripwires, tmp_path, capsys):
    for name in ("a.ckpt", "w.pt"):
        (tmp_path / name).write_bytes(b"")
    _rejected(["train", "nbody", "--resume", str(tmp_path / "a.ckpt"), "--init-from",
               str(tmp_path / "w.pt")], "not both", capsys)


@pytest.mark.parametrize("options, message", EP, ids=[" ".join(o) for o, _ in EP])
def test_ep_digits_rejects_bad_options_before_any_work(tripwires, tmp_path, capsys, options,
                                                       message):
    _rejected(["train", "ep-digits", "--out", str(tmp_path), *options], message, capsys)


def test_the_tripwires_fire(tripwires, tmp_path):
    """The test above would notice work: valid options reach the tripwire."""
    with pytest.raises(AssertionError, match="work started"):
        main(["train", "ep-digits", "--out", str(tmp_path)])
    with pytest.raises(AssertionError, match="work started"):
        main(["train", "nbody", "--out", str(tmp_path), "--epochs", "1"])

"""`nets train affine-digits`: option checks before any work, and end-to-end runs on tiny data
(the bundled digits, and MNIST -> affNIST on small files written here in their formats)."""

import json
import struct
import subprocess
import sys

import numpy as np
import pytest
import torch
from scipy.io import savemat

from liegeom import SL
from nets.experiments.affine_digits import (
    AffineConfig,
    build_model,
    equivariance_curve,
    interpolation_floor,
    run_affine_digits,
)

TINY = ["--epochs", "1", "--seeds", "1", "--channels", "2", "2", "--cnn-channels", "2", "2",
        "--kernel-sizes", "3", "3", "--samples", "2", "--eval-samples", "2", "--test-copies", "1",
        "--magnitudes", "0", "1", "--no-progress", "--threads", "1"]


def _nets(*argv):
    return subprocess.run([sys.executable, "-m", "nets", "train", "affine-digits", *argv],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("argv, message", [
    (["--epochs", "0"], "positive integer"),
    (["--seeds", "-1"], "positive integer"),
    (["--batch-size", "0"], "positive integer"),
    (["--samples", "0"], "positive integer"),
    (["--model", "resnet"], "invalid choice"),
    (["--device", "cuda"] if not torch.cuda.is_available() else ["--device", "tpu"], "--device"),
    (["--kernel-sizes", "4", "5", "5"], "odd --kernel-sizes"),
    (["--channels", "4", "4"], "same length"),
    (["--rotation", "4"], "angle in (0, pi]"),
    (["--data", "affnist"], "--mnist-dir"),
])
def test_bad_options_exit_2_before_any_work(argv, message, tmp_path):
    res = _nets(*argv, "--out", str(tmp_path))
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and "usage:" in res.stderr
    assert not (tmp_path / "nets").exists()


def _write_idx(path, array, code):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


def test_mnist_to_affnist_runs_end_to_end(tmp_path):
    """The command a user with the real files runs, on small files in the real formats."""
    rng = np.random.default_rng(0)
    mnist, affnist = tmp_path / "mnist", tmp_path / "affnist"
    mnist.mkdir()
    affnist.mkdir()
    for prefix, n in (("train", 40), ("t10k", 20)):
        _write_idx(mnist / f"{prefix}-images-idx3-ubyte",
                   rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), 0x08)
        _write_idx(mnist / f"{prefix}-labels-idx1-ubyte",
                   rng.integers(0, 10, n).astype(np.uint8), 0x08)
    images = rng.integers(0, 256, (30, 40, 40)).astype(np.uint8)
    cols = np.stack([im.flatten() for im in images], 1)
    savemat(affnist / "test.mat", {"affNISTdata": {"image": cols,
                                                   "label_int": rng.integers(0, 10, 30)}})
    out = tmp_path / "out"
    res = _nets("--data", "affnist", "--mnist-dir", str(mnist), "--affnist-dir", str(affnist),
                "--model", "sl2", "cnn", "--out", str(out), *TINY)
    assert res.returncode == 0, res.stderr
    metrics = json.loads((out / "nets" / "affine" / "metrics.json").read_text())
    assert "affNIST test" in metrics["data"]
    assert [r["model"] for r in metrics["runs"]] == ["sl2", "cnn"]
    assert (out / "nets" / "affine" / "table.md").read_text().count("\n") == 4
    assert (out / "nets" / "affine" / "accuracy_vs_magnitude.png").stat().st_size > 0


def test_digits_run_records_accuracies_costs_and_equivariance(tmp_path):
    cfg = AffineConfig(models=("so2", "cnn-augmented"), seeds=1, epochs=1, channels=(2, 2),
                       cnn_channels=(2, 2), kernel_sizes=(3, 3), n_samples=2, eval_samples=2,
                       test_copies=1,
                       magnitudes=(0.0,), sample_counts=(2, 4), equivariance_inputs=4,
                       out=str(tmp_path), progress=False)
    metrics = run_affine_digits(cfg)
    so2, cnn = metrics["runs"]
    for run in (so2, cnn):
        assert 0 <= run["test_acc"] <= 100 and run["seconds_per_epoch"] > 0
    assert [c["samples"] for c in so2["equivariance"]] == [2, 4]
    assert so2["interpolation_floor"]["error"] >= 0
    assert (tmp_path / "nets" / "affine" / "equivariance_vs_samples.png").exists()


def test_the_floor_measures_discretization_only():
    """Moving the samples with the input leaves only resampling on pixel grids: nothing for
    90° rotations and whole-pixel shifts, something for general affine maps."""
    torch.manual_seed(0)
    cfg = AffineConfig(models=("sl2",), channels=(3, 3), kernel_sizes=(5, 3), n_samples=4,
                       eval_samples=4)
    model = build_model("sl2", cfg).double()
    x = torch.zeros(6, 1, 40, 40, dtype=torch.float64)  # content far from the zero padding
    x[..., 16:24, 14:26] = torch.rand(6, 1, 8, 12, dtype=torch.float64)
    for norm in model.norms:  # running statistics of these inputs, so the logits differ
        norm.momentum = None
        norm.reset_running_stats()
    with torch.no_grad():
        model.train()(x)
    model.eval()
    grid = torch.zeros(6, 3, 3, dtype=torch.float64)
    grid[:, :2, :2] = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)
    grid[:, :2, 2] = torch.tensor([4 / 40, -4 / 40], dtype=torch.float64)  # (2, -2) pixels: even,
    # as the 2x2 average pooling needs
    grid[:, 2, 2] = 1
    exact = interpolation_floor(model, x, elements=grid)["error"]
    general = interpolation_floor(model, x)["error"]
    assert exact < 1e-12 and general > 1e-3
    assert equivariance_curve(model, x, [4])[0]["error"] > 1e-3
    assert isinstance(model.sampler.group, type(SL(2)))


def test_config_rejects_unknown_models():
    with pytest.raises(ValueError, match="expected models among"):
        AffineConfig(models=("vgg",))

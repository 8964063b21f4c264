"""The affine-digits benchmark data and the affNIST .mat loader."""

import math
import warnings

import numpy as np
import pytest
import torch
from scipy.io import savemat

from nets.data.affine import (
    AFFNIST_RANGES,
    load_affine_digits,
    random_affine,
    transform_images,
)
from nets.data.affnist import load_affnist, pad_mnist, read_affnist_mat


def test_digits_are_centred_in_the_canvas():
    d = load_affine_digits(canvas=40, digit_size=20)
    assert d.x_train.shape == (1437, 1, 40, 40) and d.canvas == 40
    ink = d.x_train.sum((0, 1))
    assert float(ink[:10].sum()) == 0 and float(ink[30:].sum()) == 0
    assert float(ink[:, :10].sum()) == 0 and float(ink[:, 30:].sum()) == 0
    assert 0 <= float(d.x_train.min()) and float(d.x_train.max()) <= 1
    assert torch.equal(d.y_test, load_affine_digits().y_test)


def test_random_affine_stays_in_the_ranges_and_decomposes():
    A = random_affine(2000, 1.0, generator=torch.Generator().manual_seed(0))
    # A = R(θ) Sh(s) D: QR of A gives R and an upper-triangular Sh·D with diagonal (sx, sy)
    Q, U = torch.linalg.qr(A)
    sign = torch.sign(torch.diagonal(U, dim1=-2, dim2=-1))
    Q, U = Q * sign[:, None, :], U * sign[:, :, None]
    theta = torch.atan2(Q[:, 1, 0], Q[:, 0, 0])
    sx, sy = U[:, 0, 0], U[:, 1, 1]
    shear = U[:, 0, 1] / sy
    assert float(theta.abs().max()) <= math.radians(AFFNIST_RANGES["rotation_deg"]) + 1e-12
    assert float(theta.abs().max()) > math.radians(19)
    assert float(shear.abs().max()) <= 0.2 + 1e-12 and float((sx - 1).abs().max()) <= 0.2 + 1e-12
    assert float((sy - 1).abs().max()) <= 0.2 + 1e-12
    assert torch.allclose(random_affine(3, 0.0), torch.eye(2, dtype=torch.float64).expand(3, 2, 2))


def test_transformed_digits_stay_inside_the_frame():
    d = load_affine_digits()
    x = d.x_test[:200]
    gen = torch.Generator().manual_seed(1)
    y, g = transform_images(x, random_affine(200, 1.5, generator=gen), generator=gen)
    assert y.shape == x.shape and g.shape == (200, 3, 3)
    border = torch.cat([y[..., 0, :], y[..., -1, :], y[..., :, 0], y[..., :, -1]], -1)
    assert float(border.max()) < 0.2  # no ink cut at the edge (bilinear rims only)
    mass = y.sum((1, 2, 3)) / x.sum((1, 2, 3))  # the ink is kept: mass ≈ |det A|
    assert torch.allclose(mass, torch.linalg.det(g[:, :2, :2]).float(), rtol=0.05)
    assert float(g[:, :2, 2].abs().max()) > 0.1  # translations are used


def test_bad_arguments():
    with pytest.raises(ValueError, match="magnitude"):
        random_affine(3, -1.0)
    with pytest.raises(ValueError, match="digit_size <= canvas"):
        load_affine_digits(canvas=10, digit_size=20)
    with pytest.raises(ValueError, match=r"linear of shape \[2, 2, 2\]"):
        transform_images(torch.zeros(2, 1, 8, 8), torch.zeros(3, 2, 2))


def _write_mat(path, images, labels):
    """affNIST's layout: struct affNISTdata, image = 1600 x N uint8 (column-major columns)."""
    cols = np.stack([im.flatten(order="C") for im in images], 1).astype(np.uint8)
    savemat(path, {"affNISTdata": {"image": cols, "label_int": labels.astype(np.uint8),
                                   "label_one_of_n": np.eye(10, dtype=np.uint8)[labels].T}})


def test_affnist_mat_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 40, 40), dtype=np.uint8)
    images[:, 0, 39] = 255  # an asymmetric mark: top right
    images[:, 39, 0] = 0
    labels = rng.integers(0, 10, 5)
    _write_mat(tmp_path / "test.mat", images, labels)
    x, y = read_affnist_mat(tmp_path / "test.mat")
    assert np.array_equal(x, images) and np.array_equal(y, labels)
    batches = tmp_path / "b" / "test_batches"
    batches.mkdir(parents=True)
    for i, sl in ((1, slice(0, 2)), (2, slice(2, 4)), (10, slice(4, 5))):
        _write_mat(batches / f"{i}.mat", images[sl], labels[sl])
    xt, yt = load_affnist(tmp_path / "b", "test")
    assert xt.shape == (5, 1, 40, 40) and torch.equal(yt, torch.as_tensor(labels))
    assert torch.allclose(xt[:, 0] * 255, torch.as_tensor(images).float())
    assert load_affnist(tmp_path / "b", "test", limit=3)[0].shape[0] == 3
    xf, _ = read_affnist_mat(tmp_path / "test.mat", order="F")
    assert np.array_equal(xf, images.transpose(0, 2, 1))


def test_a_transposed_reading_is_flagged(tmp_path):
    """Digit-like blobs, taller than wide: read transposed, the loader warns."""
    yy, xx = np.mgrid[0:40, 0:40]
    blob = (255 * np.exp(-((yy - 20) / 8.0) ** 2 - ((xx - 20) / 4.0) ** 2)).astype(np.uint8)
    images = np.repeat(blob[None], 120, 0)
    _write_mat(tmp_path / "test.mat", images, np.zeros(120, dtype=np.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_affnist(tmp_path)
    with pytest.warns(UserWarning, match="transposed"):
        load_affnist(tmp_path, order="F")


def test_affnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no affNIST 'test' data"):
        load_affnist(tmp_path, "test")
    with pytest.raises(ValueError, match="expected split"):
        load_affnist(tmp_path, "train")
    (tmp_path / "test.mat").write_bytes(b"not a mat file")
    with pytest.raises(ValueError, match="not a readable MATLAB"):
        load_affnist(tmp_path)
    savemat(tmp_path / "other.mat", {"x": np.zeros(3)})
    with pytest.raises(ValueError, match="struct 'affNISTdata'"):
        read_affnist_mat(tmp_path / "other.mat")


def test_pad_mnist_centres():
    x = torch.rand(2, 1, 28, 28)
    y = pad_mnist(x)
    assert y.shape == (2, 1, 40, 40) and torch.equal(y[..., 6:34, 6:34], x)
    assert float(y.sum()) == pytest.approx(float(x.sum()))

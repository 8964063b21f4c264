"""Data loaders: the digits split is fixed and stratified; IDX files (plain and gzip) written
here round-trip through the MNIST/Fashion-MNIST loaders; malformed files give clear errors."""

import gzip
import struct

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from nets.data.digits import load_digits_split
from nets.data.mnist import load_fashion_mnist, load_idx, load_mnist


def test_digits_split_is_fixed_stratified_and_scaled():
    a, b = load_digits_split(), load_digits_split()
    assert a.x_train.shape == (1437, 64) and a.x_test.shape == (360, 64)
    torch.testing.assert_close(a.x_test, b.x_test)
    assert torch.equal(a.y_train, b.y_train)
    assert float(a.x_train.min()) >= 0 and float(a.x_train.max()) <= 1
    counts = torch.bincount(a.y_test, minlength=10)
    assert int(counts.min()) >= 35 and int(counts.max()) <= 37  # 10 classes, stratified
    c = load_digits_split(seed=1, images=True, dtype=torch.float64)
    assert c.x_train.shape == (1437, 1, 8, 8) and c.x_train.dtype == torch.float64
    assert not torch.equal(c.y_test, a.y_test)
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits_split(test_fraction=1.0)


def _write_idx(path, array, code, *, gz):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


@given(n=st.integers(1, 5), h=st.integers(1, 4), gz=st.booleans(), seed=st.integers(0, 99))
def test_idx_round_trip(tmp_path_factory, n, h, gz, seed):
    root = tmp_path_factory.mktemp("idx")
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, h, h + 1), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    suffix = ".gz" if gz else ""
    _write_idx(root / f"t10k-images-idx3-ubyte{suffix}", images, 0x08, gz=gz)
    _write_idx(root / f"t10k-labels-idx1-ubyte{suffix}", labels, 0x08, gz=gz)
    for loader in (load_mnist, load_fashion_mnist):
        x, y = loader(root, train=False)
        assert x.shape == (n, 1, h, h + 1) and y.dtype == torch.int64
        torch.testing.assert_close(x[:, 0] * 255, torch.as_tensor(images, dtype=torch.float32))
        assert y.tolist() == labels.tolist()
    floats = rng.standard_normal((2, 3))
    _write_idx(root / "f.idx", floats, 0x0E, gz=False)
    np.testing.assert_array_equal(load_idx(root / "f.idx"), floats)


def test_malformed_and_missing_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="IDX header"):
        load_idx(tmp_path / "bad")
    _write_idx(tmp_path / "short", np.zeros((3, 2), np.uint8), 0x08, gz=False)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="data bytes"):
        load_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    _write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 2, 2), np.uint8), 8, gz=False)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(2, np.uint8), 8, gz=False)
    with pytest.raises(ValueError, match="2 labels for 3 images"):
        load_mnist(tmp_path)

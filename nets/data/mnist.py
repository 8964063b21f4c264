"""MNIST and Fashion-MNIST from the standard IDX files in a directory the user gives.

Nothing is downloaded: put ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``) in one
directory. Fashion-MNIST uses the same names and format.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

__all__ = ["load_fashion_mnist", "load_idx", "load_mnist"]

# IDX type codes -> big-endian numpy dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_NAMES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def load_idx(path) -> np.ndarray:
    """Read one IDX file (plain or gzip, told apart by content) into a numpy array.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.idx")
    >>> _ = open(p, "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]))
    >>> load_idx(p).tolist()
    [7, 9]
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(
            f"{path}: expected an IDX header 00 00 <type in {sorted(_IDX_TYPES)}> <ndim>, got "
            f"{raw[:4].hex(' ') or 'an empty file'}"
        )
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: header announces {ndim} dimensions but the file is truncated")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    count = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(
            f"{path}: expected {count * dtype.itemsize} data bytes for shape {dims}, got "
            f"{len(raw) - header}"
        )
    return np.frombuffer(raw, dtype, count=count, offset=header).reshape(dims).astype(
        dtype.newbyteorder("="))


def _find(root: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                 stem.replace("-idx", ".idx") + ".gz"):
        if (root / name).is_file():
            return root / name
    raise FileNotFoundError(f"expected {stem} or {stem}.gz in {root}; no download is attempted")


def load_mnist(root, *, train: bool = True, dtype: torch.dtype = torch.float32, device=None):
    """Images ``shape=[N, 1, 28, 28]`` scaled to [0, 1] and labels ``shape=[N]`` (int64).

    Parameters
    ----------
    root : path
        Directory with the four IDX files.
    train : bool
        The training files, or the ``t10k`` test files.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"expected a directory with the IDX files, got {root}")
    img_name, lab_name = _NAMES[bool(train)]
    images, labels = load_idx(_find(root, img_name)), load_idx(_find(root, lab_name))
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(
            f"expected images [N, H, W] and labels [N], got {images.shape} and {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"expected as many labels as images, got {labels.shape[0]} labels for "
            f"{images.shape[0]} images in {root}"
        )
    x = torch.as_tensor(images, device=device).to(dtype)[:, None] / 255.0
    return x, torch.as_tensor(labels.astype(np.int64), device=device)


def load_fashion_mnist(root, *, train: bool = True, dtype: torch.dtype = torch.float32,
                       device=None):
    """Fashion-MNIST: the same files and format as :func:`load_mnist`, in its own directory."""
    return load_mnist(root, train=train, dtype=dtype, device=device)

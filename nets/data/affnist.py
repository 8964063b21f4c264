"""affNIST from the ``.mat`` files of its distribution, in a directory the user gives.

Nothing is downloaded. affNIST (Tieleman, 2013) ships MATLAB v5 files holding a struct
``affNISTdata`` with ``image`` (uint8, ``1600 x N``: one 40x40 image per column) and ``label_int``
(``1 x N``). A directory may hold one file per split (``test.mat``, ``training.mat``,
``validation.mat``, ``training_and_validation.mat``) or a folder of batches
(``test_batches/1.mat`` ... ``32.mat``; read in numeric order). Each image column is reshaped
to 40x40 in row-major (C) order, as the loaders published with affNIST-based papers do
(``order="F"`` reads it column-major instead). The files themselves cannot be checked here; to
catch a transposed reading, :func:`load_affnist` warns when the images' ink is wider than tall
on average (handwritten digits are taller than wide; a transpose swaps the two).

The affNIST protocol trains on MNIST digits centred in 40x40 (:func:`pad_mnist`, with
:func:`nets.data.mnist.load_mnist`) and tests on ``test``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

__all__ = ["AFFNIST_SPLITS", "load_affnist", "pad_mnist", "read_affnist_mat"]

AFFNIST_SPLITS = ("test", "training", "validation", "training_and_validation")


def read_affnist_mat(path, order: str = "C") -> tuple[np.ndarray, np.ndarray]:
    """One affNIST ``.mat`` file -> (images ``[N, 40, 40]`` uint8, labels ``[N]`` int64).

    ``order``: how a 1600-vector becomes a 40x40 image, ``"C"`` (row-major) or ``"F"``."""
    if order not in ("C", "F"):
        raise ValueError(f"expected order 'C' or 'F', got {order!r}")
    from scipy.io import loadmat

    path = Path(path)
    try:
        mat = loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as err:  # scipy raises several types for a file that is not a .mat
        raise ValueError(f"{path}: not a readable MATLAB .mat file ({err})") from err
    if "affNISTdata" not in mat:
        raise ValueError(f"{path}: expected a struct 'affNISTdata', found "
                         f"{sorted(k for k in mat if not k.startswith('__'))}")
    data = mat["affNISTdata"]
    for field in ("image", "label_int"):
        if not hasattr(data, field):
            raise ValueError(f"{path}: affNISTdata has no field {field!r}")
    image = np.asarray(data.image)
    labels = np.atleast_1d(np.asarray(data.label_int)).astype(np.int64)
    if image.ndim == 1:  # a single image squeezed to a vector
        image = image[:, None]
    if image.shape[0] != 1600 or image.shape[1] != labels.shape[0]:
        raise ValueError(f"{path}: expected image of shape [1600, N] and N labels, got "
                         f"{image.shape} and {labels.shape[0]} labels")
    images = image.T.reshape(-1, 40, 40)
    if order == "F":
        images = images.transpose(0, 2, 1)
    return np.ascontiguousarray(images), labels


def _looks_transposed(images: np.ndarray) -> bool:
    """Ink spread wider than tall, on average over the images (digits are taller than wide)."""
    mean = images.reshape(-1, 40, 40).astype(np.float64).mean(0)
    total = mean.sum()
    if total <= 0:
        return False
    idx = np.arange(40.0)
    rows, cols = mean.sum(1) / total, mean.sum(0) / total
    var = lambda p: float((p * (idx - (p * idx).sum()) ** 2).sum())
    return var(cols) > 1.1 * var(rows)


def _files(directory: Path, split: str) -> list[Path]:
    whole = directory / f"{split}.mat"
    if whole.is_file():
        return [whole]
    batches = directory / f"{split}_batches"
    if batches.is_dir():
        files = [p for p in batches.glob("*.mat") if re.fullmatch(r"\d+", p.stem)]
        if files:
            return sorted(files, key=lambda p: int(p.stem))
    raise FileNotFoundError(f"no affNIST {split!r} data in {directory}: expected {whole.name} or "
                            f"{batches.name}/1.mat, 2.mat, ...")


def load_affnist(directory, split: str = "test", *, limit: int | None = None,
                 order: str = "C", dtype=torch.float32, device=None) -> tuple[Tensor, Tensor]:
    """Images ``[N, 1, 40, 40]`` in [0, 1] and labels ``[N]`` of one affNIST split.

    Parameters
    ----------
    directory : path
    split : {"test", "training", "validation", "training_and_validation"}
    limit : int, optional
        Read only the first ``limit`` images (files are read in order until enough).
    order : {"C", "F"}
        Passed to :func:`read_affnist_mat`.
    """
    if split not in AFFNIST_SPLITS:
        raise ValueError(f"expected split in {AFFNIST_SPLITS}, got {split!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"expected limit to be a positive int or None, got {limit!r}")
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"affNIST directory {directory} does not exist")
    images, labels, count = [], [], 0
    for path in _files(directory, split):
        x, y = read_affnist_mat(path, order)
        images.append(x)
        labels.append(y)
        count += len(y)
        if limit is not None and count >= limit:
            break
    stacked = np.concatenate(images)[:limit]
    if len(stacked) >= 100 and _looks_transposed(stacked):
        warnings.warn(f"the affNIST images read from {directory} with order={order!r} are wider "
                      "than tall on average, as transposed digits would be; if they look "
                      "transposed, pass order='F' (--affnist-order F)", stacklevel=2)
    x = torch.from_numpy(stacked).to(dtype) / 255.0
    y = torch.from_numpy(np.concatenate(labels)[:limit])
    return x[:, None].to(device), y.to(device)


def pad_mnist(images: Tensor, canvas: int = 40) -> Tensor:
    """Centre ``[N, 1, 28, 28]`` (or ``[N, 28, 28]``) images in a ``canvas`` frame (affNIST's
    training protocol), shape=[N, 1, canvas, canvas]."""
    if images.dim() == 3:
        images = images[:, None]
    if images.dim() != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"expected square images [N, 1, H, W], got {tuple(images.shape)}")
    size = images.shape[-1]
    if size > canvas:
        raise ValueError(f"expected images no larger than the canvas {canvas}, got {size}")
    lo = (canvas - size) // 2
    out = images.new_zeros(*images.shape[:-2], canvas, canvas)
    out[..., lo:lo + size, lo:lo + size] = images
    return out

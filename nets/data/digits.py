"""scikit-learn's 8x8 digits (1797 images, shipped with scikit-learn) with a fixed split."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["DigitsSplit", "load_digits_split"]


@dataclass(frozen=True)
class DigitsSplit:
    """Train/test tensors. Images ``shape=[N, 64]`` (or ``[N, 1, 8, 8]``) in [0, 1];
    labels ``shape=[N]`` (int64)."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor


def load_digits_split(*, test_fraction: float = 0.2, seed: int = 0, images: bool = False,
                      dtype: torch.dtype = torch.float32, device=None) -> DigitsSplit:
    """Stratified split of the digits, the same for a given ``seed`` on every machine.

    Parameters
    ----------
    test_fraction : float
        Share of the 1797 samples held out, in (0, 1).
    seed : int
        Seed of the split (not of any training).
    images : bool
        Return ``[N, 1, 8, 8]`` images instead of flat ``[N, 64]`` vectors.

    Examples
    --------
    >>> s = load_digits_split()
    >>> tuple(s.x_train.shape), tuple(s.x_test.shape)
    ((1437, 64), (360, 64))
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"expected test_fraction in (0, 1), got {test_fraction}")
    data = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        data.data, data.target, test_size=test_fraction, random_state=seed, stratify=data.target
    )
    shape = (-1, 1, 8, 8) if images else (-1, 64)

    def tx(a):
        return torch.as_tensor(a / 16.0, dtype=dtype, device=device).reshape(shape)

    def ty(a):
        return torch.as_tensor(a, dtype=torch.int64, device=device)

    return DigitsSplit(tx(x_tr), ty(y_tr), tx(x_te), ty(y_te))

r"""An affNIST-style benchmark from scikit-learn's digits, and random affine transformations.

affNIST (Tieleman 2013) trains on untransformed MNIST digits centred in 40x40 and tests on
affinely transformed copies. :func:`load_affine_digits` builds the same task from the 1797 8x8
digits that ship with scikit-learn: each digit is upsampled to ``digit_size`` pixels (bilinear)
and centred in a ``canvas`` frame. :func:`random_affine` draws affNIST's transformations, scaled
by a ``magnitude`` (1 = affNIST's ranges):

* rotation angle uniform in ±20° · m, shear uniform in ±0.2 · m, independent x and y scales
  uniform in 1 ± 0.2 · m, composed as ``A = R(θ) · [[1, s], [0, 1]] · diag(sx, sy)`` about the
  image centre;
* a translation, uniform among those that keep the transformed digit's bounding box inside the
  frame (:func:`transform_images`).

Coordinates are those of :func:`liegeom.act_image` (``x`` right, ``y`` down, in units of half the
frame, so a 2x2 matrix acts about the centre).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from liegeom import act_image

from .digits import load_digits_split

__all__ = ["AFFNIST_RANGES", "AffineDigits", "load_affine_digits", "random_affine",
           "transform_images"]

#: affNIST's ranges: rotation (degrees), shear, scale deviation from 1.
AFFNIST_RANGES = {"rotation_deg": 20.0, "shear": 0.2, "scale": 0.2}


@dataclass(frozen=True)
class AffineDigits:
    """Untransformed digits centred in a square canvas: images ``[N, 1, canvas, canvas]`` in
    [0, 1], labels ``[N]`` (int64)."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor

    @property
    def canvas(self) -> int:
        return self.x_train.shape[-1]


def _size(value, name, low=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"expected {name} to be an int >= {low}, got {value!r}")
    return value


def load_affine_digits(*, canvas: int = 40, digit_size: int = 20, test_fraction: float = 0.2,
                       seed: int = 0, dtype=torch.float32, device=None) -> AffineDigits:
    """The digits upsampled to ``digit_size`` and centred in ``canvas`` (the split of
    :func:`~nets.data.digits.load_digits_split`).

    Examples
    --------
    >>> d = load_affine_digits()
    >>> tuple(d.x_train.shape), tuple(d.x_test.shape)
    ((1437, 1, 40, 40), (360, 1, 40, 40))
    """
    _size(canvas, "canvas")
    _size(digit_size, "digit_size")
    if digit_size > canvas:
        raise ValueError(f"expected digit_size <= canvas, got {digit_size} > {canvas}")
    split = load_digits_split(test_fraction=test_fraction, seed=seed, images=True,
                              dtype=torch.float64)

    def place(x):
        x = F.interpolate(x, size=(digit_size, digit_size), mode="bilinear",
                          align_corners=False, antialias=False).clamp(0, 1)
        lo = (canvas - digit_size) // 2
        out = torch.zeros(len(x), 1, canvas, canvas, dtype=torch.float64)
        out[..., lo:lo + digit_size, lo:lo + digit_size] = x
        return out.to(dtype=dtype, device=device)

    y = lambda t: t.to(device)
    return AffineDigits(place(split.x_train), y(split.y_train), place(split.x_test),
                        y(split.y_test))


def random_affine(n: int, magnitude: float = 1.0, *, generator=None,
                  dtype=torch.float64) -> Tensor:
    """``n`` linear parts ``A = R(θ) · shear(s) · diag(sx, sy)`` with affNIST's ranges times
    ``magnitude``, shape=[n, 2, 2]."""
    _size(n, "n", 0)
    if not (math.isfinite(magnitude) and magnitude >= 0):
        raise ValueError(f"expected a finite magnitude >= 0, got {magnitude!r}")
    u = 2 * torch.rand(n, 4, generator=generator, dtype=torch.float64) - 1
    theta = math.radians(AFFNIST_RANGES["rotation_deg"]) * magnitude * u[:, 0]
    shear = AFFNIST_RANGES["shear"] * magnitude * u[:, 1]
    sx, sy = (1 + AFFNIST_RANGES["scale"] * magnitude * u[:, 2:]).unbind(-1)
    c, s = theta.cos(), theta.sin()
    R = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
    one, zero = torch.ones_like(shear), torch.zeros_like(shear)
    Sh = torch.stack([torch.stack([one, shear], -1), torch.stack([zero, one], -1)], -2)
    return (R @ Sh @ torch.diag_embed(torch.stack([sx, sy], -1))).to(dtype)


def _bbox(images: Tensor, threshold: float) -> Tensor:
    """Bounding boxes of the pixels above ``threshold``, in act_image coordinates:
    ``[N, 4]`` = (x_min, x_max, y_min, y_max) of pixel centres, ±half a pixel."""
    size = images.shape[-1]
    mask = images.flatten(1, -3).amax(1) > threshold  # [N, H, W]
    idx = torch.arange(size, dtype=torch.float64)
    centre = lambda i: (2 * i + 1) / size - 1
    half = 1.0 / size
    cols, rows = mask.any(-2), mask.any(-1)
    big = torch.tensor(float(size))

    def ends(any_):
        lo = torch.where(any_, idx, big).amin(-1)
        hi = torch.where(any_, idx, -big).amax(-1)
        return centre(lo) - half, centre(hi) + half

    (x0, x1), (y0, y1) = ends(cols), ends(rows)
    return torch.stack([x0, x1, y0, y1], -1)


def transform_images(images: Tensor, linear: Tensor, *, generator=None,
                     threshold: float = 0.05) -> tuple[Tensor, Tensor]:
    """Apply ``linear`` (``[N, 2, 2]``) about the centre and a random translation that keeps
    each digit's bounding box (pixels above ``threshold``) one pixel inside the frame.

    Returns the transformed images ``[N, C, H, W]`` and the homogeneous ``[N, 3, 3]`` matrices
    applied (:func:`liegeom.act_image` coordinates). A digit that does not fit after the linear
    part is centred (no translation) and may be clipped: count them with the returned matrices.
    """
    if images.dim() != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"expected square images of shape [N, C, H, W], got "
                         f"{tuple(images.shape)}")
    if linear.shape != (len(images), 2, 2):
        raise ValueError(f"expected linear of shape [{len(images)}, 2, 2], got "
                         f"{tuple(linear.shape)}")
    box = _bbox(images, threshold)
    corners = torch.stack([box[:, [0, 2]], box[:, [0, 3]], box[:, [1, 2]], box[:, [1, 3]]], 1)
    moved = corners @ linear.double().mT  # [N, 4, 2]
    lo, hi = moved.amin(1), moved.amax(1)  # [N, 2]
    pad = 2.0 / images.shape[-1]  # one pixel of room for the bilinear rim
    room_lo, room_hi = -1 + pad - lo, 1 - pad - hi  # the translation t: room_lo <= t <= room_hi
    fits = room_lo <= room_hi
    u = torch.rand(len(images), 2, generator=generator, dtype=torch.float64)
    t = torch.where(fits, room_lo + u * (room_hi - room_lo), torch.zeros_like(u))
    g = torch.zeros(len(images), 3, 3, dtype=torch.float64)
    g[:, :2, :2], g[:, :2, 2], g[:, 2, 2] = linear.double(), t, 1.0
    return act_image(g.to(images), images), g

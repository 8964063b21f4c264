r"""Exact Haar sampling on SO(n).

Three exact routes, each checked against the exact law in the tests:

- ``"qr"`` (any n): the QR decomposition ``Z = Q R`` of a standard Gaussian matrix, with the
  columns of ``Q`` multiplied by ``sign(R_ii)``, is Haar on O(n) (Mezzadri 2007); multiplying
  the first column by ``det Q`` maps the ``det = -1`` coset onto SO(n), which preserves Haar.
- ``"angle"`` (n = 2): the rotation angle is uniform on ``[-π, π)``.
- ``"quaternion"`` (n = 3): a normalised 4D Gaussian is uniform on S^3, and the double cover
  S^3 → SO(3) pushes it forward to Haar.

geomstats' ``SpecialOrthogonal(n).random_uniform`` is *not* Haar (its SO(2) angles all have
``|θ| > π/2``; see ``tests/liegeom/test_sampling.py``), so liegeom samples its own.
"""

from __future__ import annotations

import math

import torch

__all__ = ["haar_so", "quaternion_to_matrix"]


def quaternion_to_matrix(q: torch.Tensor) -> torch.Tensor:
    """Rotation matrix of unit quaternions ``q = (w, x, y, z)``, shape=[..., 4] -> [..., 3, 3]."""
    w, x, y, z = q.unbind(-1)
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ]
    return torch.stack([torch.stack(r, -1) for r in rows], -2)


def _shape(batch_shape) -> tuple[int, ...]:
    if isinstance(batch_shape, int):
        return (batch_shape,)
    return tuple(int(b) for b in batch_shape)


def haar_so(
    n: int,
    batch_shape=(),
    *,
    method: str = "auto",
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    r"""Draw rotations from the Haar (uniform) probability measure on SO(n).

    Parameters
    ----------
    n : int
        Matrix size, ``n >= 1``.
    batch_shape : int or tuple of int
        Leading batch shape of the output.
    method : {"auto", "qr", "angle", "quaternion"}
        ``"auto"`` uses ``"angle"`` for n = 2, ``"quaternion"`` for n = 3, ``"qr"`` otherwise.
    generator : torch.Generator, optional
        Source of randomness (on ``device``).
    dtype, device
        Of the output.

    Returns
    -------
    torch.Tensor, shape=[*batch_shape, n, n]

    Examples
    --------
    >>> R = haar_so(3, (2,), generator=torch.Generator().manual_seed(0))
    >>> R.shape
    torch.Size([2, 3, 3])
    >>> torch.allclose(R @ R.mT, torch.eye(3, dtype=R.dtype).expand(2, 3, 3))
    True
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"expected an integer n >= 1 for SO(n), got {n!r}")
    shape = _shape(batch_shape)
    if method == "auto":
        method = {2: "angle", 3: "quaternion"}.get(n, "qr")
    kw = dict(generator=generator, dtype=dtype, device=device)
    if method == "angle" and n == 2:
        theta = (torch.rand(shape, **kw) * 2 - 1) * math.pi
        c, s = torch.cos(theta), torch.sin(theta)
        return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
    if method == "quaternion" and n == 3:
        q = torch.randn(*shape, 4, **kw)
        return quaternion_to_matrix(q / q.norm(dim=-1, keepdim=True))
    if method != "qr":
        raise ValueError(
            f"expected method 'auto', 'qr', or 'angle' (n=2) / 'quaternion' (n=3), "
            f"got {method!r} with n={n}"
        )
    Z = torch.randn(*shape, n, n, **kw)
    Q, R = torch.linalg.qr(Z)
    d = torch.diagonal(R, dim1=-2, dim2=-1)
    Q = Q * torch.where(d < 0, -1.0, 1.0).to(dtype)[..., None, :]
    flip = torch.ones(*shape, n, dtype=dtype, device=Q.device)
    flip[..., 0] = torch.sign(torch.linalg.det(Q))
    return Q * flip[..., None, :]

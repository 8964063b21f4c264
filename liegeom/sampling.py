r"""Exact Haar sampling on SO(n): the implementation behind ``SO(n).random_point``.

Draw Haar rotations with ``SO(n).random_point(batch_shape, generator=...)`` (the one public
way; :class:`~liegeom.distributions.HaarSO` is the same law as a distribution object with a
density). :func:`haar_so` here exposes the choice of method, for tests and comparisons.

Three exact routes, each checked against the exact law in the tests:

- ``"qr"`` (any n): the QR decomposition ``Z = Q R`` of a standard Gaussian matrix, with the
  columns of ``Q`` multiplied by ``sign(R_ii)``, is Haar on O(n) (Mezzadri 2007); multiplying
  the first column by ``det Q`` maps the ``det = -1`` coset onto SO(n), which preserves Haar.
- ``"angle"`` (n = 2): the rotation angle is uniform on ``[-π, π)``.
- ``"quaternion"`` (n = 3): Shoemake's map of three uniforms to a uniform unit quaternion
  (:func:`haar_so_from_uniforms`), and the double cover S^3 → SO(3) pushes it forward to Haar.

geomstats' ``SpecialOrthogonal(n).random_uniform`` is *not* Haar (its SO(2) angles all have
``|θ| > π/2``; see ``tests/liegeom/test_sampling.py``), so liegeom samples its own.
"""

from __future__ import annotations

import math

import torch

from ._so3 import _assemble, _quaternion_entries, quaternion_to_matrix

__all__ = ["haar_so", "quaternion_to_matrix", "sobol_uniforms", "haar_so_uniforms",
           "haar_so_from_uniforms"]


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
        # three contiguous rows of uniforms (same law as haar_so_from_uniforms, faster columns)
        return _assemble(_quaternion_entries(*_shoemake_columns(*torch.rand(3, *shape, **kw)),
                                             unit=True))
    if method != "qr":
        raise ValueError(
            f"expected method 'auto', 'qr', or 'angle' (n=2) / 'quaternion' (n=3), "
            f"got {method!r} with n={n}"
        )
    return _qr_rotation(torch.randn(*shape, n, n, **kw))


def _qr_rotation(Z: torch.Tensor) -> torch.Tensor:
    """Haar rotation from a standard Gaussian matrix ``Z`` [..., n, n] (Mezzadri's QR with the
    sign correction, then the det = -1 coset mapped onto SO(n))."""
    Q, R = torch.linalg.qr(Z)
    d = torch.diagonal(R, dim1=-2, dim2=-1)
    Q = Q * torch.where(d < 0, -1.0, 1.0).to(Z.dtype)[..., None, :]
    flip = torch.ones(*Z.shape[:-1], dtype=Z.dtype, device=Q.device)
    flip[..., 0] = torch.sign(torch.linalg.det(Q))
    return Q * flip[..., None, :]


# --- quasi-random points ------------------------------------------------------------------


def sobol_uniforms(count: int, dim: int, *, seed: int = 0) -> torch.Tensor:
    r"""``count`` scrambled Sobol points in the open cube :math:`(0, 1)^{dim}`, float64.

    :class:`torch.quasirandom.SobolEngine` with Owen-type scrambling seeded by ``seed`` (so
    repeated calls give the same points); its points are multiples of :math:`2^{-30}`, and each
    is moved to the centre of its cell (:math:`+2^{-31}`) so that inverse CDFs stay finite.
    Balanced (and best) for ``count`` a power of two.

    Parameters
    ----------
    count : int
    dim : int
        Between 1 and 21201.
    seed : int

    Returns
    -------
    torch.Tensor, shape=[count, dim]

    Examples
    --------
    >>> u = sobol_uniforms(4, 2, seed=0)
    >>> bool(((u > 0) & (u < 1)).all()) and torch.equal(u, sobol_uniforms(4, 2, seed=0))
    True
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= 21201:
        raise ValueError(f"expected an integer dimension in [1, 21201] for Sobol points, got "
                         f"{dim!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"expected an integer seed, got {seed!r}")
    engine = torch.quasirandom.SobolEngine(dim, scramble=True, seed=seed)
    return engine.draw(count, dtype=torch.float64) + 2.0**-31


def haar_so_uniforms(n: int) -> int:
    """How many uniforms :func:`haar_so_from_uniforms` consumes for SO(n): 1 for n = 2, 3 for
    n = 3, 6 for n = 4, ``n * n`` otherwise."""
    return {2: 1, 3: 3, 4: 6}.get(n, n * n)


def haar_so_from_uniforms(n: int, u: torch.Tensor) -> torch.Tensor:
    r"""Exact transform of uniforms on :math:`(0, 1)^d` to Haar rotations of SO(n).

    * n = 2: the angle :math:`θ = π(2u - 1)`;
    * n = 3: Shoemake's map of three uniforms to a uniform unit quaternion,
      :math:`(\sqrt{1-u_1}\sin 2πu_2, \sqrt{1-u_1}\cos 2πu_2, \sqrt{u_1}\sin 2πu_3,
      \sqrt{u_1}\cos 2πu_3)`, then the double cover S³ → SO(3);
    * n = 4: ``x -> p x q`` on quaternions ``x`` in R^4 with ``p``, ``q`` two independent
      Shoemake quaternions (six uniforms): S³ × S³ → SO(4) is a surjective homomorphism, so it
      pushes Haar forward to Haar;
    * n > 4: :math:`n^2` standard normals ``ndtri(u)`` arranged as a matrix, then the QR map of
      :func:`haar_so` (``method="qr"``). Exact in law, but the map spends :math:`n^2` dimensions
      on an :math:`n(n-1)/2`-dimensional group, so quasi-random inputs gain little or nothing
      over Monte Carlo (RMS error of :math:`\int (1 + \mathrm{tr} R)^2` at 1024 points: no
      gain for n = 5, a factor 1.4 for n = 4 with this map, against 9 with the quaternion map
      and 17-3000 for n = 2, 3). Where the rate matters, prefer n <= 4 factors.

    Parameters
    ----------
    n : int
    u : torch.Tensor, shape=[..., haar_so_uniforms(n)]
        Points of the open unit cube.

    Returns
    -------
    torch.Tensor, shape=[..., n, n]
    """
    d = haar_so_uniforms(n)
    if u.shape[-1] != d:
        raise ValueError(f"expected {d} uniforms per rotation of SO({n}), got shape "
                         f"{tuple(u.shape)}")
    if n == 2:
        theta = math.pi * (2 * u[..., 0] - 1)
        c, s = torch.cos(theta), torch.sin(theta)
        return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
    if n == 3:
        return _assemble(_quaternion_entries(*_shoemake_columns(*u.unbind(-1)), unit=True))
    if n == 4:
        return _left_quaternion(_shoemake(u[..., :3])) @ _right_quaternion(_shoemake(u[..., 3:]))
    return _qr_rotation(torch.special.ndtri(u).reshape(*u.shape[:-1], n, n))


def _shoemake_columns(u1, u2, u3) -> tuple[torch.Tensor, ...]:
    """Uniform unit quaternions ``(w, x, y, z)`` from three uniforms, as four columns."""
    a, b = torch.sqrt(1 - u1), torch.sqrt(u1)
    t2, t3 = (2 * math.pi) * u2, (2 * math.pi) * u3
    return b * torch.cos(t3), a * torch.sin(t2), a * torch.cos(t2), b * torch.sin(t3)


def _shoemake(u: torch.Tensor) -> torch.Tensor:
    """Uniform unit quaternions ``(w, x, y, z)`` from three uniforms, shape=[..., 3] -> [..., 4]."""
    return torch.stack(_shoemake_columns(*u.unbind(-1)), -1)


def _left_quaternion(p: torch.Tensor) -> torch.Tensor:
    """Matrix of ``x -> p x`` on quaternions ``x`` in R^4, shape=[..., 4] -> [..., 4, 4]."""
    a, b, c, d = p.unbind(-1)
    rows = [[a, -b, -c, -d], [b, a, -d, c], [c, d, a, -b], [d, -c, b, a]]
    return torch.stack([torch.stack(r, -1) for r in rows], -2)


def _right_quaternion(q: torch.Tensor) -> torch.Tensor:
    """Matrix of ``x -> x q`` on quaternions ``x`` in R^4, shape=[..., 4] -> [..., 4, 4]."""
    a, b, c, d = q.unbind(-1)
    rows = [[a, -b, -c, -d], [b, a, d, -c], [c, -d, a, b], [d, c, -b, a]]
    return torch.stack([torch.stack(r, -1) for r in rows], -2)

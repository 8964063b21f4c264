r"""Representations built from scalars, vectors and rank-2 tensors of one base space.

A :class:`Rep` is a direct sum ``a·1 ⊕ b·V ⊕ c·(V⊗V)`` over the base space ``V = R^s`` of a
:class:`~nets.soft.SymmetryGroup` (``s = group.size``). Features are laid out flat, in that order:
``a`` scalars, then ``b`` vectors of ``s`` entries, then ``c`` tensors of ``s·s`` entries
(row-major). A group element ``g`` (an ``s x s`` matrix) acts by ``1``, ``g`` and ``g ⊗ g``
(that is ``T ↦ g T gᵀ``); a Lie-algebra element ``X`` by ``0``, ``X`` and
``X ⊗ I + I ⊗ X``.
"""

from __future__ import annotations

import torch

__all__ = ["Rep", "base_rho", "base_drho", "KIND_NAMES"]

#: Block kinds: 0 scalar, 1 vector, 2 rank-2 tensor.
KIND_NAMES = ("1", "V", "T2")


def base_rho(kind: int, g: torch.Tensor) -> torch.Tensor:
    """Matrix of ``g`` on one block of the given kind, shape=[..., d, d]."""
    if kind == 0:
        return torch.ones(*g.shape[:-2], 1, 1, dtype=g.dtype, device=g.device)
    if kind == 1:
        return g
    if kind == 2:
        s = g.shape[-1]
        return (g[..., :, None, :, None] * g[..., None, :, None, :]).reshape(
            *g.shape[:-2], s * s, s * s)
    raise ValueError(f"expected a block kind in (0, 1, 2), got {kind!r}")


def base_drho(kind: int, X: torch.Tensor) -> torch.Tensor:
    """Matrix of the Lie-algebra element ``X`` on one block, shape=[..., d, d]."""
    if kind == 0:
        return torch.zeros(*X.shape[:-2], 1, 1, dtype=X.dtype, device=X.device)
    if kind == 1:
        return X
    if kind == 2:
        s = X.shape[-1]
        eye = torch.eye(s, dtype=X.dtype, device=X.device)
        kron = lambda a, b: (a[..., :, None, :, None] * b[..., None, :, None, :]).reshape(
            *torch.broadcast_shapes(a.shape[:-2], b.shape[:-2]), s * s, s * s)
        return kron(X, eye) + kron(eye, X)
    raise ValueError(f"expected a block kind in (0, 1, 2), got {kind!r}")


class Rep:
    r"""``scalars·1 ⊕ vectors·V ⊕ tensors·(V⊗V)`` over ``V = R^size``.

    Parameters
    ----------
    scalars, vectors, tensors : int
        Multiplicities (non-negative).
    size : int
        Dimension of the base space ``V`` (the group's matrix size).

    Examples
    --------
    >>> r = Rep(5, 5, 0)          # modified inertia input: 5 masses, 5 positions
    >>> r.dim, str(r)
    (20, '5·1 ⊕ 5·V')
    >>> g = torch.diag(torch.tensor([1.0, 1.0, -1.0]))[None]
    >>> r.act(g, torch.arange(20.0)[None])[0, -3:]
    tensor([ 17.,  18., -19.])
    """

    def __init__(self, scalars: int = 0, vectors: int = 0, tensors: int = 0, *, size: int = 3):
        mults = (scalars, vectors, tensors)
        for name, m in zip(("scalars", "vectors", "tensors"), mults):
            if isinstance(m, bool) or not isinstance(m, int) or m < 0:
                raise ValueError(f"expected a non-negative integer number of {name}, got {m!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"expected an integer base size >= 1, got {size!r}")
        if sum(mults) == 0:
            raise ValueError("expected a non-empty representation, got 0 scalars, 0 vectors "
                             "and 0 tensors")
        self.mults = mults
        self.size = size

    @property
    def scalars(self) -> int:
        return self.mults[0]

    @property
    def vectors(self) -> int:
        return self.mults[1]

    @property
    def tensors(self) -> int:
        return self.mults[2]

    def block_dim(self, kind: int) -> int:
        return self.size ** kind

    @property
    def dim(self) -> int:
        """Length of the flat feature vector."""
        return sum(m * self.block_dim(k) for k, m in enumerate(self.mults))

    @property
    def blocks(self) -> tuple[tuple[int, int, int, int], ...]:
        """``(kind, multiplicity, block dim, offset)`` for each non-empty block, in layout order."""
        out, off = [], 0
        for k, m in enumerate(self.mults):
            d = self.block_dim(k)
            if m:
                out.append((k, m, d, off))
            off += m * d
        return tuple(out)

    def split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Scalars ``[..., a]``, vectors ``[..., b, s]``, tensors ``[..., c, s, s]``."""
        self._check_features(x)
        a, b, c = self.mults
        s = self.size
        xs, xv, xt = torch.split(x, [a, b * s, c * s * s], -1)
        return xs, xv.reshape(*x.shape[:-1], b, s), xt.reshape(*x.shape[:-1], c, s, s)

    def join(self, xs: torch.Tensor, xv: torch.Tensor, xt: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`split`."""
        return torch.cat([xs, xv.flatten(-2), xt.flatten(-3)], -1)

    def _check_features(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected features as a torch.Tensor, got {type(x).__name__}")
        if x.dim() < 1 or x.shape[-1] != self.dim:
            raise ValueError(f"expected features of shape [..., {self.dim}] for {self}, got "
                             f"{tuple(x.shape)}")

    def _check_element(self, g):
        if not isinstance(g, torch.Tensor) or g.dim() < 2 or g.shape[-2:] != (self.size,) * 2:
            got = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
            raise ValueError(f"expected group elements of shape [..., {self.size}, {self.size}] "
                             f"acting on {self}, got {got}")

    def act(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``ρ(g) x``: features shape=[..., dim], elements shape=[..., s, s] (batch broadcasts)."""
        self._check_element(g)
        xs, xv, xt = self.split(x)
        g = g.to(x.dtype)
        gv = g[..., None, :, :]
        yv = (gv @ xv[..., None])[..., 0]
        yt = gv @ xt @ gv.mT
        batch = torch.broadcast_shapes(g.shape[:-2], x.shape[:-1])
        return self.join(xs.expand(*batch, xs.shape[-1]), yv, yt)

    def _dense(self, blocks_fn, M: torch.Tensor) -> torch.Tensor:
        mats = []
        for k, m, _, _ in self.blocks:
            mats += [blocks_fn(k, M)] * m
        out = torch.zeros(*M.shape[:-2], self.dim, self.dim, dtype=M.dtype, device=M.device)
        off = 0
        for B in mats:
            d = B.shape[-1]
            out[..., off:off + d, off:off + d] = B
            off += d
        return out

    def rho(self, g: torch.Tensor) -> torch.Tensor:
        """Dense matrix of ``g``, shape=[..., dim, dim] (for tests and small reps)."""
        self._check_element(g)
        return self._dense(base_rho, g)

    def drho(self, X: torch.Tensor) -> torch.Tensor:
        """Dense matrix of the algebra element ``X``, shape=[..., dim, dim]."""
        self._check_element(X)
        return self._dense(base_drho, X)

    def __eq__(self, other) -> bool:
        return isinstance(other, Rep) and (self.mults, self.size) == (other.mults, other.size)

    def __hash__(self) -> int:
        return hash((self.mults, self.size))

    def __str__(self) -> str:
        parts = [f"{m}·{KIND_NAMES[k]}" for k, m in enumerate(self.mults) if m]
        return " ⊕ ".join(parts)

    def __repr__(self) -> str:
        a, b, c = self.mults
        return f"Rep({a}, {b}, {c}, size={self.size})"

"""Frames for point clouds: orthogonal (PCA) frames for O(d), SO(d), E(d), SE(d) and affine
(whitening) frames for GL+(d) and R^d x| GL+(d)."""

from __future__ import annotations

import itertools

import torch

from liegeom.linalg import spd_invsqrt, spd_sqrt

from ._core import FrameSet, check_mode, report
from ._robust import robust_frame

__all__ = ["OrthogonalFrame", "AffineFrame", "O", "SO", "E", "SE", "GLPlus", "AffineGLPlus"]


def _sign_table(d: int, special: bool, dtype, device) -> torch.Tensor:
    """All sign vectors in {+1,-1}^d, or those with product +1 when ``special``."""
    signs = torch.tensor(list(itertools.product((1.0, -1.0), repeat=d)), dtype=dtype,
                         device=device)
    return signs[signs.prod(-1) > 0] if special else signs


def _moment(p: torch.Tensor, k: int) -> torch.Tensor:
    """``M_k = (1/n) sum_i |p_i|^{2k} p_i p_i^T`` for a batch ``p`` [B, n, d]."""
    w = (p * p).sum(-1, keepdim=True).pow(k)
    return (p * w).transpose(-1, -2) @ p / p.shape[-2]


def _check_points(x: torch.Tensor, d: int) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a point cloud tensor [*batch, n, {d}], got {type(x).__name__}")
    if x.dim() < 2 or x.shape[-1] != d:
        raise ValueError(f"expected a point cloud of shape [*batch, n, {d}], got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"expected a floating point cloud, got dtype {x.dtype}")


class _PointFrame:
    """Shared machinery: orthogonal frames of the rows of ``p`` built from moment ``k0`` first."""

    special: bool
    translations: bool

    def __init__(self, d: int, *, rtol: float | None, max_frame_size: int, n_null_samples: int,
                 on_degenerate: str, robust: bool, generator: torch.Generator | None):
        if not isinstance(d, int) or d < 1:
            raise ValueError(f"expected a dimension d >= 1, got {d!r}")
        if max_frame_size < 1 or n_null_samples < 1:
            raise ValueError(
                "expected max_frame_size >= 1 and n_null_samples >= 1, got "
                f"{max_frame_size} and {n_null_samples}"
            )
        self.d = d
        self.rtol = rtol
        self.max_frame_size = max_frame_size
        self.n_null_samples = n_null_samples
        self.on_degenerate = check_mode(on_degenerate)
        self.robust = robust
        self.generator = generator

    def _rtol(self, dtype) -> float:
        return self.rtol if self.rtol is not None else torch.finfo(dtype).eps ** (1 / 3)

    def _orthogonal(self, p: torch.Tensor, k0: int):
        """Frame elements of the centered clouds ``p`` [B, n, d] as (index, rot, sizes, exact)."""
        bsz, d = p.shape[0], self.d
        rtol = self._rtol(p.dtype)
        moment = _moment(p, k0)
        lam = torch.linalg.eigvalsh(moment.detach())
        scale = lam.abs().amax(-1, keepdim=True)
        gaps = lam[:, 1:] - lam[:, :-1]
        tied = (gaps <= rtol * scale).any(-1)
        null = (lam <= rtol * scale).sum(-1) >= 2
        slow = (tied | null) if self.robust else torch.zeros_like(tied)
        fast = (~slow).nonzero().squeeze(-1)
        # differentiate eigh only where the spectrum is simple (its gradient is 1/gap)
        vec = torch.linalg.eigh(moment[fast])[1]
        if self.special:  # fix the orientation, then keep the sign vectors with product +1
            det = torch.linalg.det(vec)
            vec = torch.cat([vec[..., :-1], vec[..., -1:] * torch.sign(det)[:, None, None]], -1)
        signs = _sign_table(d, self.special, p.dtype, p.device)
        rot = (vec.unsqueeze(1) * signs[None, :, None, :]).reshape(-1, d, d)
        index = fast.repeat_interleave(signs.shape[0])
        sizes = torch.full((bsz,), signs.shape[0], dtype=torch.long, device=p.device)
        exact = torch.ones(bsz, dtype=torch.bool, device=p.device)
        problems = []
        if not self.robust:  # the reference frame: detect what it gets wrong, change nothing
            for b in (tied | null).nonzero().squeeze(-1).tolist():
                exact[b] = False
                problems.append(f"batch index {b}: tied spectrum, reference frame (robust=False)")
        ks = [k0, k0 + 1, k0 + 2]
        pieces_r, pieces_i = [rot], [index]
        for b in slow.nonzero().squeeze(-1).tolist():
            r, ok, why = robust_frame(
                p[b].detach(), ks, special=self.special, rtol=rtol,
                max_size=self.max_frame_size, n_null_samples=self.n_null_samples,
                generator=self.generator,
            )
            pieces_r.append(r)
            pieces_i.append(torch.full((r.shape[0],), b, dtype=torch.long, device=p.device))
            sizes[b] = r.shape[0]
            if not ok:
                exact[b] = False
                problems.append(f"batch index {b}: {why}")
        if problems:
            more = "; ..." if len(problems) > 3 else ""
            msg = (f"{type(self).__name__}(d={d}): frame is not exact for {len(problems)} of "
                   f"{bsz} inputs ({'; '.join(problems[:3])}{more})")
            report(msg, self.on_degenerate)
        return torch.cat(pieces_i), torch.cat(pieces_r), sizes, exact

    @staticmethod
    def _weights(index, sizes, dtype):
        return 1.0 / sizes.to(dtype)[index]

    def canonicalize(self, frames: FrameSet, x, *vectors):
        """Apply :math:`g^{-1}`: points ``(x - t) A^{-T}``, vectors ``v A^{-T}``."""
        inv_t = frames.data["linear_inv"].transpose(-1, -2)
        shift = frames.data["shift"]
        xs = x.index_select(0, frames.index)
        shift = shift.reshape(shift.shape[0], *([1] * (xs.dim() - 2)), -1)
        out = [torch.einsum("m...i,mij->m...j", xs - shift, inv_t)]
        for v in vectors:
            if v.shape[-1] != self.d:
                raise ValueError(
                    f"expected vector inputs [*batch, ..., {self.d}], got {tuple(v.shape)}"
                )
            out.append(torch.einsum("m...i,mij->m...j", v.index_select(0, frames.index), inv_t))
        return tuple(out)

    def act(self, frames: FrameSet, y: torch.Tensor, *, translate: bool = True) -> torch.Tensor:
        """Apply :math:`g` to backbone outputs ``y`` [M, ..., d]: ``y A^T (+ t)``."""
        if y.shape[-1] != self.d:
            raise ValueError(f"expected equivariant outputs [..., {self.d}], got {tuple(y.shape)}")
        lin = frames.data["linear"].to(y.dtype)
        out = torch.einsum("m...j,mij->m...i", y, lin)
        if translate and self.translations:
            shift = frames.data["shift"].to(y.dtype)
            out = out + shift.reshape(shift.shape[0], *([1] * (out.dim() - 2)), -1)
        return out


class OrthogonalFrame(_PointFrame):
    r"""PCA frames of point clouds ``[B, n, d]`` for O(d), SO(d), E(d) (``translations``), SE(d).

    Generic inputs (distinct covariance eigenvalues) get the frame of Puny et al.: the eigenvector
    matrix :math:`V` times all sign patterns, :math:`2^d` elements for O(d) and the
    :math:`2^{d-1}` with :math:`\det = +1` for SO(d); with translations the centroid is the
    translation part. Degenerate inputs take the slow path of :mod:`nets.frames._robust`.

    Notes
    -----
    Guarantee. Eigenvalues closer than ``rtol * max|λ|`` are treated as tied (default
    ``rtol = eps**(1/3)``: 6e-6 in float64, 5e-3 in float32), so eigenvectors are only used
    where the gap is at least ``rtol * max|λ|`` and their rounding error stays below about
    ``eps / rtol`` (4e-11 in float64). The frame is then exactly equivariant (up to that
    rounding) for every input whose points span at least ``d - 1`` dimensions, tied spectra
    (regular polygons, octahedron, simplex) included, as long as the frame has at most
    ``max_frame_size`` elements. When the points span ``d - 2`` or fewer dimensions (collinear
    points in 3D), the directions orthogonal to them are sampled (``n_null_samples`` Haar
    rotations): invariant outputs of a backbone that sees only the points remain exact (the
    canonical points do not depend on those directions); equivariant outputs and further
    vector inputs are a Monte Carlo estimate of the average over the stabilizer. Such inputs and
    subsampled frames are flagged in ``FrameSet.exact`` and reported by a
    :class:`FrameDegeneracyWarning` (``on_degenerate="warn"``), an error (``"raise"``) or
    nothing (``"ignore"``). ``robust=False`` gives the reference frame (signs only), which is
    not equivariant at tied spectra; such inputs are still detected and reported.

    Gradients with respect to the input flow through the eigenvectors where the spectrum is
    simple; on the slow path the frame is treated as locally constant (finite gradients).

    Parameters
    ----------
    d : int
    special : bool
        SO(d) / SE(d): every frame element has det +1.
    translations : bool
        E(d) / SE(d): translate by the centroid.
    rtol, max_frame_size, n_null_samples, on_degenerate, robust, generator
        See Notes; ``generator`` drives the sampling in the inexact cases.
    """

    def __init__(self, d: int, *, special: bool = False, translations: bool = False,
                 rtol: float | None = None, max_frame_size: int = 2048, n_null_samples: int = 32,
                 on_degenerate: str = "warn", robust: bool = True,
                 generator: torch.Generator | None = None):
        super().__init__(d, rtol=rtol, max_frame_size=max_frame_size,
                         n_null_samples=n_null_samples, on_degenerate=on_degenerate,
                         robust=robust, generator=generator)
        self.special = special
        self.translations = translations

    def __repr__(self) -> str:
        name = ("S" if self.special else "") + ("E" if self.translations else "O")
        return f"{name}({self.d})"

    def frame(self, x: torch.Tensor, *vectors: torch.Tensor) -> FrameSet:
        """Frames of the clouds ``x`` [B, n, d] (further vector inputs do not enter)."""
        _check_points(x, self.d)
        c = x.mean(-2)
        index, rot, sizes, exact = self._orthogonal(x - c.unsqueeze(-2), 0)
        shift = c.index_select(0, index) if self.translations else torch.zeros_like(rot[:, :, 0])
        return FrameSet(index, self._weights(index, sizes, x.dtype), sizes, exact,
                        {"linear": rot, "linear_inv": rot.transpose(-1, -2), "shift": shift})


def _spd_sqrt_pair(c: torch.Tensor):
    """``(C^{1/2}, C^{-1/2})`` of covariance matrices (liegeom's SPD functions, whose gradients
    stay exact at repeated eigenvalues); a ValueError names the first singular one."""
    lam = torch.linalg.eigvalsh(c.detach())
    bad = lam[:, 0] <= torch.finfo(c.dtype).eps ** 0.5 * lam[:, -1].abs().clamp_min(
        torch.finfo(c.dtype).tiny)
    if bad.any():
        b = int(bad.nonzero()[0])
        raise ValueError(
            "affine frame needs points that span the space (n >= d + 1 in general position): "
            f"covariance eigenvalues {lam[b].tolist()} at batch index {b}"
        )
    return spd_sqrt(c), spd_invsqrt(c)


class AffineFrame(_PointFrame):
    r"""Affine frames for GL+(d) and, with ``translations``, the affine group R^d ⋊ GL+(d).

    Whitening :math:`y_i = C^{-1/2}(x_i - \bar x)` (covariance :math:`C`) turns an affine map
    :math:`x \mapsto Ax + t` into the rotation :math:`y \mapsto Qy`,
    :math:`Q = (ACA^T)^{-1/2}AC^{1/2} \in SO(d)` (the polar factor). An SO(d) frame of the
    whitened cloud, built from the fourth moment :math:`\frac1n\sum|y_i|^2 y_i y_i^T` (the
    covariance of :math:`y` is the identity) and refined as in :class:`OrthogonalFrame`, gives
    the frame elements :math:`g = (C^{1/2}R, \bar x)` with :math:`\det(C^{1/2}R) > 0`,
    whose polar factors (:func:`liegeom.decompositions.polar`) are exactly
    :math:`(C^{1/2}, R)`.
    Equivariance is exact for clouds that span R^d (a ValueError otherwise), with the same
    tie handling and guarantee as :class:`OrthogonalFrame`.
    """

    special = True

    def __init__(self, d: int, *, translations: bool = True, rtol: float | None = None,
                 max_frame_size: int = 2048, on_degenerate: str = "warn", robust: bool = True,
                 generator: torch.Generator | None = None):
        super().__init__(d, rtol=rtol, max_frame_size=max_frame_size, n_null_samples=1,
                         on_degenerate=on_degenerate, robust=robust, generator=generator)
        self.translations = translations

    def __repr__(self) -> str:
        return f"{'AffineGLPlus' if self.translations else 'GLPlus'}({self.d})"

    def frame(self, x: torch.Tensor, *vectors: torch.Tensor) -> FrameSet:
        """Frames of the clouds ``x`` [B, n, d] (further vector inputs do not enter)."""
        _check_points(x, self.d)
        c = x.mean(-2)
        p = x - c.unsqueeze(-2)
        sqrt, inv_sqrt = _spd_sqrt_pair(p.transpose(-1, -2) @ p / p.shape[-2])
        index, rot, sizes, exact = self._orthogonal(p @ inv_sqrt, 1)
        lin = sqrt.index_select(0, index) @ rot
        lin_inv = rot.transpose(-1, -2) @ inv_sqrt.index_select(0, index)
        shift = c.index_select(0, index) if self.translations else torch.zeros_like(rot[:, :, 0])
        return FrameSet(index, self._weights(index, sizes, x.dtype), sizes, exact,
                        {"linear": lin, "linear_inv": lin_inv, "shift": shift})


def O(d: int, **kw) -> OrthogonalFrame:  # noqa: E743 - the group's name
    """Frames for the orthogonal group O(d)."""
    return OrthogonalFrame(d, special=False, translations=False, **kw)


def SO(d: int, **kw) -> OrthogonalFrame:
    """Frames for the rotation group SO(d)."""
    return OrthogonalFrame(d, special=True, translations=False, **kw)


def E(d: int, **kw) -> OrthogonalFrame:
    """Frames for the Euclidean group E(d) = R^d ⋊ O(d)."""
    return OrthogonalFrame(d, special=False, translations=True, **kw)


def SE(d: int, **kw) -> OrthogonalFrame:
    """Frames for the special Euclidean group SE(d) = R^d ⋊ SO(d)."""
    return OrthogonalFrame(d, special=True, translations=True, **kw)


def GLPlus(d: int, **kw) -> AffineFrame:
    """Frames for GL+(d) (linear maps with det > 0)."""
    return AffineFrame(d, translations=False, **kw)


def AffineGLPlus(d: int, **kw) -> AffineFrame:
    """Frames for the affine group R^d ⋊ GL+(d)."""
    return AffineFrame(d, translations=True, **kw)

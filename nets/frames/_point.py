"""Frames for point clouds: orthogonal (PCA) frames for liegeom's SO(d), with reflections
(O(d)) and translations (SE(d), E(d)), and affine (whitening) frames for GL+(d) and
R^d ⋊ GL+(d)."""

from __future__ import annotations

import itertools

import torch

from liegeom import SO, Affine, GLPlus
from liegeom.linalg import spd_invsqrt, spd_sqrt

from ._core import FrameSet, _shape, check_mode
from ._slow import register, slow_frames

__all__ = ["OrthogonalFrame", "AffineFrame"]


def _sign_table(d: int, special: bool, dtype, device) -> torch.Tensor:
    """All sign vectors in {+1,-1}^d, or those with product +1 when ``special``."""
    signs = torch.tensor(list(itertools.product((1.0, -1.0), repeat=d)), dtype=dtype,
                         device=device)
    return signs[signs.prod(-1) > 0] if special else signs


def _moment(p: torch.Tensor, k: int, count) -> torch.Tensor:
    """``M_k = (1/count) sum_i |p_i|^{2k} p_i p_i^T`` for a batch ``p`` [B, n, d] whose padded
    rows are zero; ``count`` is the number of real points (an int or a [B] tensor)."""
    w = (p * p).sum(-1, keepdim=True).pow(k)
    m = (p * w).transpose(-1, -2) @ p
    return m / (count if isinstance(count, int) else count.reshape(-1, 1, 1))


def _linear_part(group, allowed: tuple, what: str):
    """``(H, translations)`` from a liegeom group ``H`` or ``Affine(H)``, ``H`` of a type in
    ``allowed`` (exactly: liegeom's SL(n) is a subclass of GLPlus(n))."""
    inner, affine = (group.H, True) if isinstance(group, Affine) else (group, False)
    if type(inner) not in allowed:
        names = " or ".join(f"liegeom.{t.__name__}(d)" for t in allowed)
        raise TypeError(f"expected {what} of {names} or liegeom.Affine of one, got {group!r}")
    return inner, affine


class _PointFrame:
    """Shared machinery: orthogonal frames of the rows of ``p`` built from moment ``k0`` first.

    The generic path (a simple spectrum) is plain tensor code with static shapes; tied inputs
    are handed to :func:`~nets.frames._slow.slow_frames`, which also checks the input values.
    """

    special: bool
    translations: bool
    k0: int

    def __init__(self, d: int, *, rtol: float | None, max_frame_size: int, n_null_samples: int,
                 on_degenerate: str, robust: bool, generator: torch.Generator | None):
        if max_frame_size < 1 or n_null_samples < 1:
            raise ValueError(
                "expected max_frame_size >= 1 and n_null_samples >= 1, got "
                f"{max_frame_size} and {n_null_samples}"
            )
        if rtol is not None and not 0 < rtol < 1:
            raise ValueError(f"expected 0 < rtol < 1 or None, got {rtol!r}")
        self.d = d
        self.rtol = rtol
        self.max_frame_size = max_frame_size
        self.n_null_samples = n_null_samples
        self.on_degenerate = check_mode(on_degenerate)
        self.robust = robust
        self.generator = generator
        self.key = register(self)

    def __setstate__(self, state):  # copies and unpickled frames get their own registry key
        self.__dict__.update(state)
        self.key = register(self)

    def tolerance(self, dtype) -> float:
        """Relative eigenvalue gap below which a spectrum counts as tied (``rtol``)."""
        return self.rtol if self.rtol is not None else torch.finfo(dtype).eps ** (1 / 3)

    # -- input checks (shapes here; values in the slow-path operator) --------------------------
    def _check_cloud(self, x, name: str = "x") -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected {name}, a point cloud tensor [*batch, n, {self.d}], got "
                            f"{type(x).__name__}")
        if x.dim() < 2 or x.shape[-1] != self.d:
            raise ValueError(f"{self!r}: expected a point cloud {name} of shape [*batch, n, "
                             f"{self.d}], got {_shape(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"{self!r}: expected a floating-point cloud {name}, got dtype "
                            f"{x.dtype}")

    def check_inputs(self, x, vectors: dict, scalars: dict) -> None:
        """Shapes and dtypes that :class:`~nets.frames.FrameAveraging` needs for this frame."""
        self._check_cloud(x)
        for key, v in vectors.items():
            if v.shape[-1] != self.d or v.dim() < x.dim():
                raise ValueError(f"{self!r}: expected vectors[{key!r}] of shape [*batch, n, ..., "
                                 f"{self.d}], got {_shape(v.shape)}")
            if v.dtype != x.dtype:
                raise TypeError(f"{self!r}: expected vectors[{key!r}] of dtype {x.dtype} like "
                                f"x, got {v.dtype}")

    # -- the frame ------------------------------------------------------------------------------
    def _centered(self, x, mask):
        """Masked clouds, real-point counts, centroids and centered clouds (padding zero)."""
        if mask is None:
            count = x.shape[-2]
            c = x.mean(-2)
            return x, count, c, x - c.unsqueeze(-2)
        m = mask.unsqueeze(-1)
        zero = torch.zeros((), dtype=x.dtype, device=x.device)
        x = torch.where(m, x, zero)
        count = mask.sum(-1).to(x.dtype)
        c = x.sum(-2) / count.clamp_min(1).unsqueeze(-1)
        return x, count, c, torch.where(m, x - c.unsqueeze(-2), zero)

    def _orthogonal(self, x, p, mask, count, singular=None):
        """Frame elements of the centered clouds ``p`` [B, n, d]:
        (index [M], rot [M, d, d], weight [M], sizes [B], exact [B])."""
        bsz, n, d = p.shape
        dtype, dev = p.dtype, p.device
        rtol = self.tolerance(dtype)
        moment = _moment(p, self.k0, count)
        finite = torch.isfinite(moment).flatten(1).all(-1)
        eye = torch.eye(d, dtype=dtype, device=dev)
        lam = torch.linalg.eigvalsh(torch.where(finite[:, None, None], moment.detach(), eye))
        scale = lam.abs().amax(-1, keepdim=True)
        tied = ((lam[:, 1:] - lam[:, :-1]) <= rtol * scale).any(-1)
        tied = tied | ((lam <= rtol * scale).sum(-1) >= 2)
        slow = tied if self.robust else torch.zeros_like(tied)
        # eigh (and its gradient, 1/gap) only where the spectrum is simple; a fixed matrix with
        # a simple spectrum stands in elsewhere, so the shapes stay static
        stand_in = torch.diag(torch.arange(1, d + 1, dtype=dtype, device=dev))
        vec = torch.linalg.eigh(torch.where((slow | ~finite)[:, None, None], stand_in, moment))[1]
        if self.special:  # fix the orientation, then keep the sign vectors with product +1
            det = torch.linalg.det(vec)
            vec = torch.cat([vec[..., :-1], vec[..., -1:] * torch.sign(det)[:, None, None]], -1)
        signs = _sign_table(d, self.special, dtype, dev)
        s = signs.shape[0]
        rot = (vec.unsqueeze(1) * signs[None, :, None, :]).reshape(bsz * s, d, d)
        index = torch.arange(bsz, device=dev).repeat_interleave(s)
        full = torch.ones(bsz, n, dtype=torch.bool, device=dev) if mask is None else mask
        if singular is None:
            singular = torch.zeros(bsz, dtype=torch.bool, device=dev)
        index_s, rot_s, exact = slow_frames(self, x, p, full, tied, singular)
        count_s = torch.zeros(bsz, dtype=torch.long, device=dev).index_add(
            0, index_s, torch.ones_like(index_s))
        sizes = torch.where(slow, count_s, s)
        weight = torch.cat([((~slow).to(dtype) / s).index_select(0, index),
                            1.0 / count_s.to(dtype).clamp_min(1).index_select(0, index_s)])
        return (torch.cat([index, index_s]), torch.cat([rot, rot_s.to(dtype)]), weight, sizes,
                exact)

    def canonicalize(self, frames: FrameSet, x, *, vectors=None, scalars=None):
        """Apply :math:`g^{-1}` for every frame element: points ``(x - t) A^{-T}``, vectors
        ``v A^{-T}``, scalars repeated; padded points are zero.

        Returns
        -------
        tuple
            ``(points [M, n, d], {key: vectors [M, n, ..., d]}, {key: scalars [M, n, ...]})``.
        """
        inv_t = frames.data["linear_inv"].transpose(-1, -2)
        shift = frames.data["shift"]
        idx = frames.index
        xs = x.index_select(0, idx)
        shift = shift.reshape(shift.shape[0], *([1] * (xs.dim() - 2)), -1)
        mask = None if frames.mask is None else frames.mask.index_select(0, idx)

        def zero_pad(t):
            if mask is None:
                return t
            m = mask.reshape(*mask.shape, *([1] * (t.dim() - 2)))
            return torch.where(m, t, torch.zeros((), dtype=t.dtype, device=t.device))

        points = zero_pad(torch.einsum("m...i,mij->m...j", xs - shift, inv_t))
        vecs = {k: zero_pad(torch.einsum("m...i,mij->m...j", v.index_select(0, idx), inv_t))
                for k, v in (vectors or {}).items()}
        scal = {k: v.index_select(0, idx) for k, v in (scalars or {}).items()}
        return points, vecs, scal

    def act(self, frames: FrameSet, y: torch.Tensor, *, translate: bool = True) -> torch.Tensor:
        """Apply :math:`g` to backbone outputs ``y`` [M, ..., d]: ``y A^T (+ t)``."""
        if y.shape[-1] != self.d:
            raise ValueError(f"{self!r}: expected equivariant outputs [..., {self.d}], got "
                             f"{_shape(y.shape)}")
        lin = frames.data["linear"].to(y.dtype)
        out = torch.einsum("m...j,mij->m...i", y, lin)
        if translate and self.translations:
            shift = frames.data["shift"].to(y.dtype)
            out = out + shift.reshape(shift.shape[0], *([1] * (out.dim() - 2)), -1)
        return out


_NOTES = """
    Guarantee. Eigenvalues closer than ``rtol * max|λ|`` are treated as tied (default
    ``rtol = eps**(1/3)``: 6e-6 in float64, 5e-3 in float32), so eigenvectors are only used
    where the gap is at least ``rtol * max|λ|`` and their rounding error stays below about
    ``eps / rtol`` (4e-11 in float64). The frame is then exactly equivariant (up to that
    rounding) for every input whose points span at least ``d - 1`` dimensions, tied spectra
    (regular polytopes, clusters of points on the orbit of a finite group) included, as long as
    the frame has at most ``max_frame_size`` elements. Every decision of the slow path (ties,
    merging of near-duplicate candidates) depends on rotation-invariant quantities only
    (eigenvalues, norms, Euclidean distances), and merged candidates are replaced by their mean,
    so the frame also does not depend on the order of the points.
    When the points span ``d - 2`` or fewer dimensions (collinear points in 3D), the directions
    orthogonal to them are sampled (``n_null_samples`` Haar rotations): invariant outputs of a
    backbone that sees only the points remain exact; equivariant outputs and vector inputs are
    a Monte Carlo estimate of the average over the stabilizer. Such inputs and subsampled
    frames are flagged in ``FrameSet.exact`` and reported by a
    :class:`~nets.frames.FrameDegeneracyWarning` (``on_degenerate="warn"``), an error
    (``"raise"``) or nothing (``"ignore"``). ``robust=False`` gives the reference frame (signs
    only), which is not equivariant at tied spectra; such inputs are still detected and
    reported.

    Bad values are errors naming the batch index: a non-finite coordinate, a cloud whose mask
    has no real point.
"""


class OrthogonalFrame(_PointFrame):
    r"""PCA frames of point clouds ``[B, n, d]`` for a liegeom rotation group.

    ``OrthogonalFrame(liegeom.SO(d))`` gives frames in SO(d); ``reflections=True`` makes them
    frames of O(d) (= SO(d) and its reflections); ``translations=True``, or the group
    ``liegeom.Affine(liegeom.SO(d))``, adds the centroid as the translation part: SE(d), or
    E(d) with reflections.

    Generic inputs (distinct covariance eigenvalues) get the frame of Puny et al.: the
    eigenvector matrix :math:`V` times all sign patterns, :math:`2^d` elements with reflections
    and the :math:`2^{d-1}` with :math:`\det = +1` without. Degenerate inputs take the slow
    path of :mod:`nets.frames._robust`.

    Parameters
    ----------
    group : liegeom.SO or liegeom.Affine(liegeom.SO)
        The rotation group SO(d) (or its affine group R^d ⋊ SO(d)).
    reflections : bool
        Frames in O(d) instead of SO(d) (liegeom has no O(d) group).
    translations : bool, optional
        Translate by the centroid; default: True for ``Affine(SO(d))``, else False.
    rtol, max_frame_size, n_null_samples, on_degenerate, robust, generator
        See Notes; ``generator`` drives the sampling in the inexact cases.

    Notes
    -----""" + _NOTES + r"""
    Gradients with respect to the input flow through the eigenvectors where the spectrum is
    simple; on the slow path the frame is treated as locally constant (finite gradients).

    Examples
    --------
    >>> import torch, liegeom
    >>> e3 = OrthogonalFrame(liegeom.SO(3), reflections=True, translations=True)
    >>> e3
    OrthogonalFrame(SO(3), reflections=True, translations=True)
    >>> frames = e3.frame(torch.randn(2, 5, 3, dtype=torch.float64))
    >>> frames.sizes.tolist(), frames.data["linear"].shape
    ([8, 8], torch.Size([16, 3, 3]))
    """

    k0 = 0

    def __init__(self, group, *, reflections: bool = False, translations: bool | None = None,
                 rtol: float | None = None, max_frame_size: int = 2048, n_null_samples: int = 32,
                 on_degenerate: str = "warn", robust: bool = True,
                 generator: torch.Generator | None = None):
        inner, affine = _linear_part(group, (SO,), "an orthogonal frame's group")
        if translations is None:
            translations = affine
        elif affine and not translations:
            raise ValueError(f"expected translations=True (or None) for {group!r}, got False")
        super().__init__(inner.n, rtol=rtol, max_frame_size=max_frame_size,
                         n_null_samples=n_null_samples, on_degenerate=on_degenerate,
                         robust=robust, generator=generator)
        self.group = inner
        self.special = not reflections
        self.translations = bool(translations)

    @property
    def name(self) -> str:
        """The group the frame elements lie in: ``O(d)``, ``SO(d)``, ``E(d)`` or ``SE(d)``."""
        return ("S" if self.special else "") + ("E" if self.translations else "O") + f"({self.d})"

    def __repr__(self) -> str:
        return (f"OrthogonalFrame({self.group!r}, reflections={not self.special}, "
                f"translations={self.translations})")

    def frame(self, x: torch.Tensor, *, mask: torch.Tensor | None = None,
              scalars=None) -> FrameSet:
        """Frames of the clouds ``x`` [B, n, d], real points where ``mask`` [B, n] is True
        (``scalars`` do not enter)."""
        self._check_cloud(x)
        if x.dim() != 3:
            raise ValueError(f"{self!r}: expected a flat batch of clouds [B, n, {self.d}] "
                             f"(FrameAveraging flattens any batch shape), got {_shape(x.shape)}")
        xm, count, c, p = self._centered(x, mask)
        index, rot, weight, sizes, exact = self._orthogonal(xm, p, mask, count)
        shift = c.index_select(0, index) if self.translations else torch.zeros_like(rot[:, :, 0])
        return FrameSet(index, weight, sizes, exact,
                        {"linear": rot, "linear_inv": rot.transpose(-1, -2), "shift": shift},
                        mask)


class AffineFrame(_PointFrame):
    r"""Affine frames for liegeom's GL+(d) and, with translations, R^d ⋊ GL+(d).

    Whitening :math:`y_i = C^{-1/2}(x_i - \bar x)` (covariance :math:`C`) turns an affine map
    :math:`x \mapsto Ax + t` into the rotation :math:`y \mapsto Qy`,
    :math:`Q = (ACA^T)^{-1/2}AC^{1/2} \in SO(d)` (the polar factor). An SO(d) frame of the
    whitened cloud, built from the fourth moment :math:`\frac1n\sum|y_i|^2 y_i y_i^T` (the
    covariance of :math:`y` is the identity) and refined as in :class:`OrthogonalFrame`, gives
    the frame elements :math:`g = (C^{1/2}R, \bar x)` with :math:`\det(C^{1/2}R) > 0`,
    whose polar factors (:func:`liegeom.decompositions.polar`) are exactly
    :math:`(C^{1/2}, R)`. Equivariance is exact for clouds that span R^d (a ValueError naming
    the batch index otherwise), with the same tie handling and guarantee as
    :class:`OrthogonalFrame`.

    Parameters
    ----------
    group : liegeom.GLPlus or liegeom.Affine(liegeom.GLPlus)
    translations : bool, optional
        Translate by the centroid; default: True for ``Affine(GLPlus(d))``, else False.
    rtol, max_frame_size, on_degenerate, robust, generator
        As for :class:`OrthogonalFrame`.

    Examples
    --------
    >>> import torch, liegeom
    >>> aff = AffineFrame(liegeom.Affine(liegeom.GLPlus(2)))
    >>> aff
    AffineFrame(GL+(2), translations=True)
    >>> aff.frame(torch.randn(3, 6, 2, dtype=torch.float64)).sizes.tolist()
    [2, 2, 2]
    """

    special = True
    k0 = 1

    def __init__(self, group, *, translations: bool | None = None, rtol: float | None = None,
                 max_frame_size: int = 2048, on_degenerate: str = "warn", robust: bool = True,
                 generator: torch.Generator | None = None):
        inner, affine = _linear_part(group, (GLPlus,), "an affine frame's group")
        if translations is None:
            translations = affine
        elif affine and not translations:
            raise ValueError(f"expected translations=True (or None) for {group!r}, got False")
        super().__init__(inner.n, rtol=rtol, max_frame_size=max_frame_size, n_null_samples=1,
                         on_degenerate=on_degenerate, robust=robust, generator=generator)
        self.group = inner
        self.translations = bool(translations)

    @property
    def name(self) -> str:
        """``GL+(d)`` or ``R^d ⋊ GL+(d)``."""
        return f"R^{self.d} ⋊ GL+({self.d})" if self.translations else f"GL+({self.d})"

    def __repr__(self) -> str:
        return f"AffineFrame({self.group.name}, translations={self.translations})"

    def frame(self, x: torch.Tensor, *, mask: torch.Tensor | None = None,
              scalars=None) -> FrameSet:
        """Frames of the clouds ``x`` [B, n, d], real points where ``mask`` [B, n] is True."""
        self._check_cloud(x)
        if x.dim() != 3:
            raise ValueError(f"{self!r}: expected a flat batch of clouds [B, n, {self.d}], got "
                             f"{_shape(x.shape)}")
        xm, count, c, p = self._centered(x, mask)
        cov = _moment(p, 0, count)
        ok = torch.isfinite(cov).flatten(1).all(-1)
        eye = torch.eye(self.d, dtype=x.dtype, device=x.device)
        lam = torch.linalg.eigvalsh(torch.where(ok[:, None, None], cov.detach(), eye))
        eps = torch.finfo(x.dtype).eps
        singular = ok & (lam[:, 0] <= eps ** 0.5 * lam[:, -1].abs().clamp_min(
            torch.finfo(x.dtype).tiny))
        cov = torch.where((ok & ~singular)[:, None, None], cov, eye)
        sqrt, inv_sqrt = spd_sqrt(cov), spd_invsqrt(cov)
        index, rot, weight, sizes, exact = self._orthogonal(xm, p @ inv_sqrt, mask, count,
                                                            singular)
        lin = sqrt.index_select(0, index) @ rot
        lin_inv = rot.transpose(-1, -2) @ inv_sqrt.index_select(0, index)
        shift = c.index_select(0, index) if self.translations else torch.zeros_like(rot[:, :, 0])
        return FrameSet(index, weight, sizes, exact,
                        {"linear": lin, "linear_inv": lin_inv, "shift": shift}, mask)


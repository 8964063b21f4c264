r"""Frames of one point cloud when the spectrum is degenerate (slow path, one sample at a time).

The space is split into blocks that are defined equivariantly: eigenspaces of the primary moment
matrix, refined inside each tied eigenspace by the eigenspaces of higher moments
:math:`M_k = \frac1n\sum_i |p_i|^{2k} p_i p_i^T` restricted to it. A one-dimensional block
contributes its two unit vectors. A block still tied after every moment is spanned by the points'
projections, and contributes every orthonormal basis that Gram-Schmidt produces from the projected
points when each next point is one of largest residual norm (all ties kept): a finite set that
rotates with the input, so the frame stays exact (for a regular octahedron it is the 48 elements
of its symmetry group). A block in the null space of the points (rank deficiency of two or more,
e.g. collinear points in 3D) has no finite equivariant frame: it gets Haar-random orthonormal
bases and the result is marked inexact.
"""

from __future__ import annotations

import itertools

import torch

__all__ = ["robust_frame", "clusters", "haar_orthogonal", "unique_directions", "unique_orthogonal"]


def clusters(values: list[float], rtol: float, scale: float) -> list[list[int]]:
    """Group ascending ``values`` whose consecutive gaps are at most ``rtol * scale``."""
    groups = [[0]]
    for k in range(1, len(values)):
        if values[k] - values[k - 1] <= rtol * scale:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def haar_orthogonal(m: int, count: int, *, dtype, device, generator=None) -> torch.Tensor:
    """``count`` Haar-distributed ``m x m`` orthogonal matrices (QR of a Gaussian, signs fixed)."""
    g = torch.randn(count, m, m, dtype=dtype, generator=generator).to(device)
    q, r = torch.linalg.qr(g)
    return q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)


def _moment(p: torch.Tensor, u: torch.Tensor, k: int) -> torch.Tensor:
    q = p @ u
    w = (p * p).sum(-1).pow(k).unsqueeze(-1)
    return (q * w).transpose(0, 1) @ q / p.shape[0]


def _blocks(p, u, ks, rtol, top):
    """Split span(u) into ('line' | 'gs' | 'null', basis) blocks, in an equivariant order."""
    m = u.shape[1]
    if m == 1:
        return [("line", u)]
    if not ks:
        return [("gs", u)]
    lam, w = torch.linalg.eigh(_moment(p, u, ks[0]))
    v = u @ w
    lam_l = lam.tolist()
    scale = max(abs(lam_l[-1]), abs(lam_l[0]))
    out = []
    for g in clusters(lam_l, rtol, scale):
        ub = v[:, g]
        if top and len(g) > 1 and max(lam_l[i] for i in g) <= rtol * scale:
            out.append(("null", ub))
        else:
            out += _blocks(p, ub, ks[1:], rtol, False)
    return out


def _merge(rows: torch.Tensor, tol: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Merge near-duplicate rows of ``rows`` [K, D]: the connected components of the graph
    "Euclidean distance <= tol", each replaced by the mean of its rows; also returns the
    component sizes [C]. Euclidean distances do not change when every row is rotated (nor does
    the component structure when the rows are permuted), so the merged set rotates with the
    input and does not depend on the order of the points: a max-abs criterion, used before,
    made the frame size depend on the orientation (issue 33)."""
    k = rows.shape[0]
    if k <= 1:
        return rows, torch.ones(k, dtype=torch.long)
    close = torch.cdist(rows, rows, compute_mode="donot_use_mm_for_euclid_dist") <= tol
    if int(close.sum()) == k:  # nothing to merge (the common case)
        return rows, torch.ones(k, dtype=torch.long)
    # connected components: every row takes the smallest label among its neighbours until
    # nothing changes (at most k rounds on a k x k matrix; k is small)
    labels = torch.arange(k, device=rows.device)
    while True:
        new = torch.where(close, labels.unsqueeze(0), k).amin(-1)
        if torch.equal(new, labels):
            break
        labels = new
    labels = torch.unique(labels, return_inverse=True)[1]
    count = int(labels.max()) + 1
    sums = torch.zeros(count, rows.shape[1], dtype=rows.dtype, device=rows.device)
    sums = sums.index_add(0, labels, rows)
    sizes = torch.bincount(labels, minlength=count)
    return sums / sizes.unsqueeze(-1).to(rows.dtype), sizes.cpu()


def unique_directions(vectors: torch.Tensor, tol: float) -> torch.Tensor:
    """Unit rows of ``vectors`` [K, m], near-duplicates (distance <= tol) merged into their
    normalized mean (see :func:`_merge`)."""
    merged, _ = _merge(vectors, tol)
    return merged / merged.norm(dim=-1, keepdim=True)


def unique_orthogonal(mats: torch.Tensor, tol: float) -> torch.Tensor:
    """Orthogonal matrices ``mats`` [K, d, d], near-duplicates (Frobenius distance <= tol)
    merged into the orthogonal polar factor of their mean, which commutes with rotating every
    matrix from the left."""
    d = mats.shape[-1]
    merged, sizes = _merge(mats.reshape(mats.shape[0], -1), tol)
    merged = merged.reshape(-1, d, d)
    several = (sizes > 1).nonzero().squeeze(-1).to(merged.device)
    if several.numel():
        u, _, vh = torch.linalg.svd(merged[several])
        merged = merged.index_copy(0, several, u @ vh)
    return merged


def _gram_schmidt_bases(q: torch.Tensor, rtol: float, limit: int) -> tuple[list, bool]:
    """Orthonormal bases of R^m from the points ``q`` [n, m] (see module docstring)."""
    m = q.shape[1]
    scale = float(q.norm(dim=1).max())
    results: list[torch.Tensor] = []
    complete = True

    def grow(basis: list[torch.Tensor]):
        nonlocal complete
        if len(results) >= limit:
            complete = False
            return
        if len(basis) == m:
            results.append(torch.stack(basis, dim=1))
            return
        r = q
        if basis:
            e = torch.stack(basis, dim=1)
            r = q - (q @ e) @ e.T
        nr = r.norm(dim=1)
        top = float(nr.max())
        if top <= rtol * scale:  # points do not span the block: cannot happen outside null blocks
            raise RuntimeError("Gram-Schmidt frame: the points do not span their block")
        cand = nr >= top * (1 - rtol)
        for e in unique_directions(r[cand] / nr[cand].unsqueeze(-1), tol=rtol ** 0.5):
            grow(basis + [e])

    grow([])
    return results, complete


def robust_frame(p, ks, *, special, rtol, max_size, n_null_samples, generator=None):
    """Orthogonal frame of the centered cloud ``p`` [n, d] by blocks (see module docstring).

    Returns
    -------
    rot : torch.Tensor, shape=[K, d, d]
        Frame elements (columns ordered by block). With ``special`` an element of det -1 has
        one column negated: the last column of a null block if there is one (so the canonical
        points do not change), else the last column; either choice commutes with rotations.
    exact : bool
        False when a null block was sampled or the frame had to be subsampled.
    reason : str
        Why the frame is inexact ('' when exact).
    """
    d = p.shape[1]
    eye = torch.eye(d, dtype=p.dtype, device=p.device)
    choices, exact, reasons = [], True, []
    flip_col, col = d - 1, 0
    for kind, u in _blocks(p, eye, ks, rtol, True):
        col += u.shape[1]
        if kind == "null":  # orientation is fixed where the canonical points do not look
            flip_col = col - 1
        if kind == "line":
            choices.append([u, -u])
        elif kind == "gs":
            bases, complete = _gram_schmidt_bases(p @ u, rtol, max_size)
            if not complete:
                exact, reasons = False, reasons + [f"Gram-Schmidt frame truncated at {max_size}"]
            choices.append([u @ b for b in bases])
        else:
            qs = haar_orthogonal(u.shape[1], n_null_samples, dtype=p.dtype, device=p.device,
                                 generator=generator)
            exact = False
            reasons.append(
                f"points span no direction of a {u.shape[1]}-dimensional subspace; "
                f"{n_null_samples} Haar samples of its rotations"
            )
            choices.append([u @ qq for qq in qs])
    total = 1
    for c in choices:
        total *= len(c)
    if total <= max_size:
        combos = list(itertools.product(*[range(len(c)) for c in choices]))
    else:
        exact = False
        reasons.append(f"frame of {total} elements subsampled to {max_size}")
        idx = [torch.randint(len(c), (max_size,), generator=generator).tolist() for c in choices]
        combos = list(zip(*idx))
    rot = torch.stack([torch.cat([c[i] for c, i in zip(choices, combo)], dim=1)
                       for combo in combos])
    if special:
        flip = torch.where(torch.linalg.det(rot) < 0, -1.0, 1.0).to(rot.dtype)
        sign = torch.ones(rot.shape[0], d, dtype=rot.dtype, device=rot.device)
        sign[:, flip_col] = flip
        rot = rot * sign.unsqueeze(-2)
    rot = unique_orthogonal(rot, tol=rtol ** 0.5)
    return rot, exact, "; ".join(reasons)

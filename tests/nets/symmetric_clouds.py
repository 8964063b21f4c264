"""Symmetric point clouds for frame-averaging tests: the finite subgroups of O(3) (closed from
generators), clustered orbits under them as a hypothesis strategy, and the regular polytopes in
2-5 dimensions."""

from __future__ import annotations

import itertools
import math

import torch
from hypothesis import assume
from hypothesis import strategies as st

__all__ = ["closure", "point_group", "POINT_GROUPS", "orbit_clouds", "POLYTOPES", "polytope",
           "orthogonal_matrices", "sphere_clusters"]

PHI = (1 + 5 ** 0.5) / 2


def _axis_rotation(axis, angle: float) -> torch.Tensor:
    """Rotation by ``angle`` about ``axis`` (Rodrigues)."""
    n = torch.tensor(axis, dtype=torch.float64)
    n = n / n.norm()
    k = torch.tensor([[0, -n[2], n[1]], [n[2], 0, -n[0]], [-n[1], n[0], 0]], dtype=torch.float64)
    return torch.eye(3, dtype=torch.float64) + math.sin(angle) * k + (1 - math.cos(angle)) * k @ k


def closure(generators: list[torch.Tensor], limit: int = 200) -> torch.Tensor:
    """All products of the ``generators`` (orthogonal matrices): the finite group they generate,
    ``[|G|, d, d]``; a ValueError past ``limit`` elements (the group is not finite)."""
    gens = torch.stack(generators)
    elements = torch.eye(gens.shape[-1], dtype=torch.float64)[None]
    frontier = elements
    while len(frontier):
        products = (gens[:, None] @ frontier[None]).flatten(0, 1)
        new = []
        for b in products:  # keep the products that are not yet elements (nor new already)
            known = torch.cat([elements, *[m[None] for m in new]])
            if float((known - b).abs().flatten(1).amax(-1).min()) >= 1e-9:
                new.append(b)
        frontier = torch.stack(new) if new else products[:0]
        elements = torch.cat([elements, frontier])
        if len(elements) > limit:
            raise ValueError(f"expected a finite group of at most {limit} elements")
    return elements


_Z = (0.0, 0.0, 1.0)
_MIRROR_Y = torch.diag(torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64))
_MIRROR_Z = torch.diag(torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64))
_INVERSION = -torch.eye(3, dtype=torch.float64)
_C3_DIAG = torch.tensor([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=torch.float64)
_C2_X = torch.diag(torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64))
_SWAP_XY = torch.tensor([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=torch.float64)


def _generators(name: str, k: int) -> list[torch.Tensor]:
    ck = _axis_rotation(_Z, 2 * math.pi / k)
    return {
        "C": [ck],
        "D": [ck, _C2_X],
        "Cv": [ck, _MIRROR_Y],                      # C_kv: k mirror planes through the axis
        "Ch": [ck, _MIRROR_Z],                      # C_kh
        "S": [_axis_rotation(_Z, math.pi / k) @ _MIRROR_Z],  # S_2k, rotoreflections
        "Dh": [ck, _C2_X, _MIRROR_Z],               # D_kh
        "T": [_C3_DIAG, _C2_X],                     # chiral tetrahedral, order 12
        "Td": [_C3_DIAG, _C2_X, _SWAP_XY],          # full tetrahedral, 24
        "Th": [_C3_DIAG, _C2_X, _INVERSION],        # pyritohedral, 24
        "O": [_C3_DIAG, _C2_X, _axis_rotation(_Z, math.pi / 2)],   # chiral octahedral, 24
        "Oh": [_C3_DIAG, _C2_X, _axis_rotation(_Z, math.pi / 2), _INVERSION],  # 48
        "I": [_C3_DIAG, _C2_X, _axis_rotation((0.0, 1.0, PHI), 2 * math.pi / 5)],  # 60
        "Ih": [_C3_DIAG, _C2_X, _axis_rotation((0.0, 1.0, PHI), 2 * math.pi / 5), _INVERSION],
    }[name]


#: Finite subgroups of O(3) by family: the axial families take an order ``k``.
POINT_GROUPS = ("C", "D", "Cv", "Ch", "S", "Dh", "T", "Td", "Th", "O", "Oh", "I", "Ih")
_ORDERS = {"T": 12, "Td": 24, "Th": 24, "O": 24, "Oh": 48, "I": 60, "Ih": 120}


def point_group(name: str, k: int = 1) -> torch.Tensor:
    """Elements ``[|G|, 3, 3]`` of a finite subgroup of O(3) (Schoenflies name; ``k`` for the
    axial families)."""
    return closure(_generators(name, k))


def orthogonal_matrices(d: int, count: int, *, special: bool, seed: int) -> torch.Tensor:
    """``count`` Haar orthogonal ``d x d`` matrices (float64, det +1 when ``special``)."""
    gen = torch.Generator().manual_seed(seed)
    q, r = torch.linalg.qr(torch.randn(count, d, d, generator=gen, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    if special:
        q[..., 0] *= torch.linalg.det(q).unsqueeze(-1)
    return q


def sphere_clusters(group: torch.Tensor, members: int, spread: float, seed: int):
    """The orbit under ``group`` of ``members`` points drawn ``spread`` apart around a random
    unit vector and projected onto the unit sphere (so that all points tie in norm)."""
    gen = torch.Generator().manual_seed(seed)
    p = torch.randn(3, generator=gen, dtype=torch.float64)
    pts = p / p.norm() + spread * torch.randn(members, 3, generator=gen, dtype=torch.float64)
    pts = pts / pts.norm(dim=-1, keepdim=True)
    return torch.einsum("gij,kj->gki", group, pts).reshape(-1, 3)


@st.composite
def orbit_clouds(draw, *, max_points: int = 160):
    """Clustered symmetric clouds ``[n, 3]`` (float64): the orbits, under a drawn finite
    subgroup of O(3), of one to three tight clusters of one to three points (cluster spread
    1e-4 to 3e-2, around the merge tolerance of float64 frames; optionally all projected onto
    the unit sphere so that every point ties in norm), plus tiny noise (0, 1e-13 or 1e-10)
    that breaks the symmetry below the frame's tie tolerance. Returns ``(cloud, name)``."""
    name = draw(st.sampled_from(POINT_GROUPS))
    k = draw(st.integers(2, 6)) if name not in _ORDERS else 1
    group = point_group(name, k)
    seed = draw(st.integers(0, 2**31 - 1))
    gen = torch.Generator().manual_seed(seed)
    n_clusters = draw(st.integers(1, 3))
    members = draw(st.sampled_from([3, 2, 1]))  # hypothesis favours early entries
    assume(len(group) * n_clusters * members <= max_points)
    spread = draw(st.sampled_from([1.5e-3, 2e-3, 1e-3, 3e-3, 1e-4, 3e-2]))
    centers = torch.randn(n_clusters, 1, 3, generator=gen, dtype=torch.float64)
    seeds = (centers + spread * torch.randn(n_clusters, members, 3, generator=gen,
                                            dtype=torch.float64)).reshape(-1, 3)
    if draw(st.sampled_from([True, False])):
        seeds = seeds / seeds.norm(dim=-1, keepdim=True)
    cloud = torch.einsum("gij,kj->gki", group, seeds).reshape(-1, 3)
    noise = draw(st.sampled_from([0.0, 1e-13, 1e-10]))
    cloud = cloud + noise * torch.randn(cloud.shape, generator=gen, dtype=torch.float64)
    centered = cloud - cloud.mean(0)
    sv = torch.linalg.svdvals(centered)
    assume(float(sv[1]) > 1e-3 * float(sv[0]))  # spans at least a plane: a finite exact frame
    return cloud, f"{name}{k if name not in _ORDERS else ''}"


# -- regular polytopes ---------------------------------------------------------------------------

def _simplex(d: int) -> torch.Tensor:
    e = torch.eye(d + 1, dtype=torch.float64)
    centered = e - e.mean(0)
    basis = torch.linalg.svd(centered)[2][:d]  # an orthonormal basis of the hyperplane
    return centered @ basis.T


def _cross(d: int) -> torch.Tensor:
    e = torch.eye(d, dtype=torch.float64)
    return torch.cat([e, -e])


def _cube(d: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product((1.0, -1.0), repeat=d)), dtype=torch.float64)


def _polygon(k: int) -> torch.Tensor:
    t = torch.arange(k, dtype=torch.float64) * 2 * math.pi / k
    return torch.stack([torch.cos(t), torch.sin(t)], -1)


def _icosahedron() -> torch.Tensor:
    pts = []
    for a, b in itertools.product((1.0, -1.0), repeat=2):
        for perm in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
            v = [0.0, a, b * PHI]
            pts.append([v[perm[0]], v[perm[1]], v[perm[2]]])
    return torch.tensor(pts, dtype=torch.float64)


def _dodecahedron() -> torch.Tensor:
    pts = [list(v) for v in itertools.product((1.0, -1.0), repeat=3)]
    for a, b in itertools.product((1.0, -1.0), repeat=2):
        for perm in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
            v = [0.0, a / PHI, b * PHI]
            pts.append([v[perm[0]], v[perm[1]], v[perm[2]]])
    return torch.tensor(pts, dtype=torch.float64)


def _cell24() -> torch.Tensor:
    pts = []
    for i, j in itertools.combinations(range(4), 2):
        for a, b in itertools.product((1.0, -1.0), repeat=2):
            v = [0.0] * 4
            v[i], v[j] = a, b
            pts.append(v)
    return torch.tensor(pts, dtype=torch.float64)


#: name -> (vertices factory, |rotation symmetry group| = the SO(d) frame size it must get)
POLYTOPES = {
    "triangle": (lambda: _polygon(3), 3), "square": (lambda: _polygon(4), 4),
    "pentagon": (lambda: _polygon(5), 5), "hexagon": (lambda: _polygon(6), 6),
    "heptagon": (lambda: _polygon(7), 7),
    "tetrahedron": (lambda: _simplex(3), 12), "cube": (lambda: _cube(3), 24),
    "octahedron": (lambda: _cross(3), 24), "icosahedron": (_icosahedron, 60),
    "dodecahedron": (_dodecahedron, 60),
    "4-simplex": (lambda: _simplex(4), 60), "16-cell": (lambda: _cross(4), 192),
    "tesseract": (lambda: _cube(4), 192), "24-cell": (_cell24, 576),
    "5-simplex": (lambda: _simplex(5), 360), "5-orthoplex": (lambda: _cross(5), 1920),
}


def polytope(name: str) -> torch.Tensor:
    """Vertices ``[n, d]`` (float64) of a regular polytope of :data:`POLYTOPES`."""
    return POLYTOPES[name][0]()

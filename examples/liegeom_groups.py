"""A short tour of liegeom's numeric core: groups, decompositions, Haar sampling, geomstats.

Run: ``python examples/liegeom_groups.py``
"""

import torch

from liegeom import SL, SO, SPD, Affine, GLPlus, GroupMembershipError, iwasawa, kak, polar
from liegeom.interop import to_geomstats, to_numpy

gen = torch.Generator().manual_seed(0)

# Groups are frozen, hashable objects; elements are batched tensors [..., n, n].
G = GLPlus(3)
g = G.random_point((4, 2), generator=gen)  # float64 by default
print(G.name, "dim", G.dim, "batch", tuple(g.shape))
print("compose(g, inverse g) = I:", torch.allclose(G.compose(g, G.inverse(g)), G.identity((4, 2))))
print("exp(log g) = g:", torch.allclose(G.exp(G.log(g)), g))

# Algebra coordinates: for SO(3) these are rotation vectors, mapped in one pass each way.
w = torch.tensor([[0.0, 0.0, torch.pi / 2]], dtype=torch.float64)  # a quarter turn about z
Rz = SO(3).exp_coords(w)
print("rotation vector -> matrix -> vector:", torch.allclose(SO(3).log_coords(Rz), w))

# Decompositions: g = P R, g = K A N, g = K1 A K2, each factor in its subgroup.
P, R = polar(g)
K, A, N = iwasawa(g)
K1, D, K2 = kak(g)
print("polar, Iwasawa, KAK reconstruct g:",
      all(torch.allclose(x, g) for x in (P @ R, K @ A @ N, K1 @ D @ K2)))
print("R in SO(3):", bool(SO(3).belongs(R).all()), " P in SPD(3):", bool(SPD(3).belongs(P).all()))

# Gradients are finite at singular points, e.g. the identity.
e = torch.eye(3, dtype=torch.float64, requires_grad=True)
(grad,) = torch.autograd.grad(polar(e)[1].sum() + kak(e)[0].sum(), e)
print("finite gradient at the identity:", bool(torch.isfinite(grad).all()))

# Bad input names the group, what was expected, what came, and where.
bad = g.clone()
bad[2, 1] = -bad[2, 1]
try:
    G.check(bad)
except GroupMembershipError as err:
    print("error:", err)
try:
    SL(2).log(torch.tensor([[-2.0, 0.0], [0.0, -0.5]]))
except GroupMembershipError as err:
    print("error:", err)

# Affine groups act on points and images.
T = Affine(SO(2)).random_point((5,), generator=gen)
x = torch.zeros(5, 2, dtype=torch.float64)
print("affine action on the origin = translation:", torch.allclose(Affine(SO(2)).act(T, x),
                                                                   T[..., :2, 2]))

# Exact Haar rotations; geomstats spaces for metrics and Frechet means on our factors.
Rh = SO(3).random_point((1000,), generator=gen)
print("mean trace of Haar SO(3) (exact: 0):", float(Rh.diagonal(dim1=-2, dim2=-1).sum(-1).mean()))
spd = to_geomstats(SPD(3))
print("geomstats sees our SPD factors:", bool(spd.belongs(to_numpy(P)).all()))

"""Frame averaging in a few lines: make any network exactly E(3)-invariant, see what happens
at a symmetric input, and build an affine-invariant point-cloud classifier.

Run: python examples/nets_frames.py
"""

import torch

from liegeom import SO, Affine, GLPlus
from nets.frames import AffineFrame, FrameAveraging, OrthogonalFrame

torch.manual_seed(0)
torch.set_grad_enabled(False)  # inference only in this example
dtype = torch.float64

# 1. Any backbone (here an MLP on the flattened cloud) becomes exactly E(3)-invariant.
backbone = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8 * 3, 64), torch.nn.SiLU(),
                               torch.nn.Linear(64, 1)).to(dtype)
model = FrameAveraging(backbone, OrthogonalFrame(SO(3), reflections=True, translations=True))
x = torch.randn(4, 8, 3, dtype=dtype)  # 4 clouds of 8 points
q, _ = torch.linalg.qr(torch.randn(3, 3, dtype=dtype))
moved = x @ q.T + torch.tensor([1.0, -2.0, 0.5], dtype=dtype)
print("E(3) invariance error:", float((model(moved) - model(x)).abs().max()))
print("frame sizes:", model.last_frame.sizes.tolist())  # 2^3 = 8 each

# 2. A regular octahedron has a tied covariance spectrum: the reference frame breaks, ours
#    becomes the octahedron's symmetry group (48 elements) and stays exact.
octa = torch.cat([torch.eye(3, dtype=dtype), -torch.eye(3, dtype=dtype)])
octa_in = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(18, 16), torch.nn.Tanh(),
                              torch.nn.Linear(16, 1)).to(dtype)
for robust in (False, True):
    fa = FrameAveraging(octa_in, OrthogonalFrame(SO(3), reflections=True, robust=robust))
    err = float((fa(octa[None] @ q.T) - fa(octa[None])).abs().max())
    print(f"octahedron, robust={robust}: frame size {int(fa.last_frame.sizes[0])}, error {err:.1e}")

# 3. Equivariant outputs: predicted points move with the input (SE(3): rotations only).
point_net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 3)).to(dtype)
eq = FrameAveraging(point_net, OrthogonalFrame(SO(3), translations=True), output="equivariant")
rot = q * torch.sign(torch.linalg.det(q))
print("SE(3) equivariance error:", float((eq(x @ rot.T) - eq(x) @ rot.T).abs().max()))

# 4. Affine invariance (R^3 x| GL+(3)): whitening by the covariance, then a rotation frame.
aff = FrameAveraging(backbone, AffineFrame(Affine(GLPlus(3))))
a = torch.randn(3, 3, dtype=dtype)
a = a * torch.sign(torch.linalg.det(a))  # det > 0
print("affine invariance error:", float((aff(x @ a.T + 3.0) - aff(x)).abs().max()))

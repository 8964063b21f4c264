"""Affine-equivariant convolutions on ``R² ⋊ H`` for H in {SL(2), GL+(2), SO(2), RS(2)}.

How data flows (liegeom supplies every group-theoretic piece through its public API): a
proposal over H with an exact density against Haar (:func:`default_proposal`, a
:class:`liegeom.ChartDistribution`) → samples ``h_s`` with weights ``1/(S q(h_s))``
(:class:`GroupSampler`: fresh in training, fixed scrambled-Sobol in evaluation) → polar
coordinates of ``h_out⁻¹ h_in`` → the kernel network → kernels on transformed grids with the
determinant factors of the left Haar measure of ``R² ⋊ H`` → one ``conv2d`` → ``[B, C, S, H, W]``
→ :class:`GroupPool` for invariant outputs.

Examples
--------
>>> import torch
>>> from liegeom import GLPlus
>>> from nets.affine import AffineEquivariantCNN
>>> model = AffineEquivariantCNN(GLPlus(2), channels=(4, 4), kernel_sizes=(5, 3), n_samples=4)
>>> model = model.eval()
>>> x = torch.rand(3, 1, 16, 16)
>>> bool(torch.equal(model(x), model(x)))          # deterministic in evaluation mode
True
"""

from ._kernels import KernelNet, RBFKernel, relative_features
from ._layers import GroupConv2d, GroupPool, LiftingConv2d
from ._models import AffineEquivariantCNN, PlainCNN, recalibrate_batchnorm
from ._sampling import SUPPORTED_GROUPS, GroupSampler, GroupSamples, default_proposal, group_name

__all__ = ["LiftingConv2d", "GroupConv2d", "GroupPool", "AffineEquivariantCNN", "PlainCNN",
           "GroupSampler", "GroupSamples", "default_proposal", "group_name", "SUPPORTED_GROUPS",
           "KernelNet", "RBFKernel", "relative_features", "recalibrate_batchnorm"]

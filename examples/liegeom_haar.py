"""Haar measure on SL(2) three ways: a sympy derivation, a chart, and weighted samples.

Run: ``python examples/liegeom_haar.py`` (a few seconds).
"""

import math

import torch

from liegeom import IwasawaChart, PolarGaussian, integrate, symbolic
from liegeom.charts import law_residual
from liegeom.groups import SL

# 1. Derive the density of g = k(theta) diag(e^t, e^-t) n(x) from g^-1 dg.
p = symbolic.sl2_kan()
print("SL(2) KAN Haar density:", symbolic.haar_density(p.matrix, p.params, basis=p.basis))

# 2. The chart's closed form satisfies the invariance law pointwise.
chart = IwasawaChart(SL(2))
z = torch.tensor([0.3, 0.5, -0.2], dtype=torch.float64)
h = chart.from_coords(torch.tensor([1.0, -0.4, 0.7], dtype=torch.float64))
print("left-law residual: ", law_residual(chart, z, h))
print("right-law residual:", law_residual(chart, z, h, right=True))

# 3. Integrate against Haar with exactly weighted samples (fixed seed: reproducible).
f = lambda g: torch.exp(-(g**2).sum((-2, -1)))
est, se = integrate(f, SL(2), 20_000, proposal=PolarGaussian(SL(2), 0.7),
                    generator=torch.Generator().manual_seed(0))
print(f"∫ exp(-|g|^2) dg = {est:.4f} ± {se:.4f}   (exact √2 π² e^-2 = "
      f"{math.sqrt(2) * math.pi**2 * math.exp(-2):.4f})")

"""Equilibrium propagation without weight symmetry, in a few lines.

Builds a 64-32-10 network whose feedback starts at 90 degrees to the transposed feedforward
weights, compares the EP error vector with the exact adjoint, and trains a few epochs on
scikit-learn's digits with Jacobian homeostasis.
"""

import math

import torch

from nets.data.digits import load_digits_split
from nets.ep import (
    GeneralizedEP,
    MLPEPNetwork,
    SolverConfig,
    adjoint,
    alignment,
    feedback_angles,
    free_state,
)
from nets.ep.training import TrainConfig, train

data = load_digits_split(dtype=torch.float64)
gen = torch.Generator().manual_seed(0)
net = MLPEPNetwork((64, 32, 10), alpha=math.pi / 2, activation="sigmoid", logit_scale=4.0,
                   generator=gen, dtype=torch.float64)
solver = SolverConfig(dt=0.5, tol=1e-6)
estimator = GeneralizedEP(beta=0.05, centred=True, config=solver)

x, y = data.x_test[:128], data.y_test[:128]
u = free_state(net, x, solver)
est = estimator(net, x, y)
print("before: cos(delta, lambda) per layer", alignment(net, est.delta, adjoint(net, x, y, u))
      ["layers"], "angle", feedback_angles(net))

metrics = train(net, data, TrainConfig(epochs=5, lr=1e-2, homeostasis=10.0, progress=False),
                estimator, solver)
f = metrics["final"]
print(f"after 5 epochs: test acc {f['test_acc']:.1f}%, cos per layer {f['cos_layers']}, "
      f"angle {f['angles_deg']}")

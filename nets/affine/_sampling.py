"""Group samples for the affine layers: proposals over H with exact importance weights against Haar.

A layer over ``R² ⋊ H`` integrates over ``H`` by Monte Carlo: ``∫_H φ dμ ≈ Σ_s w_s φ(h_s)`` with
``h_s ~ q`` and ``w_s = 1 / (S q(h_s))``, ``q`` the proposal's density with respect to Haar measure
(:class:`liegeom.ChartDistribution`). :class:`GroupSampler` draws fresh samples in training mode
and returns fixed scrambled-Sobol samples in evaluation mode, so that the same input always gives
the same output.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from liegeom import (
    SL,
    SO,
    ChartDistribution,
    GLPlus,
    PolarExpChart,
    RotationChart,
    RotationScaling,
    RotationScalingChart,
    TruncatedNormal,
    Uniform,
)

__all__ = ["GroupSamples", "GroupSampler", "SUPPORTED_GROUPS", "default_proposal", "group_name"]

_ROT = math.sqrt(2)  # exponential coordinate of a 2x2 rotation by θ has modulus sqrt(2)|θ|


def group_name(group) -> str:
    """``"SL(2)"``, ``"GL+(2)"``, ``"SO(2)"`` or ``"RS(2)"``; a clear error for anything else."""
    if isinstance(group, SL) and group.n == 2:
        return "SL(2)"
    if isinstance(group, GLPlus) and not isinstance(group, SL) and group.n == 2:
        return "GL+(2)"
    if isinstance(group, SO) and group.n == 2:
        return "SO(2)"
    if isinstance(group, RotationScaling) and group.n == 2:
        return "RS(2)"
    raise ValueError(f"nets.affine supports H in {SUPPORTED_GROUPS} (liegeom groups of 2x2 "
                     f"matrices), got {group!r}")


#: The groups H of the affine layers, by the names :func:`group_name` returns.
SUPPORTED_GROUPS = ("SL(2)", "GL+(2)", "SO(2)", "RS(2)")


def default_proposal(group, *, spread: float = 0.25, rotation: float | None = None,
                     law: str = "uniform", truncate: float = 2.0) -> ChartDistribution:
    r"""The proposal the layers use unless given one.

    The rotation angle is uniform on ``[-rotation, rotation]`` (``None``: the whole circle, Haar
    on SO(2)). The non-compact coordinates of the chart (the symmetric log of the stretch
    ``e^X`` for SL(2) and GL+(2), ``log s`` for rotation-scaling) are, with ``law="uniform"``,
    uniform on ``[-spread, spread]``: near the identity the Haar density of these charts is
    nearly flat, so the importance weights ``1/q`` hardly vary between samples and a layer's
    output keeps its scale from one draw to the next (which batch normalization needs: its
    running statistics are averaged over draws). With ``law="normal"`` they are normal with
    standard deviation ``spread``, truncated at ``truncate * spread`` (weights vary by
    ``e^{truncate²/2}`` per coordinate). Either way the stretches stay bounded, so the kernels'
    support fits their grid.

    Parameters
    ----------
    group : liegeom group
        ``SL(2)``, ``GLPlus(2)``, ``SO(2)`` or ``RotationScaling(2)``.
    spread : float
    rotation : float, optional
        Largest rotation angle in radians, in (0, π].
    law : {"uniform", "normal"}
    truncate : float
    """
    name = group_name(group)
    if rotation is not None and not 0 < rotation <= math.pi:
        raise ValueError(f"expected rotation in (0, pi] radians or None, got {rotation!r}")
    if not spread > 0 or not truncate > 0:
        raise ValueError(f"expected spread > 0 and truncate > 0, got {spread!r}, {truncate!r}")
    angle = math.pi if rotation is None else rotation
    if law == "uniform":
        law = Uniform(-spread, spread)
    elif law == "normal":
        law = TruncatedNormal(spread, truncate * spread)
    else:
        raise ValueError(f"expected law 'uniform' or 'normal', got {law!r}")
    if name == "RS(2)":  # its chart's rotation coordinate is the angle itself
        return ChartDistribution(RotationScalingChart(group), [law, Uniform(-angle, angle)])
    rot = Uniform(-_ROT * angle, _ROT * angle)  # exponential coordinate sqrt(2)·θ
    if name == "SO(2)":
        return ChartDistribution(RotationChart(2), [rot])
    chart = PolarExpChart(group)
    return ChartDistribution(chart, [law] * (chart.dim - 1) + [rot])


class GroupSamples(NamedTuple):
    """Elements ``h`` of H, shape=[S, 2, 2], and ``log_weight``, shape=[S]: the log of the
    Monte Carlo weights ``1 / (S q(h_s))`` against Haar measure on H."""

    h: Tensor
    log_weight: Tensor


class GroupSampler(nn.Module):
    """Draws ``n_samples`` elements of H with their Haar importance weights.

    Training mode: fresh samples from the proposal on every call (randomized quasi-Monte Carlo by
    default; from torch's global random stream, so :func:`torch.manual_seed` makes runs
    repeat). Evaluation mode: the scrambled-Sobol
    samples drawn once at construction (``seed``), stored as buffers, so evaluation is
    deterministic and follows ``.to(dtype/device)``.

    Parameters
    ----------
    group : liegeom group
        ``SL(2)``, ``GLPlus(2)``, ``SO(2)`` or ``RotationScaling(2)``.
    n_samples : int
        Samples per call in training mode.
    eval_samples : int, optional
        Samples in evaluation mode (default ``n_samples``): more samples at evaluation make the
        supremum over H that :class:`GroupPool` takes, and the integrals, more accurate, at a
        cost quadratic in the count.
    proposal : ChartDistribution, optional
        Default: :func:`default_proposal` with ``spread`` and ``rotation``.
    seed : int
        Seed of the evaluation samples.
    randomized_qmc : bool
        Training samples are scrambled Sobol points with a fresh random scramble each call
        (randomized quasi-Monte Carlo: each point still follows the proposal, so the estimates
        stay unbiased, with a lower variance than independent draws); ``False``: independent
        draws.

    Examples
    --------
    >>> from liegeom import SL
    >>> sampler = GroupSampler(SL(2), 8).eval()
    >>> s = sampler()
    >>> tuple(s.h.shape), tuple(s.log_weight.shape)
    ((8, 2, 2), (8,))
    """

    def __init__(self, group, n_samples: int, *, eval_samples: int | None = None,
                 proposal: ChartDistribution | None = None, spread: float = 0.25,
                 rotation: float | None = None, seed: int = 0, randomized_qmc: bool = True):
        super().__init__()
        self.randomized_qmc = bool(randomized_qmc)
        self.name = group_name(group)
        eval_samples = n_samples if eval_samples is None else eval_samples
        for label, value in (("n_samples", n_samples), ("eval_samples", eval_samples)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"expected {label} >= 1 (an int), got {value!r}")
        self.group, self.n_samples, self.seed = group, n_samples, seed
        self.eval_samples = eval_samples
        self.proposal = proposal if proposal is not None else default_proposal(
            group, spread=spread, rotation=rotation)
        if self.proposal.group != group:
            raise ValueError(f"the proposal is on {self.proposal.group!r}, the sampler on "
                             f"{group!r}")
        h = self.proposal.sample_quasi(eval_samples, seed=seed)
        self.register_buffer("eval_h", h.float())
        self.register_buffer("eval_log_weight", self._log_weight(h).float())

    def _log_weight(self, h: Tensor) -> Tensor:
        return -self.proposal.log_prob(h) - math.log(h.shape[0])

    def extra_repr(self) -> str:
        extra = "" if self.eval_samples == self.n_samples else f", eval_samples={self.eval_samples}"
        return f"{self.name}, n_samples={self.n_samples}{extra}, proposal={self.proposal!r}"

    def max_stretch(self, n: int = 4096) -> float:
        """Largest singular value among the evaluation samples and ``n`` seeded draws: how far
        a kernel's support can grow (a bound when the proposal's laws are bounded)."""
        h = torch.cat([self.proposal.sample_fixed(n, seed=self.seed + 1), self.eval_h.double()])
        return float(torch.linalg.matrix_norm(h, ord=2).max())

    def forward(self) -> GroupSamples:
        if not self.training:
            return GroupSamples(self.eval_h, self.eval_log_weight)
        if self.randomized_qmc:
            seed = int(torch.randint(0, 2**31 - 1, ()))  # from torch's global stream
            h = self.proposal.sample_quasi(self.n_samples, seed=seed)
        else:
            h = self.proposal.sample(self.n_samples, dtype=torch.float64)
        like = self.eval_h
        return GroupSamples(h.to(like), self._log_weight(h).to(like))

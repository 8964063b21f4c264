r"""How the strengths ``λ_j`` of the per-type regularizers change during training.

:class:`ReferenceRule` is the rule of Kim, Lee, Yang & Lee (ICML 2023): train with the initial
strengths for a warm-up, track each regularizer's smallest value over a window before the end of
the warm-up, then update once

.. math::

    λ_j \leftarrow λ_j \left(\frac{R_{min}}{R_j}\right)^p,

``R_min`` the smallest tracked value among the types with ``λ_j > 0`` (their code: ``p = 2`` on
modified inertia, window 100 epochs before epoch 2000 of 8000). The types the model cannot make
equivariant without hurting the fit keep large ``R_j`` and lose strength.

:class:`EmpiricalBayesRule` (ours) is a continuous alternative derived from a hierarchical
Gaussian model. Read the data term as a Gaussian likelihood with noise variance ``σ_n²`` over
``N_obs`` observed coordinates, and regularizer ``j`` as a zero-mean Gaussian prior (or, for the
sampling form, a measurement of the expected residual) with variance ``σ_j²`` on the ``c_j D_j``
coordinates of the non-equivariant residual it sums (``D_j`` = :meth:`EquivarianceRegularizer.dof`:
non-equivariant weight coordinates, or output coordinates for the sampling form; ``c_j = 1``, see
:class:`MixedSymmetryRegularizer`). With
inverse-gamma hyperpriors ``IG(α, β)`` on the variances, coordinate ascent on the joint posterior
alternates a gradient step on the weights with the closed-form updates

.. math::

    σ_n^2 = \frac{N_{obs}\, \mathrm{MSE} + 2β_n}{N_{obs} + 2α + 2}, \qquad
    σ_j^2 = \frac{c_j R_j + 2β_j}{c_j D_j + 2α + 2},

and, dividing the objective by ``N_obs / (2σ_n²)`` so that the data term stays the MSE,
``λ_j = c_j σ_n² / (N_obs σ_j²)``. A type whose residual the data does not need shrinks, its
variance shrinks and its strength grows until the floor ``β_j`` (``β_j = var_floor·(α+1)``)
stops it: the model becomes equivariant. A type the data breaks keeps a residual of the size the
fit needs and a strength inversely proportional to it. No step is discontinuous; ``R_j`` and the
MSE enter through exponential moving averages.

Stabilisation. Joint MAP over weights and variances has a positive feedback: a worse fit raises
``σ_n²``, which raises every ``λ_j``, which pushes the model towards the symmetric solution and
worsens the fit further (on the SE(3) task this collapsed all three types to exact invariance).
A transiently worse fit is an optimisation event, not evidence of noisier data, so by default
(``noise="best"``) ``σ_n²`` uses the smallest smoothed MSE seen so far: it can only fall, and the
strengths respond to the regularizers alone. ``noise="current"`` is the plain coordinate ascent.
"""

from __future__ import annotations

import math

import torch

__all__ = ["StrengthSchedule", "ConstantStrengths", "ReferenceRule", "EmpiricalBayesRule"]


def _check_int(name, v, least=0):
    if isinstance(v, bool) or not isinstance(v, int) or v < least:
        raise ValueError(f"expected an integer {name} >= {least}, got {v!r}")
    return v


def _check_pos(name, v, allow_zero=False):
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and (
        v >= 0 if allow_zero else v > 0)
    if not ok:
        raise ValueError(f"expected {name} {'>= 0' if allow_zero else '> 0'}, got {v!r}")
    return float(v)


class StrengthSchedule:
    """Base class: ``update(step, strengths, values, data_loss, counts)`` returns new strengths
    (a tensor shaped like ``strengths``) or ``None`` to keep them."""

    name = "schedule"

    def update(self, step: int, strengths: torch.Tensor, values: torch.Tensor,
               data_loss: float | None, counts) -> torch.Tensor | None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class ConstantStrengths(StrengthSchedule):
    """Keep the initial strengths (fixed-λ regularization)."""

    name = "constant"

    def update(self, step, strengths, values, data_loss, counts):
        return None


class ReferenceRule(StrengthSchedule):
    r"""One update ``λ_j ← λ_j (R_min/R_j)^p`` at step ``warmup`` (Kim et al. 2023).

    Parameters
    ----------
    warmup : int
        Step of the update.
    power : float
        ``p`` (2 in the reference code on modified inertia).
    window : int
        ``R_j`` is the elementwise minimum over the ``window`` steps before ``warmup``.

    Examples
    --------
    >>> rule = ReferenceRule(warmup=2, power=2.0, window=2)
    >>> lam = torch.tensor([1.0, 1.0])
    >>> _ = rule.update(0, lam, torch.tensor([1.0, 4.0]), None, None)
    >>> _ = rule.update(1, lam, torch.tensor([1.0, 2.0]), None, None)
    >>> rule.update(2, lam, torch.tensor([5.0, 5.0]), None, None)
    tensor([1.0000, 0.2500])
    """

    name = "reference"

    def __init__(self, warmup: int, power: float = 2.0, window: int = 100):
        self.warmup = _check_int("warmup", warmup, 1)
        self.power = _check_pos("power", power)
        self.window = _check_int("window", window, 1)
        self.minima: torch.Tensor | None = None
        self.done = False

    def update(self, step, strengths, values, data_loss, counts):
        if self.done:
            return None
        if step >= self.warmup - self.window and step < self.warmup:
            v = values.detach().to(torch.float64)
            self.minima = v.clone() if self.minima is None else torch.minimum(self.minima, v)
            return None
        if step >= self.warmup and self.minima is not None:
            self.done = True
            active = strengths > 0
            if not active.any():
                return None
            r_min = self.minima[active].min().clamp_min(torch.finfo(torch.float64).tiny)
            ratio = (r_min / self.minima.clamp_min(torch.finfo(torch.float64).tiny))
            new = strengths.to(torch.float64) * ratio ** self.power
            return torch.where(active, new, torch.zeros_like(new)).to(strengths.dtype)
        return None

    def state_dict(self) -> dict:
        return {"minima": None if self.minima is None else self.minima.tolist(),
                "done": self.done}

    def load_state_dict(self, state: dict) -> None:
        m = state.get("minima")
        self.minima = None if m is None else torch.tensor(m, dtype=torch.float64)
        self.done = bool(state.get("done", False))


class EmpiricalBayesRule(StrengthSchedule):
    r"""Continuous strengths ``λ_j = c_j σ_n² / (N_obs σ_j²)`` from MAP variances (module doc).

    Parameters
    ----------
    n_observations : int
        ``N_obs``: training inputs times output coordinates.
    warmup : int
        Steps with the initial strengths before the first update.
    alpha : float
        Inverse-gamma shape of the variance hyperpriors.
    var_floor : float
        Per-coordinate variance the hyperprior is centred on; ``β = var_floor·(α + 1)`` (its
        mode), which bounds every strength.
    ema : float
        Smoothing of ``R_j`` and the MSE between steps (0: none).
    max_strength : float
        Cap on every strength.
    noise : {"best", "current"}
        ``σ_n²`` from the smallest smoothed MSE so far (default) or from the current one.

    Examples
    --------
    >>> rule = EmpiricalBayesRule(n_observations=100, var_floor=1e-8)
    >>> lam = rule.update(0, torch.ones(2), torch.tensor([1e-6, 1.0]), 0.5, [(1, 10), (1, 10)])
    >>> bool(lam[0] > 1e4 * lam[1])    # the unbroken type gets the much larger strength
    True
    """

    name = "empirical-bayes"

    def __init__(self, n_observations: int, *, warmup: int = 0, alpha: float = 1.0,
                 var_floor: float = 1e-8, ema: float = 0.9, max_strength: float = 1e6,
                 noise: str = "best"):
        self.n_obs = _check_int("n_observations", n_observations, 1)
        self.warmup = _check_int("warmup", warmup, 0)
        self.alpha = _check_pos("alpha", alpha, allow_zero=True)
        self.var_floor = _check_pos("var_floor", var_floor)
        if not (isinstance(ema, (int, float)) and 0 <= ema < 1):
            raise ValueError(f"expected 0 <= ema < 1, got {ema!r}")
        self.ema = float(ema)
        self.max_strength = _check_pos("max_strength", max_strength)
        if noise not in ("best", "current"):
            raise ValueError(f"expected noise 'best' or 'current', got {noise!r}")
        self.noise = noise
        self.values: torch.Tensor | None = None
        self.mse: float | None = None
        self.best_mse: float | None = None

    def variances(self, values: torch.Tensor, mse: float, counts):
        """``(σ_n², σ_j²)`` for smoothed regularizer values and MSE."""
        a, beta = self.alpha, self.var_floor * (self.alpha + 1)
        noise = (self.n_obs * mse + 2 * beta) / (self.n_obs + 2 * a + 2)
        c = torch.tensor([float(ci) for ci, _ in counts], dtype=torch.float64)
        d = torch.tensor([float(di) for _, di in counts], dtype=torch.float64)
        var = (c * values + 2 * beta) / (c * d + 2 * a + 2)
        return noise, var, c

    def update(self, step, strengths, values, data_loss, counts):
        if data_loss is None or counts is None:
            raise ValueError("EmpiricalBayesRule needs the data loss (MSE) and the regularizers' "
                             "(count, dof) pairs at every step")
        v = values.detach().to(torch.float64)
        e = self.ema
        self.values = v if self.values is None else e * self.values + (1 - e) * v
        self.mse = float(data_loss) if self.mse is None else e * self.mse + (1 - e) * data_loss
        self.best_mse = self.mse if self.best_mse is None else min(self.best_mse, self.mse)
        if step < self.warmup:
            return None
        mse = self.best_mse if self.noise == "best" else self.mse
        noise, var, c = self.variances(self.values, mse, counts)
        lam = (c * noise / (self.n_obs * var)).clamp(max=self.max_strength)
        return lam.to(strengths.dtype)

    def state_dict(self) -> dict:
        return {"values": None if self.values is None else self.values.tolist(), "mse": self.mse,
                "best_mse": self.best_mse}

    def load_state_dict(self, state: dict) -> None:
        v = state.get("values")
        self.values = None if v is None else torch.tensor(v, dtype=torch.float64)
        self.mse = state.get("mse")
        self.best_mse = state.get("best_mse")

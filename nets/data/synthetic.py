r"""Synthetic tasks with mixed approximate symmetries (soft-equivariance experiments).

All tasks are generated here from a seeded generator, in float64, and split into
train / validation / test (1000 / 1000 / 1000 by default, the split of Kim et al. 2023).

``modified_inertia`` (Finzi et al. 2021; Kim et al. 2023), exactly as specified: ``k = 5``
masses ``m_i = softplus(z_i)``, ``z_i ~ N(0, 1)``, positions ``r_i ~ N(0, I₃)``, inertia
``I = Σ m_i (|r_i|² I₃ − r_i r_iᵀ)`` and target ``y = I + ε (I e_a) e_aᵀ`` (``ε = 0.3``, axis
``a = z``), flattened row-major. Inputs are ``(m_1..m_k, r_1..r_k)``. ``I`` is O(3)-equivariant
(``I ↦ g I gᵀ``); the extra term is equivariant only under the g that fix ``e_a``: O(2) about z.

``cosine_similarity``: vectors ``u, v ~ N(0, I₃)``, target ``cos∠(u, v) + ε u·v``. The cosine
is invariant under rotations and under the scalings ``(u, v) ↦ (s u, s v)``; the extra term is
rotation-invariant but scales by ``s²``: SO(3) exact, scaling approximate.

``se3_distance`` (Kim et al.'s synthetic SE(3) task, their "r3" variant): ``k = 3`` points
``x_i ~ N(0, I₃)``, target ``Σ_cyclic |x_i − x_{i+1}|² − ε Σ_i |x_i|²``: rotations about the
origin exact, translations (hence SE(3)) approximate.

``motion``: a particle in the isotropic anharmonic well ``a = −x − c|x|² x`` plus a weak uniform
field ``f e_z``. Rotations about z and reflections through planes containing z leave the
dynamics unchanged (O(2)_z exact); the field breaks the other rotations, weakly. The state
``(x₀, v₀)`` at the last observed frame is drawn from ``N(0, I)`` and ``N(0, σ_v² I)``; RK4
integrates backwards for the past and forwards for the future frames. Inputs are the past
positions, targets the future positions; scored by average displacement error (ADE). The
true per-type error of this task is defined on the state: ``future(g·state)`` against
``g·future(state)`` (:func:`motion_future`), since the past frames alone do not define the
dynamics off the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = [
    "Split",
    "SyntheticTask",
    "modified_inertia",
    "inertia_target",
    "cosine_similarity",
    "cosine_target",
    "se3_distance",
    "se3_target",
    "motion",
    "motion_future",
    "motion_trajectory",
    "average_displacement_error",
]


@dataclass(frozen=True)
class Split:
    """Inputs ``x`` [N, D] and targets ``y`` [N, K] (float64)."""

    x: torch.Tensor
    y: torch.Tensor

    def __post_init__(self):
        for name, t in (("inputs", self.x), ("targets", self.y)):
            if not isinstance(t, torch.Tensor) or t.dim() != 2:
                raise ValueError(f"expected {name} of shape [N, features], got "
                                 f"{tuple(t.shape) if isinstance(t, torch.Tensor) else t}")
            if not torch.isfinite(t).all():
                idx = tuple(int(i) for i in torch.nonzero(~torch.isfinite(t))[0])
                raise ValueError(f"expected finite {name}, got {t[idx].item()} at {idx}")
        if self.x.shape[0] != self.y.shape[0]:
            raise ValueError(f"expected as many targets as inputs, got {self.y.shape[0]} and "
                             f"{self.x.shape[0]}")

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, dtype=None, device=None) -> Split:
        return Split(self.x.to(dtype=dtype, device=device), self.y.to(dtype=dtype, device=device))


@dataclass(frozen=True)
class SyntheticTask:
    """A generated task: splits and the settings that produced them."""

    name: str
    train: Split
    val: Split
    test: Split
    params: dict


def _gen(seed):
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"expected an integer seed or a torch.Generator, got {type(seed).__name__}")
    return torch.Generator().manual_seed(seed)


def _sizes(sizes):
    sizes = tuple(sizes)
    if len(sizes) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                              for s in sizes):
        raise ValueError(f"expected three positive split sizes (train, val, test), got {sizes!r}")
    return sizes


def _split(name, x, y, sizes, params) -> SyntheticTask:
    a, b, _ = sizes
    return SyntheticTask(name, Split(x[:a], y[:a]), Split(x[a:a + b], y[a:a + b]),
                         Split(x[a + b:], y[a + b:]), params)


def _check_real(name, v, *, positive=False):
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) < float(
        "inf") and (v > 0 if positive else True)
    if not ok:
        raise ValueError(f"expected a finite {'positive ' if positive else ''}{name}, got {v!r}")
    return float(v)


# --- modified inertia -----------------------------------------------------------------------


def inertia_target(x: torch.Tensor, *, eps: float = 0.3, axis: int = 2, k: int = 5):
    """``I + ε (I e_a) e_aᵀ`` flattened, shape=[N, 9], from inputs ``(m, r)`` of shape [N, 4k]."""
    if x.shape[-1] != 4 * k:
        raise ValueError(f"expected inputs of shape [..., {4 * k}] (k={k} masses and positions), "
                         f"got {tuple(x.shape)}")
    m = x[..., :k]
    r = x[..., k:].reshape(*x.shape[:-1], k, 3)
    eye = torch.eye(3, dtype=x.dtype, device=x.device)
    r2 = r.square().sum(-1)[..., None, None]
    inertia = (m[..., None, None] * (r2 * eye - r[..., :, None] * r[..., None, :])).sum(-3)
    e = eye[axis]
    extra = (inertia @ e)[..., :, None] * e
    return (inertia + eps * extra).reshape(*x.shape[:-1], 9)


def modified_inertia(sizes=(1000, 1000, 1000), *, eps: float = 0.3, axis: int = 2, k: int = 5,
                     seed=0) -> SyntheticTask:
    """Modified inertia (module doc). Inputs [N, 4k], targets [N, 9].

    Examples
    --------
    >>> t = modified_inertia((4, 2, 2))
    >>> t.train.x.shape, t.train.y.shape
    (torch.Size([4, 20]), torch.Size([4, 9]))
    """
    sizes = _sizes(sizes)
    eps = _check_real("eps", eps)
    if axis not in (0, 1, 2):
        raise ValueError(f"expected axis in (0, 1, 2), got {axis!r}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"expected k >= 1 masses, got {k!r}")
    g = _gen(seed)
    x = torch.randn(sum(sizes), 4 * k, generator=g, dtype=torch.float64)
    x[:, :k] = F.softplus(x[:, :k])
    y = inertia_target(x, eps=eps, axis=axis, k=k)
    return _split("inertia", x, y, sizes, {"eps": eps, "axis": axis, "k": k})


# --- cosine similarity ----------------------------------------------------------------------


def cosine_target(x: torch.Tensor, *, eps: float = 0.1) -> torch.Tensor:
    """``cos∠(u, v) + ε u·v`` for inputs ``(u, v)`` of shape [N, 6]; shape=[N, 1]."""
    if x.shape[-1] != 6:
        raise ValueError(f"expected inputs (u, v) of shape [..., 6], got {tuple(x.shape)}")
    u, v = x[..., :3], x[..., 3:]
    dot = (u * v).sum(-1, keepdim=True)
    cos = dot / (u.norm(dim=-1, keepdim=True) * v.norm(dim=-1, keepdim=True))
    return cos + eps * dot


def cosine_similarity(sizes=(1000, 1000, 1000), *, eps: float = 0.1, seed=0) -> SyntheticTask:
    """Cosine similarity with a scale-breaking term (module doc). Inputs [N, 6], targets [N, 1]."""
    sizes = _sizes(sizes)
    eps = _check_real("eps", eps)
    x = torch.randn(sum(sizes), 6, generator=_gen(seed), dtype=torch.float64)
    return _split("cosine", x, cosine_target(x, eps=eps), sizes, {"eps": eps})


# --- SE(3) distance -------------------------------------------------------------------------


def se3_target(x: torch.Tensor, *, eps: float = 0.3, k: int = 3) -> torch.Tensor:
    """``Σ_cyc |x_i − x_{i+1}|² − ε Σ |x_i|²`` for ``k`` points [N, 3k]; shape=[N, 1]."""
    if x.shape[-1] != 3 * k:
        raise ValueError(f"expected {k} points as inputs of shape [..., {3 * k}], got "
                         f"{tuple(x.shape)}")
    p = x.reshape(*x.shape[:-1], k, 3)
    ring = (p - torch.roll(p, -1, dims=-2)).square().sum((-1, -2))
    return (ring - eps * p.square().sum((-1, -2)))[..., None]


def se3_distance(sizes=(1000, 1000, 1000), *, eps: float = 0.3, k: int = 3,
                 seed=0) -> SyntheticTask:
    """SE(3) distance task (module doc). Inputs [N, 3k], targets [N, 1]."""
    sizes = _sizes(sizes)
    eps = _check_real("eps", eps)
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError(f"expected k >= 2 points, got {k!r}")
    x = torch.randn(sum(sizes), 3 * k, generator=_gen(seed), dtype=torch.float64)
    return _split("se3", x, se3_target(x, eps=eps, k=k), sizes, {"eps": eps, "k": k})


# --- motion forecasting ---------------------------------------------------------------------


def _accel(x, field, c):
    a = -x - c * x.square().sum(-1, keepdim=True) * x
    return a + torch.tensor([0.0, 0.0, field], dtype=x.dtype, device=x.device)


def _rk4(x, v, h, field, c):
    def f(x, v):
        return v, _accel(x, field, c)

    k1x, k1v = f(x, v)
    k2x, k2v = f(x + h / 2 * k1x, v + h / 2 * k1v)
    k3x, k3v = f(x + h / 2 * k2x, v + h / 2 * k2v)
    k4x, k4v = f(x + h * k3x, v + h * k3v)
    return (x + h / 6 * (k1x + 2 * k2x + 2 * k3x + k4x),
            v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v))


def motion_trajectory(state: torch.Tensor, frames: int, *, frame_dt: float = 0.25,
                      substeps: int = 5, field: float = 0.2, c: float = 0.5,
                      backward: bool = False) -> torch.Tensor:
    """Positions at ``frames`` frames after (or before) the state ``(x, v)`` [N, 6]; shape
    [N, frames, 3], nearest frame first."""
    if state.shape[-1] != 6:
        raise ValueError(f"expected states (x, v) of shape [..., 6], got {tuple(state.shape)}")
    x, v = state[..., :3], state[..., 3:]
    h = (-1 if backward else 1) * frame_dt / substeps
    out = []
    for _ in range(frames):
        for _ in range(substeps):
            x, v = _rk4(x, v, h, field, c)
        out.append(x)
    return torch.stack(out, -2)


def motion_future(state: torch.Tensor, *, future: int = 6, **dyn) -> torch.Tensor:
    """The true map of the motion task on states: future positions flattened, [N, 3·future]."""
    return motion_trajectory(state, future, **dyn).flatten(-2)


def motion(sizes=(1000, 1000, 1000), *, past: int = 5, future: int = 6, field: float = 0.2,
           c: float = 0.5, velocity_std: float = 0.7, frame_dt: float = 0.25,
           seed=0) -> SyntheticTask:
    """Motion forecasting (module doc). Inputs: past positions [N, 3·past] (oldest first, the
    last is the state's position); targets: future positions [N, 3·future]. The states are in
    ``params["states"]`` ([N_total, 6], split in the same order)."""
    sizes = _sizes(sizes)
    field = _check_real("field", field)
    c = _check_real("c", c)
    velocity_std = _check_real("velocity_std", velocity_std, positive=True)
    frame_dt = _check_real("frame_dt", frame_dt, positive=True)
    for name, val in (("past", past), ("future", future)):
        if isinstance(val, bool) or not isinstance(val, int) or val < 1:
            raise ValueError(f"expected {name} >= 1 frames, got {val!r}")
    g = _gen(seed)
    n = sum(sizes)
    x0 = torch.randn(n, 3, generator=g, dtype=torch.float64)
    v0 = velocity_std * torch.randn(n, 3, generator=g, dtype=torch.float64)
    state = torch.cat([x0, v0], -1)
    dyn = dict(frame_dt=frame_dt, field=field, c=c)
    before = motion_trajectory(state, past - 1, backward=True, **dyn).flip(-2)
    past_xy = torch.cat([before, x0[:, None]], -2).flatten(-2)
    fut = motion_future(state, future=future, **dyn)
    params = {"past": past, "future": future, "field": field, "c": c,
              "velocity_std": velocity_std, "frame_dt": frame_dt, "states": state}
    return _split("motion", past_xy, fut, sizes, params)


def average_displacement_error(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean Euclidean distance per frame between flat [N, 3T] trajectories (a scalar)."""
    if pred.shape != target.shape or pred.shape[-1] % 3:
        raise ValueError(f"expected two [N, 3T] trajectories of one shape, got "
                         f"{tuple(pred.shape)} and {tuple(target.shape)}")
    d = (pred - target).reshape(*pred.shape[:-1], -1, 3).norm(dim=-1)
    return d.mean()

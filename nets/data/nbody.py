r"""The charged n-body system of Satorras, Hoogeboom & Welling (EGNN, 2021), generated here.

Specification (``REFERENCES.md``, frame-averaging section): ``n = 5`` particles in 3D with charges
:math:`q_i = \pm 1` (equally likely), positions :math:`x_i \sim N(0, I)`, velocities drawn from
:math:`N(0, I)` and rescaled to norm 0.5 per particle, unit masses, Coulomb force

.. math::

    F_i = \sum_{j \ne i} q_i q_j \frac{x_i - x_j}{\lVert x_i - x_j \rVert^3}

clipped to :math:`\pm 100` per component, time step ``dt = 1e-3``, 5000 steps, a frame every 100
steps (here frame 0 is the initial state, frame ``k`` the state after ``100 k`` steps). The learning
task maps (positions, velocities, charges) at "frame 30" to the positions at "frame 40"; 3000 /
2000 / 2000 simulations for train / validation / test.

Frame numbering. The EGNN generator writes its first saved frame over the initial state, so its
frame ``k`` is the state after ``100 (k + 1)`` steps: the published task is steps 3100 -> 4100,
which are frames 31 -> 41 here, the defaults of :class:`NBodyParams`. (The one-frame shift moves
the Linear baseline's test MSE on our data from 0.0844 to 0.0812; published: 0.0819.)

The integrator is symplectic Euler (kick, then drift), as in the NRI/EGNN generators; there is
no box. All simulations advance together as one batched torch computation in float64. Clipping
makes the force on a particle differ from the pairwise sum, so momentum is conserved to float
error exactly in the simulations that saw no clip; :func:`simulate` counts the clips and reports
momentum error and energy drift so that claim is checked, not assumed.

Initial conditions. By default they come from a seeded torch generator (``rng="torch"``). With
``rng="egnn"`` they replay the random stream of the EGNN generator script (numpy's legacy
``RandomState(seed)``, whose stream numpy keeps stable across versions): it draws, per simulation,
the charges, the positions, the velocities and two arrays of zero-weight observation noise, for
``egnn_num_train`` training, then ``egnn_num_valid`` validation, then the test simulations; the
task takes the first ``n_train`` / ``n_val`` / ``n_test`` of each. With ``seed=43`` (its
``nbody_small`` command) these are the initial conditions of the data set the EGNN and FA papers
report on (:func:`egnn_reference_params`). The trajectories are then integrated here: the
simulation itself draws no random numbers, but its float64 arithmetic is ours, so a chaotic close
encounter need not match the authors' files to the last bit.

Results are cached on disk under a key that is the SHA-256 of the parameters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "NBodyParams",
    "NBodySplit",
    "NBodyData",
    "simulate",
    "coulomb_forces",
    "total_energy",
    "load_nbody",
    "save_splits",
    "load_splits",
    "default_cache_dir",
    "egnn_reference_params",
    "initial_conditions",
]


@dataclass(frozen=True)
class NBodyParams:
    """Every parameter of the generator and the task; their hash is the cache key."""

    n_particles: int = 5
    dim: int = 3
    loc_std: float = 1.0
    vel_norm: float = 0.5
    dt: float = 1e-3
    n_steps: int = 5000
    sample_every: int = 100
    max_force: float = 100.0
    input_frame: int = 31  # = EGNN's frame 30 (step 3100), see the module docstring
    target_frame: int = 41
    n_train: int = 3000
    n_val: int = 2000
    n_test: int = 2000
    seed: int = 0
    rng: str = "torch"  # "torch", or "egnn": replay of the EGNN script's numpy stream
    egnn_num_train: int = 10000  # rng="egnn": simulations that script draws for training ...
    egnn_num_valid: int = 2000  # ... and for validation, before the test ones

    def __post_init__(self):
        if self.sample_every < 1:
            raise ValueError(f"expected sample_every >= 1, got {self.sample_every}")
        if self.rng not in _RNGS:
            raise ValueError(f"expected rng in {_RNGS}, got {self.rng!r}")
        if self.rng == "egnn":
            if (self.n_particles, self.dim) != (5, 3):
                raise ValueError("rng='egnn' replays the EGNN script, which is 3D and scales its "
                                 "position spread with n; expected n_particles=5, dim=3, got "
                                 f"{self.n_particles}, {self.dim}")
            if self.n_train > self.egnn_num_train or self.n_val > self.egnn_num_valid:
                raise ValueError(
                    f"rng='egnn' takes the first n_train of egnn_num_train and the first n_val "
                    f"of egnn_num_valid simulations; got n_train={self.n_train} of "
                    f"{self.egnn_num_train}, n_val={self.n_val} of {self.egnn_num_valid}")
            if self.n_steps // self.sample_every < 2:
                raise ValueError("rng='egnn' needs at least two saved frames "
                                 f"(n_steps / sample_every >= 2), got {self.n_steps} / "
                                 f"{self.sample_every}")
        if self.n_steps % self.sample_every:
            raise ValueError(
                f"expected n_steps to be a multiple of sample_every, got {self.n_steps} "
                f"and {self.sample_every}"
            )
        n_frames = self.n_steps // self.sample_every + 1
        for name in ("input_frame", "target_frame"):
            if not 0 <= getattr(self, name) < n_frames:
                raise ValueError(
                    f"expected {name} in [0, {n_frames - 1}], got {getattr(self, name)}"
                )
        for name in ("n_particles", "dim", "n_steps", "sample_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"expected {name} >= 1, got {getattr(self, name)}")
        for name in ("n_train", "n_val", "n_test"):
            if getattr(self, name) < 0:
                raise ValueError(f"expected {name} >= 0, got {getattr(self, name)}")

    @property
    def n_sims(self) -> int:
        return self.n_train + self.n_val + self.n_test

    @property
    def n_frames(self) -> int:
        return self.n_steps // self.sample_every + 1

    def asdict(self) -> dict:
        """The parameters; the fields added with ``rng`` are left out while ``rng="torch"``, so
        the keys and cache files written before they existed stay valid."""
        out = dataclasses.asdict(self)
        if self.rng == "torch":
            for name in _RNG_FIELDS:
                out.pop(name)
        return out

    def key(self) -> str:
        """SHA-256 (first 16 hex digits) of the parameters as sorted JSON."""
        blob = json.dumps(self.asdict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


_RNGS = ("torch", "egnn")
_RNG_FIELDS = ("rng", "egnn_num_train", "egnn_num_valid")


def egnn_reference_params(**overrides) -> NBodyParams:
    """The task on the EGNN/FA ``nbody_small`` initial conditions (numpy seed 43, 10000 / 2000 /
    2000 drawn, the first 3000 training simulations used)."""
    return NBodyParams(**{"rng": "egnn", "seed": 43, **overrides})


def initial_conditions(params: NBodyParams, generator: torch.Generator | None = None):
    """Charges ``[S, n]``, positions and velocities ``[S, n, d]`` (float64, CPU) of the
    ``S = params.n_sims`` simulations, train then validation then test.

    ``rng="torch"``: drawn from ``generator`` (default: seeded with ``params.seed``), all charges,
    then all positions, then all velocities. ``rng="egnn"``: the EGNN script's draws replayed, see
    the module docstring (``generator`` is not used; the stream is ``params.seed``'s).
    Velocities have norm ``vel_norm`` per particle in both.
    """
    if params.rng == "egnn":
        return _egnn_initial_conditions(params)
    n, d, f64 = params.n_particles, params.dim, torch.float64
    if generator is None:
        generator = torch.Generator().manual_seed(params.seed)
    S = params.n_sims
    q = torch.randint(0, 2, (S, n), generator=generator).to(f64) * 2 - 1
    x = torch.randn(S, n, d, generator=generator, dtype=f64) * params.loc_std
    v = torch.randn(S, n, d, generator=generator, dtype=f64)
    v = v * (params.vel_norm / torch.linalg.vector_norm(v, dim=-1, keepdim=True))
    return q, x, v


def _egnn_initial_conditions(params: NBodyParams):
    """Replay: per simulation the script draws charges (``choice`` over -1, 0, 1 with
    probabilities 1/2, 0, 1/2, shape ``(n, 1)``), positions and velocities (``randn(d, n)``
    each, dimension first), then two noise arrays ``randn(F - 1, d, n)`` scaled by zero; the
    velocities are rescaled per particle and the initial state is reflected into the box
    ``[-5, 5]^d`` (its only use of the box; the script asserts ``|x| < 15`` first, and so do
    we). ``n_test`` is the script's ``--num-test``: the task's test split is that whole pool."""
    rs = np.random.RandomState(params.seed)
    n, d = params.n_particles, params.dim
    saved = params.n_steps // params.sample_every - 1
    counts = (params.egnn_num_train, params.egnn_num_valid, params.n_test)
    keep = (params.n_train, params.n_val, params.n_test)
    q, x, v = [], [], []
    for count, k in zip(counts, keep):
        for i in range(count):
            charges = rs.choice(np.array([-1.0, 0.0, 1.0]), size=(n, 1), p=[0.5, 0.0, 0.5])
            loc = rs.randn(d, n) * params.loc_std
            vel = rs.randn(d, n)
            rs.randn(saved, d, n)
            rs.randn(saved, d, n)
            if i < k:
                if np.abs(loc).max() >= 15.0:
                    raise ValueError(f"initial position {np.abs(loc).max():.3g} outside the "
                                     "box's reach (|x| < 15, asserted by the EGNN script)")
                vel = vel * params.vel_norm / np.sqrt((vel**2).sum(axis=0, keepdims=True))
                loc, vel = _reflect_into_box(loc, vel, 5.0)
                q.append(charges[:, 0])
                x.append(loc.T)
                v.append(vel.T)
    as_t = lambda a, shape: torch.from_numpy(np.asarray(a, dtype=np.float64).reshape(shape))
    S = sum(keep)
    return as_t(q, (S, n)), as_t(x, (S, n, d)), as_t(v, (S, n, d))


def _reflect_into_box(loc, vel, box):
    """Elastic reflection of points outside ``[-box, box]`` (one bounce), velocities turned."""
    loc, vel = loc.copy(), vel.copy()
    over, under = loc > box, loc < -box
    loc[over], vel[over] = 2 * box - loc[over], -np.abs(vel[over])
    loc[under], vel[under] = -2 * box - loc[under], np.abs(vel[under])
    return loc, vel


@dataclass
class NBodySplit:
    """One split: inputs at the input frame, target positions at the target frame.

    Shapes: ``positions``, ``velocities``, ``target`` ``[S, n, d]``; ``charges`` ``[S, n]``.
    """

    positions: torch.Tensor
    velocities: torch.Tensor
    charges: torch.Tensor
    target: torch.Tensor

    def __len__(self) -> int:
        return self.positions.shape[0]


@dataclass
class NBodyData:
    """Train / validation / test splits, the full trajectories and the generator's statistics."""

    params: NBodyParams
    train: NBodySplit
    val: NBodySplit
    test: NBodySplit
    stats: dict
    path: Path | None = None


def coulomb_forces(x: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    r"""Unclipped Coulomb forces :math:`\sum_{j\ne i} q_i q_j (x_i-x_j)/|x_i-x_j|^3`.

    Parameters
    ----------
    x : torch.Tensor, shape=[..., n, d]
    q : torch.Tensor, shape=[..., n]

    Returns
    -------
    torch.Tensor, shape=[..., n, d]
    """
    diff = x.unsqueeze(-2) - x.unsqueeze(-3)  # [..., i, j, d] = x_i - x_j
    r2 = (diff * diff).sum(-1)
    n = x.shape[-2]
    off = ~torch.eye(n, dtype=torch.bool, device=x.device)
    safe = torch.where(off, r2, torch.ones_like(r2))
    coef = torch.where(off, q.unsqueeze(-1) * q.unsqueeze(-2) * safe.pow(-1.5), 0.0)
    return (coef.unsqueeze(-1) * diff).sum(-2)


def total_energy(x: torch.Tensor, v: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    r"""Kinetic plus Coulomb energy :math:`\tfrac12\sum|v_i|^2 + \sum_{i<j} q_iq_j/|x_i-x_j|`.

    Shapes: ``x``, ``v`` ``[..., n, d]``, ``q`` ``[..., n]``; returns ``[...]``.
    """
    diff = x.unsqueeze(-2) - x.unsqueeze(-3)
    r = diff.pow(2).sum(-1)
    n = x.shape[-2]
    upper = torch.triu(torch.ones(n, n, dtype=torch.bool, device=x.device), diagonal=1)
    r = torch.where(upper, r, torch.ones_like(r)).sqrt()
    pot = torch.where(upper, q.unsqueeze(-1) * q.unsqueeze(-2) / r, 0.0).sum((-1, -2))
    return 0.5 * v.pow(2).sum((-1, -2)) + pot


def simulate(
    n_sims: int,
    params: NBodyParams = NBodyParams(),
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
    chunk_size: int = 256,
    initial: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    forces=coulomb_forces,
) -> dict:
    """Run ``n_sims`` simulations together in float64, ``chunk_size`` at a time.

    Parameters
    ----------
    n_sims : int
        Number of independent simulations.
    params : NBodyParams
    generator : torch.Generator, optional
        Source of the initial conditions (default: seeded with ``params.seed``).
    device : optional
        Where to compute.
    progress : bool
        Show a tqdm bar over the time steps.
    initial : (charges, positions, velocities), optional
        Initial conditions ``[S, n]``, ``[S, n, d]``, ``[S, n, d]`` (e.g. from
        :func:`initial_conditions`) instead of drawing them; ``generator`` is then unused.
    forces : callable, optional
        ``forces(x, q)`` before clipping (default :func:`coulomb_forces`); another
        floating-point route to the same law measures how far the chaotic trajectories depend on
        the last bits (``benchmarks/nbody_sensitivity.py``).

    Returns
    -------
    dict
        ``positions``, ``velocities`` ``[S, F, n, d]`` at the ``F = n_steps/sample_every + 1``
        frames; ``charges`` ``[S, n]``; ``clips`` ``[S]`` (clipped force components per
        simulation); ``energy`` ``[S, F]``; ``momentum`` ``[S, F, d]``.
    """
    if initial is None:
        if params.rng != "torch":
            raise ValueError(f"simulate draws with torch; for rng={params.rng!r} pass "
                             "initial=initial_conditions(params)")
        if generator is None:
            generator = torch.Generator().manual_seed(params.seed)
        initial = initial_conditions(dataclasses.replace(params, n_train=n_sims, n_val=0,
                                                         n_test=0), generator)
    n, d = params.n_particles, params.dim
    shapes = tuple(tuple(t.shape) for t in initial)
    if shapes != ((n_sims, n), (n_sims, n, d), (n_sims, n, d)):
        raise ValueError(f"expected initial conditions for {n_sims} simulations of shapes "
                         f"{[(n_sims, n), (n_sims, n, d), (n_sims, n, d)]} (charges, positions, "
                         f"velocities), got {list(shapes)}")
    q, x, v = (t.to(device=device, dtype=torch.float64) for t in initial)
    pos = torch.empty(n_sims, params.n_frames, n, d, dtype=torch.float64, device=x.device)
    vel = torch.empty_like(pos)
    pos[:, 0], vel[:, 0] = x, v
    clips = torch.zeros(n_sims, dtype=torch.long, device=x.device)
    # chunks small enough to stay in cache; initial conditions were drawn above, so the result
    # does not depend on the chunking (up to summation order in the last bit)
    chunks = [slice(i, i + chunk_size) for i in range(0, n_sims, chunk_size)]
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="n-body", unit="chunk", mininterval=1.0)
    with torch.no_grad():
        for sl in chunks:
            _integrate(x[sl], v[sl], q[sl], params, pos[sl], vel[sl], clips[sl], forces)
    return {
        "positions": pos,
        "velocities": vel,
        "charges": q,
        "clips": clips,
        "energy": total_energy(pos, vel, q.unsqueeze(1)),
        "momentum": vel.sum(-2),
    }


def _integrate(x, v, q, params: NBodyParams, pos, vel, clips, forces=coulomb_forces) -> None:
    """Symplectic Euler with clipped forces; writes frames into ``pos``/``vel``, counts clips."""
    for step in range(1, params.n_steps + 1):
        force = forces(x, q)
        clipped = force.clamp(-params.max_force, params.max_force)
        clips += (clipped != force).sum((-1, -2))
        v = v + params.dt * clipped
        x = x + params.dt * v
        if step % params.sample_every == 0:
            k = step // params.sample_every
            pos[:, k], vel[:, k] = x, v


def _statistics(sim: dict, params: NBodyParams) -> dict:
    clips, mom, energy = sim["clips"], sim["momentum"], sim["energy"]
    mom_err = torch.linalg.vector_norm(mom - mom[:, :1], dim=-1).amax(-1)  # [S]
    clean = clips == 0
    drift = ((energy[:, -1] - energy[:, 0]) / energy[:, 0].abs().clamp_min(1e-12)).abs()
    window = slice(params.input_frame, params.target_frame + 1)
    drift_task = (energy[:, window] - energy[:, window][:, :1]).abs().amax(-1)
    drift_task = drift_task / energy[:, window][:, 0].abs().clamp_min(1e-12)

    def q(t, p):
        return float(torch.quantile(t, p)) if t.numel() else float("nan")

    return {
        "n_sims": int(clips.numel()),
        "force_clips_total": int(clips.sum()),
        "sims_with_clips": int((~clean).sum()),
        "momentum_error_max_unclipped": float(mom_err[clean].max()) if clean.any() else 0.0,
        "momentum_error_max_all": float(mom_err.max()),
        "energy_drift_rel_median": q(drift, 0.5),
        "energy_drift_rel_p90": q(drift, 0.9),
        "energy_drift_rel_max": float(drift.max()),
        "energy_drift_rel_median_unclipped": q(drift[clean], 0.5),
        "energy_drift_rel_p90_unclipped": q(drift[clean], 0.9),
        "clipped_component_fraction": float(clips.sum()) / max(
            clips.numel() * params.n_steps * params.n_particles * params.dim, 1),
        "energy_drift_rel_task_window_median": q(drift_task, 0.5),
        "energy_drift_rel_task_window_p90": q(drift_task, 0.9),
    }


_STORED = ("positions", "velocities", "charges", "clips")


def default_cache_dir() -> Path:
    """``$SYMKIT_CACHE/nbody`` if set, else ``~/.cache/symkit/nbody``."""
    root = os.environ.get("SYMKIT_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "symkit") / "nbody"


def _split(pos, vel, q, params, lo, hi) -> NBodySplit:
    return NBodySplit(
        positions=pos[lo:hi, params.input_frame].clone(),
        velocities=vel[lo:hi, params.input_frame].clone(),
        charges=q[lo:hi].clone(),
        target=pos[lo:hi, params.target_frame].clone(),
    )


def load_nbody(
    params: NBodyParams = NBodyParams(),
    *,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    progress: bool = False,
    device: torch.device | str | None = None,
    chunk_size: int = 256,
) -> NBodyData:
    """Generate (or read from the cache) the data set described by ``params``.

    ``device`` and ``chunk_size`` only say where and how many simulations at a time are
    integrated when the data is generated (on a GPU, one chunk of all of them is fastest); the
    initial conditions always come from :func:`initial_conditions` on the CPU (seeded by
    ``params``), and the returned tensors are on the CPU.

    The cache file ``nbody-<key>.npz`` holds the full trajectories, the charges, the clip counts
    and the parameters as JSON; a file whose stored parameters differ from ``params`` is rejected.

    Examples
    --------
    >>> data = load_nbody(NBodyParams(n_train=4, n_val=2, n_test=2, n_steps=200,
    ...                               sample_every=100, input_frame=1, target_frame=2),
    ...                   use_cache=False)
    >>> tuple(data.train.positions.shape), tuple(data.test.charges.shape)
    ((4, 5, 3), (2, 5))
    """
    path = None
    sim = None
    if use_cache:
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        path = cache / f"nbody-{params.key()}.npz"
        if path.exists():
            with np.load(path) as z:
                stored = json.loads(str(z["params"]))
                if stored != params.asdict():
                    raise ValueError(
                        f"cache file {path} holds parameters {stored}, expected "
                        f"{params.asdict()}; delete it"
                    )
                sim = {k: torch.from_numpy(z[k]) for k in _STORED}
            sim["energy"] = total_energy(sim["positions"], sim["velocities"],
                                         sim["charges"][:, None])
            sim["momentum"] = sim["velocities"].sum(-2)
    if sim is None:
        sim = simulate(params.n_sims, params, progress=progress, device=device,
                       chunk_size=chunk_size, initial=initial_conditions(params))
        sim = {k: t.cpu() for k, t in sim.items()}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(
                tmp,
                params=json.dumps(params.asdict(), sort_keys=True),
                **{k: sim[k].cpu().numpy() for k in _STORED},
            )
            os.replace(tmp, path)
    pos, vel, q = sim["positions"], sim["velocities"], sim["charges"]
    a, b = params.n_train, params.n_train + params.n_val
    return NBodyData(
        params=params,
        train=_split(pos, vel, q, params, 0, a),
        val=_split(pos, vel, q, params, a, b),
        test=_split(pos, vel, q, params, b, params.n_sims),
        stats=_statistics(sim, params),
        path=path,
    )


_SPLITS_FORMAT = "symkit.nets.nbody-splits/1"


def save_splits(data: NBodyData, path: str | os.PathLike) -> Path:
    """Write the task alone (the three splits, the parameters and the generator's statistics).

    About 2.8 MB at the paper's sizes against 86 MB for the cached trajectories: small enough to
    carry to another machine, so that a run continues there on bit-identical data instead of
    regenerating it (a chaotic simulation need not reproduce to the bit on other hardware).
    Read it back with :func:`load_splits`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    splits = {name: dataclasses.asdict(getattr(data, name)) for name in ("train", "val", "test")}
    torch.save({"format": _SPLITS_FORMAT, "params": data.params.asdict(),
                "stats": data.stats, **splits}, path)
    return path


def load_splits(path: str | os.PathLike) -> NBodyData:
    """Read a file written by :func:`save_splits` (tensors on the CPU, as from :func:`load_nbody`).

    Examples
    --------
    >>> import tempfile
    >>> data = load_nbody(NBodyParams(n_train=3, n_val=1, n_test=1, n_steps=200,
    ...                               sample_every=100, input_frame=1, target_frame=2),
    ...                   use_cache=False)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = load_splits(save_splits(data, Path(d) / "splits.pt"))
    >>> back.params == data.params, torch.equal(back.train.target, data.train.target)
    (True, True)
    """
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(blob, dict) or blob.get("format") != _SPLITS_FORMAT:
        raise ValueError(f"expected an n-body splits file written by save_splits, got {path}")
    return NBodyData(params=NBodyParams(**blob["params"]),
                     **{name: NBodySplit(**blob[name]) for name in ("train", "val", "test")},
                     stats=blob["stats"], path=Path(path))

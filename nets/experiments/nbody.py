r"""The charged 5-body experiment (``nets train nbody``) and the frame-averaging tour of
``nets demo``, on the shared :class:`~nets.experiments.harness.Trainer`.

Models (:func:`build_model`): ``fa-gnn`` (layerwise frame-averaged GNN), ``fa-gnn-input``
(input frame only), ``egnn``, ``gnn`` and ``linear`` (constant velocity), each called as
``model(x, v, charges=q)`` with ``x, v`` of shape ``[B, 5, 3]`` and ``q`` of shape ``[B, 5]``;
the target is the positions 1000 integration steps later, the loss the mean squared error over
all coordinates (the EGNN paper's recipe: Adam, batch 100, validation every 5 epochs, the test
MSE at the best validation epoch).

:func:`train_nbody` trains one model and returns its metrics; :func:`run_nbody` is the whole
command (data, training, files under ``OUT/nets/nbody/``); :func:`results_table` and
:func:`learning_curves` report runs next to the published numbers (:data:`PUBLISHED_MSE`);
:func:`frames_demo` is the frame-averaging part of ``nets demo``.

Examples
--------
>>> model = build_model("linear")
>>> x = v = torch.zeros(2, 5, 3)
>>> model(x, v, charges=torch.ones(2, 5)).shape
torch.Size([2, 5, 3])
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch

from liegeom import SO

from ..data.nbody import NBodySplit, load_nbody, load_splits, save_splits
from ..frames import FrameAveraging, FrameDegeneracyWarning, OrthogonalFrame
from ..gnn import EGNN, ConstantVelocity, NBodyGNN, check_origin, fa_gnn
from . import harness
from .harness import Trainer, save_checkpoint, seed_everything, write_json

__all__ = ["PUBLISHED_MSE", "MODELS", "DEFAULT_HIDDEN", "build_model", "evaluate",
           "sample_errors", "train_nbody", "run_nbody", "run_name", "results_table",
           "learning_curves", "learning_curves_axes", "frames_demo"]

#: Test MSEs on the charged 5-body task as published (EGNN paper Table 2; FA paper Table 3).
PUBLISHED_MSE = {
    "Linear": 0.0819,
    "SE(3)-Tr": 0.0244,
    "TFN": 0.0155,
    "GNN": 0.0107,
    "Radial Field": 0.0104,
    "EGNN": 0.0071,
    "FA-GNN": 0.0057,
}
MODELS = {"fa-gnn": "FA-GNN", "fa-gnn-input": "FA-GNN (input frame only)", "egnn": "EGNN",
          "gnn": "GNN", "linear": "Linear"}
#: Hidden width per model when none is given: 60 = 20 vectors of R^3 for the layerwise FA-GNN
#: (the authors' n-body setting), 64 otherwise (the EGNN paper's).
DEFAULT_HIDDEN = {"fa-gnn": 60, "fa-gnn-input": 64, "egnn": 64, "gnn": 64, "linear": 0}


def build_model(name: str, hidden: int | None = None, layers: int = 4, *,
                detach_frames: bool = False, origin: str = "positions") -> torch.nn.Module:
    """``fa-gnn`` | ``fa-gnn-input`` | ``egnn`` | ``gnn`` | ``linear``, each called as
    ``model(x, v, charges=q)``; ``hidden=None`` takes :data:`DEFAULT_HIDDEN`;
    ``detach_frames`` and ``origin`` apply to ``fa-gnn`` (see :class:`~nets.gnn.LayerwiseFAGNN`)."""
    if name not in MODELS:
        raise ValueError(f"expected a model in {sorted(MODELS)}, got {name!r}")
    check_origin(origin)
    if detach_frames and name != "fa-gnn":
        raise ValueError(f"detach_frames applies to the fa-gnn model only, got model {name!r}")
    if origin != "positions" and name != "fa-gnn":
        raise ValueError(f"origin={origin!r} applies to the fa-gnn model only, got model {name!r}")
    hidden = DEFAULT_HIDDEN[name] if hidden is None else hidden
    if name != "linear" and (isinstance(hidden, bool) or not isinstance(hidden, int)
                             or hidden < 1):
        raise ValueError(f"expected hidden as an integer >= 1, got {hidden!r}")
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise ValueError(f"expected layers as an integer >= 1, got {layers!r}")
    if name == "fa-gnn":
        return fa_gnn(hidden, layers, detach_frames=detach_frames, origin=origin)
    if name == "fa-gnn-input":
        return fa_gnn(hidden, layers, layerwise=False)
    if name == "egnn":
        return EGNN(hidden, layers)
    if name == "gnn":
        return NBodyGNN(hidden, layers)
    return ConstantVelocity()


def _batches(split: NBodySplit, size: int, generator=None):
    n = len(split)
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    order = order.to(split.positions.device)
    for i in range(0, n, size):
        j = order[i:i + size]
        yield split.positions[j], split.velocities[j], split.charges[j], split.target[j]


def _split_to(split: NBodySplit, device: torch.device) -> NBodySplit:
    return NBodySplit(*(t.to(device) for t in (split.positions, split.velocities, split.charges,
                                               split.target)))


def evaluate(model, split: NBodySplit, batch_size: int = 500, dtype=torch.float32,
             seed: int = 0) -> float:
    """Mean squared error over all coordinates (the EGNN paper's test MSE)."""
    errors = sample_errors(model, split, batch_size, dtype, seed=seed)
    return float(errors.mean()) if errors.numel() else 0.0


def sample_errors(model, split: NBodySplit, batch_size: int = 500,
                  dtype=torch.float32, seed: int = 0) -> torch.Tensor:
    """Squared error of each simulation, averaged over its coordinates: ``[S]`` float64 on the
    CPU, in the split's order (their mean is :func:`evaluate`; their spread gives bootstrap
    errors and the share of the tail).

    A frame-averaged model samples Haar rotations for a cloud that is collinear within the
    frame's tolerance (in float32, two covariance eigenvalues below 5e-3 of the largest, as one
    of the 2000 test inputs of the n-body task), from the global CPU generator. The evaluation
    draws them from ``seed`` in a forked generator, so the same weights score the same on the
    same split whenever they are scored, and training's random stream does not depend on how
    often it evaluates."""
    model.eval()
    out = []
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for x, v, q, y in _batches(split, batch_size):
            pred = model(x.to(dtype), v.to(dtype), charges=q.to(dtype))
            out.append(((pred.double() - y) ** 2).flatten(1).mean(1).cpu())
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.float64)


def train_nbody(model_name: str, data, *, epochs: int, batch_size: int = 100, lr: float = 5e-4,
                weight_decay: float = 1e-12, eval_every: int = 5, time_limit_s: float = math.inf,
                seed: int = 0, hidden: int | None = None, layers: int = 4, progress: bool = True,
                device: str | torch.device = "cpu", schedule: str = "constant",
                detach_frames: bool = False, origin: str = "positions",
                save_to: str | Path | None = None,
                checkpoint: str | Path | None = None, resume: str | Path | None = None,
                init_from: str | Path | None = None) -> dict:
    """Train one model with Adam on the :class:`~nets.experiments.harness.Trainer`; return
    metrics at the epoch of best validation MSE.

    ``data`` has ``train``, ``val`` and ``test`` splits (:class:`~nets.data.nbody.NBodySplit`)
    and, optionally, ``params`` (recorded, and checked on resume). ``schedule``:
    ``"constant"`` (the EGNN and FA papers' recipe) or ``"cosine"`` (the learning rate decays
    to 0 over ``epochs``, stepped once per epoch). ``save_to``: a path where the best state
    dict is saved (as CPU tensors, whatever ``device``).

    Long runs: ``checkpoint`` is rewritten after every evaluation; ``resume`` continues such a
    checkpoint exactly where it stopped, up to ``epochs`` in total (the configuration and data
    must match; ``time_limit_s`` counts this call only; checkpoints of the format written before
    the harness, ``symkit.nets.nbody/1``, resume too). ``init_from`` starts from saved weights
    (a state dict or a checkpoint) with a fresh optimizer and epoch count: a warm start,
    recorded as ``init_from``. The metrics' ``segments`` list which device ran which epochs for
    how long, one entry per call, carried on through checkpoints.

    The splits are moved to ``device`` once; the batch order comes from a seeded CPU generator,
    so a run's batches are the same on every device. The history records ``train_loss`` (the
    training MSE; ``train_mse`` in metrics written before the harness) and ``val_mse``.
    """
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"expected schedule 'constant' or 'cosine', got {schedule!r}")
    if resume is not None and init_from is not None:
        raise ValueError("give either resume (continue a checkpoint) or init_from (warm start "
                         "from weights), not both")
    device = torch.device(device)
    gen = seed_everything(seed)  # the model's initial weights, and the batch order
    hidden = DEFAULT_HIDDEN[model_name] if hidden is None else hidden
    data_params = data.params.asdict() if hasattr(data, "params") else None
    config = {"model": model_name, "hidden": hidden, "layers": layers, "batch_size": batch_size,
              "lr": lr, "schedule": schedule, "weight_decay": weight_decay,
              "detach_frames": detach_frames, "origin": origin, "seed": seed,
              "data": data_params}
    model = build_model(model_name, hidden, layers, detach_frames=detach_frames,
                        origin=origin).to(device)
    train_s, val_s, test_s = (_split_to(s, device) for s in (data.train, data.val, data.test))
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
             if schedule == "cosine" else None)
    f32 = torch.float32

    def step(m, batch):
        x, v, q, y = batch
        return torch.nn.functional.mse_loss(m(x.to(f32), v.to(f32), charges=q.to(f32)),
                                            y.to(f32))

    trainer = Trainer(model, opt, step=step, batches=lambda epoch: _batches(train_s, batch_size,
                                                                            gen),
                      epochs=epochs, evaluate=lambda m: {"val_mse": evaluate(m, val_s)},
                      select=("val_mse", "min"), eval_every=eval_every, scheduler=sched,
                      generator=gen, config=config, name=f"nbody {model_name}",
                      checkpoint=checkpoint, resume=resume, init_from=init_from,
                      time_limit_s=time_limit_s, progress=progress, device=device)
    run = trainer.fit()
    if save_to is not None:  # CPU tensors: the weights load anywhere without map_location
        save_checkpoint(save_to, {k: t.cpu() for k, t in model.state_dict().items()})
    return {
        "model": MODELS[model_name],
        "epochs_run": run["epochs_run"],
        "best_epoch": run["best_epoch"],
        "train_time_s": run["train_time_s"],
        "val_mse": run["best"]["val_mse"] if run["best"] else math.inf,
        "test_mse": evaluate(model, test_s),
        "data": data_params,
        "n_train": len(train_s),
        "n_val": len(val_s),
        "n_test": len(test_s),
        "batch_size": batch_size,
        "lr": lr,
        "schedule": schedule,
        "detach_frames": detach_frames,
        "origin": origin,
        "seed": seed,
        "weight_decay": weight_decay,
        "hidden": hidden,
        "layers": layers,
        "init_from": run["init_from"],
        "resumed_from_epoch": run["resumed_from_epoch"],
        "parameters": run["parameters"],
        "device": run["device"],
        "torch_threads": run["torch_threads"],
        "segments": run["segments"],
        "history": run["history"],
    }


def run_nbody(out: str | Path = "out", *, model: str = "fa-gnn", params=None, splits=None,
              export_splits=None, cache_dir=None, sim_device=None, device="cpu",
              **train_kw) -> dict | None:
    """The ``nets train nbody`` command: data, training and files under ``OUT/nets/nbody/``.

    The data are the splits file ``splits`` (written by ``export_splits``), or generated (or
    read from the cache) from ``params`` (:class:`~nets.data.nbody.NBodyParams`) on
    ``sim_device`` (default: ``device``). With ``export_splits`` the splits are written there
    and nothing is trained (returns ``None``). Otherwise :func:`train_nbody` runs with
    ``train_kw``, writing ``MODEL.pt`` (best weights), ``MODEL.ckpt`` (checkpoint),
    ``MODEL.json`` (metrics), ``results.md`` (this run next to the published numbers) and
    ``learning_curves.png`` (this run); a model with ``origin="centroid"`` is ``MODEL-centroid``.
    """
    folder = Path(out) / "nets" / "nbody"
    folder.mkdir(parents=True, exist_ok=True)
    # a bad model configuration fails here, before minutes of data generation
    build_model(model, train_kw.get("hidden"), train_kw.get("layers", 4),
                detach_frames=train_kw.get("detach_frames", False),
                origin=train_kw.get("origin", "positions"))
    if splits is not None:
        data = load_splits(splits)
        print(f"n-body data from {splits}: {len(data.train)}/{len(data.val)}/{len(data.test)} "
              "simulations (--n-train/--n-val/--n-test/--data/--data-seed ignored)", flush=True)
    else:
        print(f"n-body data: {params.n_train}/{params.n_val}/{params.n_test} simulations",
              flush=True)
        sim = torch.device(sim_device or device)
        chunk = 256 if sim.type == "cpu" else 1 << 16
        data = load_nbody(params, cache_dir=cache_dir, progress=True, device=sim,
                          chunk_size=chunk)
    if export_splits is not None:
        print(f"wrote the splits to {save_splits(data, export_splits)}", flush=True)
        return None
    write_json(folder / "generator_stats.json",
               {"params": dataclasses.asdict(data.params), **data.stats})
    print("generator:", json.dumps(data.stats), flush=True)
    # a bare weights file does not say where its output is anchored: keep the variants apart
    origin = train_kw.get("origin", "positions")
    stem = model if origin == "positions" else f"{model}-{origin}"
    metrics = train_nbody(model, data, device=device, save_to=folder / f"{stem}.pt",
                          checkpoint=folder / f"{stem}.ckpt", **train_kw)
    metrics["generator"] = data.stats
    write_json(folder / f"{stem}.json", metrics)
    table = results_table([metrics])
    (folder / "results.md").write_text(table)
    learning_curves([metrics], folder / "learning_curves.png")
    print(f"{MODELS[model]}: test MSE {metrics['test_mse']:.5f} after {metrics['epochs_run']} "
          f"epochs ({metrics['train_time_s']:.0f} s)\n{table}", flush=True)
    return metrics


def run_name(metrics: dict) -> str:
    """How a run is named in the results table and the learning curves: the model, and the
    authors' centroid output as a run of its own (it is another model with the same weights)."""
    origin = metrics.get("origin", "positions")
    if origin == "positions":
        return metrics["model"]
    return f"{metrics['model']}, output about the {origin}"


def _cpu_label(threads: int) -> str:
    return f"CPU ({threads} thread{'s' if threads > 1 else ''})"


def _budget(m: dict) -> str:
    parts = [s for s in m.get("segments", []) if s["last_epoch"] >= s["first_epoch"]]
    if len({s["device"] for s in parts}) > 1:  # say which device ran which epochs
        spent = " + ".join(f"{s['wall_s'] / 60:.1f} min on {s['device']} (epochs "
                           f"{s['first_epoch']}–{s['last_epoch']})" for s in parts)
    else:
        where = m.get("device", "CPU")
        if where == "CPU":
            where = _cpu_label(m["torch_threads"])
        spent = f"{m['train_time_s'] / 60:.1f} min wall on {where}"
    budget = f"{m['epochs_run']} epochs, {spent}, n_train={m['n_train']}"
    if m.get("detach_frames"):
        budget += ", hidden frames detached"
    if (m.get("data") or {}).get("rng") == "egnn":
        budget += f", data: EGNN script's draws replayed (seed {m['data']['seed']})"
    if m.get("init_from"):
        budget += f", warm start from {Path(m['init_from']).name} (earlier epochs not counted)"
    if m.get("resumed_from_epoch"):
        budget += f", resumed at epoch {m['resumed_from_epoch']}"
    return budget


def results_table(runs: Iterable[Mapping] | str | Path) -> str:
    """Markdown table: the published test MSEs next to ``runs`` (metrics dicts of
    :func:`train_nbody`, or a folder: every ``*.json`` in it with a ``test_mse``, for write-ups
    that collect runs)."""
    if isinstance(runs, (str, Path)):
        runs = [json.loads(p.read_text()) for p in sorted(Path(runs).glob("*.json"))]
    ours = {run_name(m): m for m in runs if "test_mse" in m}
    names = list(PUBLISHED_MSE) + [k for k in ours if k not in PUBLISHED_MSE]
    rows = [{"model": name,
             "published": f"{PUBLISHED_MSE[name]:.4f}" if name in PUBLISHED_MSE else None,
             "ours": f"{ours[name]['test_mse']:.4f}" if name in ours else None,
             "budget": _budget(ours[name]) if name in ours else None} for name in names]
    return harness.results_table(rows, ["model", ("published test MSE", "published"),
                                        ("ours: test MSE", "ours"), ("ours: budget", "budget")])


def learning_curves(metrics: list[dict], path: Path) -> None:
    """Training and validation MSE against epochs for each run (log scale), published MSEs as
    dotted lines: where a run starts to overfit is easier seen than read."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    learning_curves_axes(ax, metrics)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def learning_curves_axes(ax, metrics: list[dict], title: str = "charged 5-body") -> None:
    """:func:`learning_curves` on the matplotlib axes ``ax``; run ``i`` is drawn in colour
    ``C{i}``. Reads the training MSE as ``train_loss`` (``train_mse`` in metrics written before
    the harness)."""
    for i, m in enumerate(metrics):
        h = m["history"]
        color = f"C{i}"
        epochs = [e["epoch"] for e in h]
        label = f"{run_name(m)} ({m.get('device', 'CPU')})"
        ax.plot(epochs, [e["val_mse"] for e in h], color=color, label=f"{label}: validation")
        ax.plot(epochs, [e.get("train_loss", e.get("train_mse")) for e in h], color=color,
                ls="--", lw=0.8, label=f"{label}: training")
        if m["model"] in PUBLISHED_MSE:
            ax.axhline(PUBLISHED_MSE[m["model"]], color=color, ls=":", lw=1)
    ax.set(xlabel="epoch", ylabel="MSE", yscale="log",
           title=f"{title} (dotted: published test MSE)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)


def _degeneracy_table(dtype=torch.float64) -> list[dict]:
    """Invariance error of a random MLP under rotations, robust frame vs the reference frame."""
    gen = torch.Generator().manual_seed(0)
    clouds = {
        "generic (6 points)": torch.randn(6, 3, dtype=dtype, generator=gen),
        "regular octahedron": torch.cat([torch.eye(3, dtype=dtype), -torch.eye(3, dtype=dtype)]),
        "regular simplex": torch.tensor([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1.0]],
                                        dtype=dtype),
        "collinear (5 points)": torch.linspace(-1, 2, 5, dtype=dtype)[:, None]
        * torch.tensor([1.0, 2.0, -0.5], dtype=dtype),
    }
    g = torch.randn(16, 3, 3, dtype=dtype, generator=gen)
    q, r = torch.linalg.qr(g)
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    q[..., 0] *= torch.linalg.det(q)[:, None]  # rotations
    rows = []
    for name, x in clouds.items():
        n = x.shape[0]
        torch.manual_seed(1)
        mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * n, 32), torch.nn.Tanh(),
                                  torch.nn.Linear(32, 1)).to(dtype)
        row = {"input": name}
        for label, group in (
                ("O(3) robust", OrthogonalFrame(SO(3), reflections=True, on_degenerate="ignore")),
                ("SO(3) robust", OrthogonalFrame(SO(3), on_degenerate="ignore")),
                ("O(3) reference", OrthogonalFrame(SO(3), reflections=True, robust=False,
                                                   on_degenerate="ignore"))):
            fa = FrameAveraging(mlp, group)
            xs = x.unsqueeze(0) @ q.transpose(-1, -2)
            with torch.no_grad():
                err = float((fa(xs) - fa(x.unsqueeze(0))).abs().max())
            row[f"{label}: frame size"] = int(fa.last_frame.sizes[0])
            row[f"{label}: exact"] = bool(fa.last_frame.exact.all())
            row[f"{label}: max invariance error"] = err
        rows.append(row)
    return rows


def frames_demo(out: str | Path = "out", quick: bool = False) -> dict:
    """Frame averaging tour under ``OUT/nets/frames/``: degenerate inputs, then a short FA-GNN /
    EGNN n-body run; returns the summary written to ``demo.json``."""
    from ..data.nbody import NBodyParams

    folder = Path(out) / "nets" / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    print("== frame averaging: degenerate inputs (invariance under 16 random rotations) ==")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrameDegeneracyWarning)
        rows = _degeneracy_table()
    labels = ("O(3) robust", "SO(3) robust", "O(3) reference")
    table = ["| input | " + " | ".join(f"{lab}: size, exact, error" for lab in labels) + " |",
             "|---|" + "---|" * len(labels)]
    for row in rows:
        cells = [f"{row[f'{lab}: frame size']}, {'yes' if row[f'{lab}: exact'] else 'no'}, "
                 f"{row[f'{lab}: max invariance error']:.1e}" for lab in labels]
        table.append(f"| {row['input']} | " + " | ".join(cells) + " |")
    print("\n".join(table))
    (folder / "degenerate_inputs.md").write_text("\n".join(table) + "\n")
    sizes = (100, 50, 50) if quick else (400, 200, 200)
    params = NBodyParams(n_train=sizes[0], n_val=sizes[1], n_test=sizes[2], seed=1)
    print(f"== n-body: {sizes[0]}/{sizes[1]}/{sizes[2]} simulations ==", flush=True)
    data = load_nbody(params, use_cache=False)
    print("  generator:", json.dumps(data.stats))
    epochs = {"fa-gnn": 1 if quick else 10, "egnn": 2 if quick else 30}
    results = {}
    for name in ("fa-gnn", "egnn"):
        hidden = {"fa-gnn": 30 if quick else 60, "egnn": 32 if quick else 64}[name]
        m = train_nbody(name, data, epochs=epochs[name], eval_every=1, hidden=hidden,
                        progress=False)
        results[name] = {k: m[k] for k in ("test_mse", "epochs_run", "train_time_s")}
        print(f"  {MODELS[name]}: test MSE {m['test_mse']:.4f} after {m['epochs_run']} epochs "
              f"({m['train_time_s']:.1f} s)", flush=True)
    # one equivariance check of the trained-from-scratch FA-GNN on test inputs
    model = build_model("fa-gnn", 30, 2)
    x, v, qc = (t[:8].float() for t in (data.test.positions, data.test.velocities,
                                        data.test.charges))
    rot = torch.linalg.qr(torch.randn(8, 3, 3))[0]
    with torch.no_grad():
        lhs = model(x @ rot.transpose(-1, -2) + 1.0, v @ rot.transpose(-1, -2), charges=qc)
        rhs = model(x, v, charges=qc) @ rot.transpose(-1, -2) + 1.0
    eq_err = float((lhs - rhs).abs().max())
    print(f"  FA-GNN E(3) equivariance error (float32): {eq_err:.1e}")
    summary = {"degenerate_inputs": rows, "nbody": results, "nbody_generator": data.stats,
               "fa_gnn_equivariance_error_float32": eq_err, "quick": quick}
    write_json(folder / "demo.json", summary)
    print(f"  wrote {folder / 'demo.json'}")
    return summary

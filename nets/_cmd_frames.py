"""``nets train nbody`` and the frame-averaging part of ``nets demo``."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import time
import warnings
from pathlib import Path

import torch

from .data.nbody import (
    NBodyParams,
    NBodySplit,
    egnn_reference_params,
    load_nbody,
    load_splits,
    save_splits,
)
from .frames import SO, FrameAveraging, FrameDegeneracyWarning, O
from .gnn import EGNN, ORIGINS, ConstantVelocity, NBodyGNN, check_origin, fa_gnn

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
    """Train one model with Adam; return metrics at the epoch of best validation MSE.

    ``schedule``: ``"constant"`` (the EGNN and FA papers' recipe) or ``"cosine"`` (the learning
    rate decays to 0 over ``epochs``, stepped once per epoch). ``save_to``: a path where the
    best state dict is saved with ``torch.save`` (as CPU tensors, whatever ``device``).

    Long runs: ``checkpoint`` is a path rewritten after every evaluation with everything needed
    to continue (weights, optimizer and schedule state, batch-order generator, history, best
    weights, elapsed time); ``resume`` continues such a checkpoint exactly where it stopped, up
    to ``epochs`` in total (the configuration must match; ``time_limit_s`` counts this call
    only). ``init_from`` starts from saved weights (a state dict or a checkpoint) with a fresh
    optimizer and epoch count: a warm start, recorded in the metrics as ``init_from``. The
    metrics' ``segments`` list which device ran which epochs for how long, one entry per call; a
    checkpoint carries ``init_from`` and the segments on, so a run split across sessions and
    machines keeps its whole record. Checkpoints load on the CPU and move between devices.

    The splits are moved to ``device`` once; the batch order comes from a seeded CPU generator,
    so a run's batches are the same on every device.
    """
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"expected schedule 'constant' or 'cosine', got {schedule!r}")
    if resume is not None and init_from is not None:
        raise ValueError("give either resume (continue a checkpoint) or init_from (warm start "
                         "from weights), not both")
    device = torch.device(device)
    torch.manual_seed(seed)
    hidden = DEFAULT_HIDDEN[model_name] if hidden is None else hidden
    config = {"model": model_name, "hidden": hidden, "layers": layers, "batch_size": batch_size,
              "lr": lr, "schedule": schedule, "weight_decay": weight_decay,
              "detach_frames": detach_frames, "origin": origin, "seed": seed}
    model = build_model(model_name, hidden, layers, detach_frames=detach_frames,
                        origin=origin).to(device)
    train_s, val_s, test_s = (_split_to(s, device) for s in (data.train, data.val, data.test))
    data_params = data.params.asdict() if hasattr(data, "params") else None
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
             if schedule == "cosine" else None)
    gen = torch.Generator().manual_seed(seed)
    f32 = torch.float32
    best = {"val_mse": math.inf, "epoch": 0, "state": copy.deepcopy(model.state_dict())}
    history: list[dict] = []
    first, prior_s = 1, 0.0
    segments: list[dict] = []  # one per call: where which epochs ran, for how long
    if init_from is not None:
        saved = torch.load(init_from, map_location="cpu")
        model.load_state_dict(saved["model"] if _is_checkpoint(saved) else saved)
        best["state"] = copy.deepcopy(model.state_dict())
    if resume is not None:
        # on the CPU: the RNG states must stay CPU tensors; load_state_dict moves the weights and
        # Adam's moments to the model's device, so a checkpoint moves between CPU and GPU
        ck = torch.load(resume, map_location="cpu")
        if not _is_checkpoint(ck):
            raise ValueError(f"expected a checkpoint written by train_nbody(checkpoint=...), "
                             f"got {resume} (a bare state dict? use init_from)")
        saved_config = {**_CONFIG_BEFORE_KEYS, **ck["config"]}
        differ = {k: (saved_config.get(k, "<not recorded>"), v) for k, v in config.items()
                  if saved_config.get(k, "<not recorded>") != v}
        if ck.get("data") is not None and data_params is not None and ck["data"] != data_params:
            differ["data"] = (ck["data"], data_params)
        if differ:
            raise ValueError("checkpoint configuration differs (saved, given): " + ", ".join(
                f"{k}={a!r} vs {b!r}" for k, (a, b) in differ.items()))
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        if sched is not None:
            sched.load_state_dict(ck["scheduler"])
        gen.set_state(ck["generator"])
        torch.set_rng_state(ck["torch_rng"])
        history, best = ck["history"], ck["best"]
        first, prior_s = ck["epoch"] + 1, ck["elapsed_s"]
        init_from = ck.get("init_from")  # a warm start stays on the record through resumes
        segments = ck.get("segments")
        if segments is None:  # written before checkpoints kept their record
            warnings.warn(f"{resume} does not record where its {ck['epoch']} epochs ran or "
                          "whether they began from a warm start; the metrics say 'not recorded'",
                          stacklevel=2)
            segments = [_segment("not recorded", 1, ck["epoch"], prior_s)]
    here = _device_name(device)
    start = time.perf_counter()
    bar = range(first, epochs + 1)
    if progress:
        from tqdm import tqdm

        bar = tqdm(bar, desc=f"nbody {model_name}", unit="epoch", mininterval=2.0,
                   initial=first - 1, total=epochs)
    done = first - 1
    for epoch in bar:
        model.train()
        run, count = 0.0, 0
        for x, v, q, y in _batches(train_s, batch_size, gen):
            loss = torch.nn.functional.mse_loss(model(x.to(f32), v.to(f32), charges=q.to(f32)),
                                                y.to(f32))
            opt.zero_grad()
            loss.backward()
            opt.step()
            run += loss.item() * len(x)
            count += len(x)
        if sched is not None:
            sched.step()
        done = epoch
        elapsed = time.perf_counter() - start
        last = epoch == epochs or elapsed > time_limit_s
        if epoch % eval_every == 0 or last:
            val = evaluate(model, val_s)
            history.append({"epoch": epoch, "train_mse": run / count, "val_mse": val,
                            "time_s": round(prior_s + elapsed, 2)})
            if val < best["val_mse"]:
                best = {"val_mse": val, "epoch": epoch, "state": copy.deepcopy(model.state_dict())}
            if progress:
                # three significant digits: a long run fits its training set (MSE ~1e-5)
                bar.set_postfix(train=f"{run / count:.3g}", val=f"{val:.3g}",
                                best=f"{best['val_mse']:.3g}")
            if checkpoint is not None:
                _save_checkpoint(checkpoint, {
                    "format": _CHECKPOINT_FORMAT, "config": config, "epoch": epoch,
                    "data": data_params,
                    "init_from": None if init_from is None else str(init_from),
                    "segments": segments + [_segment(here, first, epoch, elapsed)],
                    "model": model.state_dict(), "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict() if sched is not None else None,
                    "generator": gen.get_state(), "torch_rng": torch.get_rng_state(),
                    "history": history, "best": best, "elapsed_s": prior_s + elapsed})
        if last:
            break
    train_time = prior_s + time.perf_counter() - start
    segments = segments + [_segment(here, first, done, train_time - prior_s)]
    model.load_state_dict(best["state"])
    if save_to is not None:  # CPU tensors: the weights load anywhere without map_location
        torch.save({k: t.cpu() for k, t in best["state"].items()}, save_to)
    return {
        "model": MODELS[model_name],
        "epochs_run": done,
        "best_epoch": best["epoch"],
        "train_time_s": round(train_time, 1),
        "val_mse": best["val_mse"],
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
        "init_from": None if init_from is None else str(init_from),
        "resumed_from_epoch": None if resume is None else first - 1,
        "parameters": sum(p.numel() for p in model.parameters()),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU",
        "torch_threads": torch.get_num_threads(),
        "segments": segments,
        "history": history,
    }


_CHECKPOINT_FORMAT = "symkit.nets.nbody/1"
#: Configuration keys added after checkpoints were first written, with the value those older
#: checkpoints ran with: a checkpoint without the key resumes under that value only.
_CONFIG_BEFORE_KEYS = {"origin": "positions"}


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return _cpu_label(torch.get_num_threads(), device.type.upper())


def _cpu_label(threads: int, name: str = "CPU") -> str:
    return f"{name} ({threads} thread{'s' if threads > 1 else ''})"


def _segment(device: str, first: int, last: int, wall_s: float) -> dict:
    return {"device": device, "first_epoch": first, "last_epoch": last,
            "wall_s": round(wall_s, 1)}


def _is_checkpoint(obj) -> bool:
    return isinstance(obj, dict) and obj.get("format") == _CHECKPOINT_FORMAT


def _save_checkpoint(path: str | Path, state: dict) -> None:
    """Write atomically: a run killed mid-write leaves the previous checkpoint intact."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def run_name(metrics: dict) -> str:
    """How a run is named in the results table and the learning curves: the model, and the
    authors' centroid output as a run of its own (it is another model with the same weights)."""
    origin = metrics.get("origin", "positions")
    if origin == "positions":
        return metrics["model"]
    return f"{metrics['model']}, output about the {origin}"


def results_table(folder: Path) -> str:
    """Markdown table: published test MSEs next to every ``<model>.json`` in ``folder``."""
    ours = {}
    for path in sorted(folder.glob("*.json")):
        m = json.loads(path.read_text())
        if "test_mse" in m:
            ours[run_name(m)] = m
    lines = ["| model | published test MSE | ours: test MSE | ours: budget |",
             "|---|---|---|---|"]
    rows = list(PUBLISHED_MSE.items()) + [(k, None) for k in ours if k not in PUBLISHED_MSE]
    for name, mse in rows:
        m = ours.get(name)
        ours_s = f"{m['test_mse']:.4f}" if m else "—"
        budget = "—"
        if m:
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
                budget += (f", warm start from {Path(m['init_from']).name} "
                           "(earlier epochs not counted)")
            if m.get("resumed_from_epoch"):
                budget += f", resumed at epoch {m['resumed_from_epoch']}"
        published = "—" if mse is None else f"{mse:.4f}"
        lines.append(f"| {name} | {published} | {ours_s} | {budget} |")
    return "\n".join(lines) + "\n"


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
    ``C{i}``."""
    for i, m in enumerate(metrics):
        h = m["history"]
        color = f"C{i}"
        epochs = [e["epoch"] for e in h]
        label = f"{run_name(m)} ({m.get('device', 'CPU')})"
        ax.plot(epochs, [e["val_mse"] for e in h], color=color, label=f"{label}: validation")
        ax.plot(epochs, [e["train_mse"] for e in h], color=color, ls="--", lw=0.8,
                label=f"{label}: training")
        if m["model"] in PUBLISHED_MSE:
            ax.axhline(PUBLISHED_MSE[m["model"]], color=color, ls=":", lw=1)
    ax.set(xlabel="epoch", ylabel="MSE", yscale="log",
           title=f"{title} (dotted: published test MSE)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)


def _params_from(args) -> NBodyParams:
    sizes = dict(n_train=args.n_train, n_val=args.n_val, n_test=args.n_test)
    if args.data == "egnn-small":
        seed = 43 if args.data_seed is None else args.data_seed
        return egnn_reference_params(seed=seed, **sizes)
    return NBodyParams(seed=0 if args.data_seed is None else args.data_seed, **sizes)


def _run_train(args) -> int:
    torch.set_num_threads(args.threads)
    out = Path(args.out) / "nets" / "nbody"
    out.mkdir(parents=True, exist_ok=True)
    # a bad model configuration fails here, before minutes of data generation
    build_model(args.model, args.hidden, args.layers, detach_frames=args.detach_frames,
                origin=args.origin)
    if args.splits is not None:
        data = load_splits(args.splits)
        print(f"n-body data from {args.splits}: {len(data.train)}/{len(data.val)}/"
              f"{len(data.test)} simulations (--n-train/--n-val/--n-test/--data/--data-seed "
              "ignored)",
              flush=True)
    else:
        print(f"n-body data: {args.n_train}/{args.n_val}/{args.n_test} simulations", flush=True)
        sim_device = torch.device(args.sim_device or args.device)
        chunk = 256 if sim_device.type == "cpu" else 1 << 16
        data = load_nbody(_params_from(args), cache_dir=args.cache_dir, progress=True,
                          device=sim_device, chunk_size=chunk)
    if args.export_splits is not None:
        print(f"wrote the splits to {save_splits(data, args.export_splits)}", flush=True)
        return 0
    (out / "generator_stats.json").write_text(json.dumps(
        {"params": dataclasses.asdict(data.params), **data.stats}, indent=2))
    print("generator:", json.dumps(data.stats), flush=True)
    # a bare weights file does not say where its output is anchored: keep the variants apart
    stem = args.model if args.origin == "positions" else f"{args.model}-{args.origin}"
    metrics = train_nbody(args.model, data, epochs=args.epochs, batch_size=args.batch_size,
                          lr=args.lr, eval_every=args.eval_every,
                          time_limit_s=args.time_limit * 60, seed=args.seed, device=args.device,
                          hidden=args.hidden, layers=args.layers, schedule=args.schedule,
                          weight_decay=args.weight_decay, detach_frames=args.detach_frames,
                          origin=args.origin,
                          save_to=out / f"{stem}.pt", checkpoint=out / f"{stem}.ckpt",
                          resume=args.resume, init_from=args.init_from)
    metrics["generator"] = data.stats
    (out / f"{stem}.json").write_text(json.dumps(metrics, indent=2))
    table = results_table(out)
    (out / "results.md").write_text(table)
    runs = [json.loads(f.read_text()) for f in sorted(out.glob("*.json"))]
    learning_curves([m for m in runs if "history" in m], out / "learning_curves.png")
    print(f"{MODELS[args.model]}: test MSE {metrics['test_mse']:.5f} after "
          f"{metrics['epochs_run']} epochs ({metrics['train_time_s']:.0f} s)\n{table}", flush=True)
    return 0


def register_train(train_subparsers) -> None:
    """``nets train nbody --model {fa-gnn,egnn,gnn,linear}``."""
    p = train_subparsers.add_parser(
        "nbody", help="charged 5-body prediction (FA-GNN, EGNN, GNN, Linear)")
    p.add_argument("--model", choices=sorted(MODELS), default="fa-gnn")
    p.add_argument("--epochs", type=int, default=10000)
    p.add_argument("--time-limit", type=float, default=math.inf,
                   help="stop after the epoch that passes this many minutes")
    p.add_argument("--n-train", type=int, default=3000)
    p.add_argument("--n-val", type=int, default=2000)
    p.add_argument("--n-test", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--schedule", choices=("constant", "cosine"), default="constant",
                   help="learning-rate schedule (cosine: decay to 0 over --epochs)")
    p.add_argument("--weight-decay", type=float, default=1e-12)
    p.add_argument("--detach-frames", action="store_true",
                   help="fa-gnn: no gradient through the hidden frames (the authors' code)")
    p.add_argument("--origin", choices=ORIGINS, default="positions",
                   help="fa-gnn: add the averaged decoder output to the input positions (a "
                        "residual) or to their centroid (the authors' code)")
    p.add_argument("--hidden", type=int, default=None,
                   help="hidden width (default: 60 for fa-gnn, 64 for the others)")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", choices=("ours", "egnn-small"), default="ours",
                   help="initial conditions: our seeded torch draw, or a replay of the EGNN "
                        "script's numpy stream (egnn-small: its nbody_small data set, the one "
                        "the published numbers use)")
    p.add_argument("--data-seed", type=int, default=None,
                   help="seed of the initial conditions (default: 0 for ours, 43 for egnn-small)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="torch device for training, e.g. cuda")
    p.add_argument("--sim-device", default=None,
                   help="where to generate missing data (default: --device)")
    p.add_argument("--cache-dir", default=None, help="default: $SYMKIT_CACHE or ~/.cache/symkit")
    p.add_argument("--splits", default=None, metavar="FILE",
                   help="train on the splits in FILE (written by --export-splits) instead of the "
                        "generator's data: carry a task to another machine bit for bit")
    p.add_argument("--export-splits", default=None, metavar="FILE",
                   help="write the task's splits (2.8 MB at the paper's sizes) to FILE and exit")
    p.add_argument("--out", default="out", help="results go to OUT/nets/nbody/")
    p.add_argument("--resume", default=None, metavar="CKPT",
                   help="continue a run from its checkpoint (OUT/nets/nbody/MODEL.ckpt, rewritten "
                        "at every evaluation) up to --epochs in total")
    p.add_argument("--init-from", default=None, metavar="WEIGHTS",
                   help="warm start from saved weights (MODEL.pt or a checkpoint), fresh optimizer")
    p.set_defaults(func=_run_train)


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
        for label, group in (("O(3) robust", O(3, on_degenerate="ignore")),
                             ("SO(3) robust", SO(3, on_degenerate="ignore")),
                             ("O(3) reference", O(3, robust=False, on_degenerate="ignore"))):
            fa = FrameAveraging(mlp, group)
            xs = x.unsqueeze(0) @ q.transpose(-1, -2)
            with torch.no_grad():
                err = float((fa(xs) - fa(x.unsqueeze(0))).abs().max())
            row[f"{label}: frame size"] = int(fa.last_frame.sizes[0])
            row[f"{label}: exact"] = bool(fa.last_frame.exact.all())
            row[f"{label}: max invariance error"] = err
        rows.append(row)
    return rows


def demo(args) -> int:
    """Frame averaging tour: degenerate inputs, then a short FA-GNN / EGNN n-body run."""
    quick = bool(getattr(args, "quick", False))
    out = Path(args.out) / "nets" / "frames"
    out.mkdir(parents=True, exist_ok=True)
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
    (out / "degenerate_inputs.md").write_text("\n".join(table) + "\n")
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
    (out / "demo.json").write_text(json.dumps(summary, indent=2))
    print(f"  wrote {out / 'demo.json'}")
    return 0

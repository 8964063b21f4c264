"""``nets train nbody`` and the frame-averaging part of ``nets demo``: argument parsing only; the
experiment is :mod:`nets.experiments.nbody`."""

from __future__ import annotations

from pathlib import Path

from symkit.cli import (
    UsageError,
    add_out_option,
    add_runtime_options,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
)

from .experiments.nbody import MODELS
from .gnn import ORIGINS

__all__ = ["register_train", "demo"]


def _params_from(args):
    from .data.nbody import NBodyParams, egnn_reference_params

    sizes = dict(n_train=args.n_train, n_val=args.n_val, n_test=args.n_test)
    if args.data == "egnn-small":
        seed = 43 if args.data_seed is None else args.data_seed
        return egnn_reference_params(seed=seed, **sizes)
    return NBodyParams(seed=0 if args.data_seed is None else args.data_seed, **sizes)


def _validate(args) -> None:
    """Everything that can be checked before data generation."""
    from .experiments.harness import resolve_device
    from .experiments.nbody import build_model

    args.device = str(resolve_device(args.device, args.threads))
    if args.sim_device is not None:
        args.sim_device = str(resolve_device(args.sim_device, option="--sim-device"))
    if args.resume is not None and args.init_from is not None:
        raise UsageError("give either --resume (continue a checkpoint) or --init-from (warm "
                         "start from weights), not both")
    for option, path in (("--resume", args.resume), ("--init-from", args.init_from),
                         ("--splits", args.splits)):
        if path is not None and not Path(path).is_file():
            raise UsageError(f"{option}: expected an existing file, got {path!r}")
    try:
        build_model(args.model, args.hidden, args.layers, detach_frames=args.detach_frames,
                    origin=args.origin)
        if args.splits is None:
            _params_from(args)
    except ValueError as err:
        raise UsageError(str(err)) from None


def _run_train(args) -> int:
    from .experiments.nbody import run_nbody

    run_nbody(args.out, model=args.model, params=None if args.splits else _params_from(args),
              splits=args.splits, export_splits=args.export_splits, cache_dir=args.cache_dir,
              sim_device=args.sim_device, device=args.device, epochs=args.epochs,
              batch_size=args.batch_size, lr=args.lr, eval_every=args.eval_every,
              time_limit_s=args.time_limit * 60, seed=args.seed, hidden=args.hidden,
              layers=args.layers, schedule=args.schedule, weight_decay=args.weight_decay,
              detach_frames=args.detach_frames, origin=args.origin, resume=args.resume,
              init_from=args.init_from)
    return 0


def register_train(train_subparsers) -> None:
    """``nets train nbody --model {fa-gnn,egnn,gnn,linear,fa-gnn-input}``."""
    p = train_subparsers.add_parser(
        "nbody", help="charged 5-body prediction (FA-GNN, EGNN, GNN, Linear)",
        description="Train one model on the charged 5-body task; metrics, checkpoint, best "
        "weights, the results table and learning curves go to OUT/nets/nbody/.")
    p.add_argument("--model", choices=sorted(MODELS), default="fa-gnn")
    p.add_argument("--epochs", type=positive_int, default=10000)
    p.add_argument("--n-train", type=positive_int, default=3000, help="training simulations")
    p.add_argument("--n-val", type=positive_int, default=2000, help="validation simulations")
    p.add_argument("--n-test", type=positive_int, default=2000, help="test simulations")
    p.add_argument("--batch-size", type=positive_int, default=100)
    p.add_argument("--lr", type=positive_float, default=5e-4, help="Adam learning rate")
    p.add_argument("--schedule", choices=("constant", "cosine"), default="constant",
                   help="learning-rate schedule (cosine: decay to 0 over --epochs)")
    p.add_argument("--weight-decay", type=nonnegative_float, default=1e-12)
    p.add_argument("--detach-frames", action="store_true",
                   help="fa-gnn: no gradient through the hidden frames (the authors' code)")
    p.add_argument("--origin", choices=ORIGINS, default="positions",
                   help="fa-gnn: add the averaged decoder output to the input positions (a "
                        "residual) or to their centroid (the authors' code)")
    p.add_argument("--hidden", type=positive_int, default=None,
                   help="hidden width (default: 60 for fa-gnn, 64 for the others)")
    p.add_argument("--layers", type=positive_int, default=4)
    p.add_argument("--eval-every", type=positive_int, default=5, help="epochs between "
                   "validations (and checkpoints)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="initial weights and batch "
                   "order")
    p.add_argument("--data", choices=("ours", "egnn-small"), default="ours",
                   help="initial conditions: our seeded torch draw, or a replay of the EGNN "
                        "script's numpy stream (egnn-small: its nbody_small data set, the one "
                        "the published numbers use)")
    p.add_argument("--data-seed", type=nonnegative_int, default=None,
                   help="seed of the initial conditions (default: 0 for ours, 43 for egnn-small)")
    add_runtime_options(p, time_limit=True)
    p.add_argument("--sim-device", default=None,
                   help="where to generate missing data (default: --device)")
    p.add_argument("--cache-dir", default=None, help="default: $SYMKIT_CACHE or ~/.cache/symkit")
    p.add_argument("--splits", default=None, metavar="FILE",
                   help="train on the splits in FILE (written by --export-splits) instead of the "
                        "generator's data: carry a task to another machine bit for bit")
    p.add_argument("--export-splits", default=None, metavar="FILE",
                   help="write the task's splits (2.8 MB at the paper's sizes) to FILE and exit")
    add_out_option(p, "nets/nbody")
    p.add_argument("--resume", default=None, metavar="CKPT",
                   help="continue a run from its checkpoint (OUT/nets/nbody/MODEL.ckpt, rewritten "
                        "at every evaluation) up to --epochs in total")
    p.add_argument("--init-from", default=None, metavar="WEIGHTS",
                   help="warm start from saved weights (MODEL.pt or a checkpoint), fresh optimizer")
    p.set_defaults(func=_run_train, validate=_validate)


def demo(args) -> int:
    """Frame averaging tour: degenerate inputs, then a short FA-GNN / EGNN n-body run."""
    from .experiments.nbody import frames_demo

    frames_demo(args.out, quick=bool(getattr(args, "quick", False)))
    return 0

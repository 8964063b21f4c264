"""``nets train soft`` and the soft-equivariance part of ``nets demo`` (argument parsing only; the
experiment is :mod:`nets.experiments.soft`)."""

from __future__ import annotations

import argparse
import math

from symkit.cli import (
    UsageError,
    add_out_option,
    add_runtime_options,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
)

__all__ = ["register_train", "demo"]

_TASKS = ("inertia", "cosine", "se3", "motion")
_METHODS = ("mlp", "exact", "rpp", "aug", "ours-reference", "ours-eb", "free", "oracle")
_TASK_DEFAULTS = ("task defaults: epochs 750 (3000 steps at batch 250); lr 1e-2; hidden 16 8 8; "
                  "blocks 1, bilinear gates (motion: 2, sigmoid gates)")


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {text!r}")
    return value


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _validate(args) -> None:
    from nets.experiments.harness import resolve_device

    resolve_device(args.device, args.threads)
    if args.hidden is not None and sum(args.hidden) == 0:
        raise UsageError(f"expected --hidden with at least one channel, got {args.hidden}")
    if args.batch_size > args.train:
        raise UsageError(f"expected --batch-size <= --train ({args.train}), got "
                         f"{args.batch_size}")
    if args.window < 1:
        raise UsageError(f"expected --window >= 1, got {args.window}")


def _configs(args):
    from nets.experiments.soft import SoftConfig

    tasks = _TASKS if args.task == "all" else (args.task,)
    for task in tasks:
        yield SoftConfig(
            task=task, methods=tuple(dict.fromkeys(args.methods)), seeds=args.seeds,
            epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
            strength=tuple(args.strength),
            warmup_fraction=args.warmup_fraction, power=args.power, window=args.window,
            eb_alpha=args.eb_alpha, eb_floor=args.eb_floor, eb_max=args.eb_max,
            hidden=None if args.hidden is None else tuple(args.hidden), blocks=args.blocks,
            init=args.init, width=args.width, depth=args.depth, mlp_lr=args.mlp_lr,
            rpp_free_decay=tuple(args.rpp_free_decay),
            rpp_equivariant_decay=args.rpp_equivariant_decay,
            sizes=(args.train, args.val, args.test), eps=args.eps, data_seed=args.data_seed,
            error_samples=args.error_samples, eval_every=args.eval_every,
            record_every=args.record_every, out=args.out, subdir=getattr(args, "subdir", ""),
            progress=not args.no_progress, device=args.device,
            time_limit_s=args.time_limit * 60)


def _run(args) -> int:
    from nets.experiments.soft import run_soft

    for cfg in _configs(args):
        run_soft(cfg)
    return 0


def _add_options(p, *, seeds=3, epochs=None, sizes=(1000, 1000, 1000),
                 methods=_METHODS) -> None:
    p.add_argument("--task", choices=_TASKS + ("all",), default="inertia",
                   help="synthetic task (all: the four in turn)")
    p.add_argument("--methods", nargs="+", choices=_METHODS, default=list(methods),
                   help="methods to train")
    p.add_argument("--seeds", type=positive_int, default=seeds, help="seeds per method")
    p.add_argument("--epochs", type=positive_int, default=epochs, help=_TASK_DEFAULTS)
    p.add_argument("--batch-size", type=positive_int, default=250)
    p.add_argument("--lr", type=positive_float, default=None,
                   help="Adam learning rate of the gated tensor nets (warm-up, cosine to 0)")
    p.add_argument("--mlp-lr", type=positive_float, default=3e-3,
                   help="learning rate of the MLP models (mlp, aug, invariant-feature models)")
    p.add_argument("--strength", type=nonnegative_float, nargs="+", default=[1e-3, 1e-2, 1e-1],
                   help="initial strength λ of every candidate type (loss units); several "
                        "values: chosen by validation on seed 0, then kept for the other seeds")
    p.add_argument("--warmup-fraction", type=_fraction, default=1 / 3,
                   help="share of the steps before the strength rules act")
    p.add_argument("--power", type=positive_float, default=2.0, help="p of the reference rule")
    p.add_argument("--window", type=positive_int, default=100,
                   help="steps over which the reference rule takes each R_j's minimum")
    p.add_argument("--eb-alpha", type=nonnegative_float, default=1.0,
                   help="inverse-gamma shape of the empirical-Bayes variance hyperpriors")
    p.add_argument("--eb-floor", type=positive_float, default=1e-8,
                   help="per-coordinate variance the empirical-Bayes hyperprior is centred on")
    p.add_argument("--eb-max", type=positive_float, default=None,
                   help="cap on the empirical-Bayes strengths (default: 1e6 for the proximal "
                        "projection form, 1 for the sampling form)")
    p.add_argument("--hidden", type=nonnegative_int, nargs=3, default=None,
                   metavar=("S", "V", "T"),
                   help="scalar, vector and tensor channels of the gated tensor nets")
    p.add_argument("--blocks", type=positive_int, default=None, help="hidden blocks")
    p.add_argument("--init", choices=("random", "symmetric"), default="random",
                   help="our methods' start: random weights, or their projection onto the maps "
                        "equivariant under the full candidate group (projection-form tasks)")
    p.add_argument("--width", type=positive_int, default=128, help="MLP width")
    p.add_argument("--depth", type=positive_int, default=3, help="MLP hidden layers")
    p.add_argument("--rpp-free-decay", type=nonnegative_float, nargs="+",
                   default=[1e-1, 1e-3, 1e-5],
                   help="L2 prior on the residual pathway's free path; several values: chosen "
                        "by validation on seed 0")
    p.add_argument("--rpp-equivariant-decay", type=nonnegative_float, default=1e-5,
                   help="L2 prior on the residual pathway's equivariant path")
    p.add_argument("--train", type=positive_int, default=sizes[0], help="training examples")
    p.add_argument("--val", type=positive_int, default=sizes[1], help="validation examples")
    p.add_argument("--test", type=positive_int, default=sizes[2], help="test examples")
    p.add_argument("--eps", type=_finite, default=None,
                   help="symmetry-breaking size (inertia 0.3, cosine 0.1, se3 0.3; motion: the "
                        "field, 0.2)")
    p.add_argument("--data-seed", type=nonnegative_int, default=0)
    p.add_argument("--error-samples", type=positive_int, default=8,
                   help="group elements per test input for the equivariance errors")
    p.add_argument("--eval-every", type=positive_int, default=25, help="epochs between evaluations")
    p.add_argument("--record-every", type=positive_int, default=10,
                   help="optimizer steps between records of the strengths")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_runtime_options(p, threads=1, time_limit=True)
    add_out_option(p, "nets/soft/<task>")


def register_train(train_subparsers) -> None:
    """Add ``nets train soft``."""
    p = train_subparsers.add_parser(
        "soft", help="soft equivariance under mixed symmetries: per-type regularizers with "
                     "tuned strengths vs MLP, exact, residual-pathway and augmentation",
        description="Train every method on a synthetic task with mixed approximate symmetries; "
                    "writes metrics.json, table.md and strengths.png under OUT/nets/soft/TASK/.")
    _add_options(p)
    p.set_defaults(func=_run, validate=_validate)


def demo(args) -> int:
    """Soft-equivariance part of ``nets demo``: modified inertia, one seed, short training."""
    from symkit.cli import ArgumentParser

    quick = bool(getattr(args, "quick", False))
    p = ArgumentParser()
    _add_options(p, seeds=1, epochs=5 if quick else 100, sizes=(300, 300, 300),
                 methods=("exact", "rpp", "ours-reference", "ours-eb"))
    ns = p.parse_args(["--out", args.out, "--no-progress", "--eval-every", "5",
                       "--error-samples", "2", "--rpp-free-decay", "1e-3", "--strength", "0.1"])
    ns.subdir = "demo"
    _validate(ns)
    print(f"== nets demo: soft equivariance on modified inertia ({'quick' if quick else 'short'})"
          " ==", flush=True)
    _run(ns)
    return 0

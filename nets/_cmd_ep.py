"""``nets train ep-digits`` and the EP part of ``nets demo``: argument parsing only; the
experiment is :mod:`nets.experiments.ep_digits`."""

from __future__ import annotations

from symkit.cli import (
    ArgumentParser,
    add_out_option,
    add_runtime_options,
    nonnegative_float,
    positive_float,
    positive_int,
)

from .experiments.ep_digits import VARIANTS

__all__ = ["demo", "register_train"]


def _add_options(p, *, epochs, seeds, hidden):
    add_out_option(p, "nets/ep")
    p.add_argument("--seeds", type=positive_int, default=seeds, help="seeds per variant")
    p.add_argument("--epochs", type=positive_int, default=epochs)
    p.add_argument("--hidden", type=positive_int, default=hidden, help="hidden layer width")
    p.add_argument("--batch-size", type=positive_int, default=128)
    p.add_argument("--lr", type=positive_float, default=1e-2, help="Adam learning rate")
    p.add_argument("--clip", type=positive_float, default=1.0, help="gradient-norm clip")
    p.add_argument("--beta", type=positive_float, default=0.05, help="nudge for centred EP")
    p.add_argument("--homeostasis", type=nonnegative_float, default=50.0,
                   help="homeostasis loss weight")
    p.add_argument("--logit-scale", type=positive_float, default=4.0)
    p.add_argument("--dt", type=positive_float, default=0.5, help="solver damping")
    p.add_argument("--tol", type=positive_float, default=1e-6, help="solver tolerance on max |F|")
    p.add_argument("--max-iter", type=positive_int, default=5000)
    add_runtime_options(p, device=None)
    p.add_argument("--variants", nargs="*", choices=list(VARIANTS), default=None,
                   help="variants to run (default: all)")
    p.add_argument("--no-progress", action="store_true", help="no tqdm bars")


def _run(args, subdir: str = "") -> int:
    from .experiments.ep_digits import run_ep_digits

    run_ep_digits(args.out, variants=args.variants, seeds=args.seeds, epochs=args.epochs,
                  hidden=args.hidden, batch_size=args.batch_size, lr=args.lr, clip=args.clip,
                  beta=args.beta, homeostasis=args.homeostasis, logit_scale=args.logit_scale,
                  dt=args.dt, tol=args.tol, max_iter=args.max_iter, threads=args.threads,
                  progress=not args.no_progress, subdir=subdir)
    return 0


def register_train(train_subparsers) -> None:
    """Add ``nets train ep-digits``."""
    p = train_subparsers.add_parser(
        "ep-digits", help="EP with/without weight symmetry and homeostasis vs backprop on digits",
        description="Equilibrium propagation with and without weight symmetry and Jacobian "
        "homeostasis, against recurrent and feedforward backprop, on scikit-learn's digits; "
        "metrics.json, table.md and alignment.png go to OUT/nets/ep/.")
    _add_options(p, epochs=30, seeds=3, hidden=128)
    p.set_defaults(func=_run)


def demo(args) -> int:
    """EP part of ``nets demo``: one seed, a few epochs, under ``OUT/nets/ep/demo``."""
    quick = getattr(args, "quick", False)
    p = ArgumentParser()
    _add_options(p, epochs=2 if quick else 12, seeds=1, hidden=32 if quick else 64)
    ns = p.parse_args(["--out", args.out, "--no-progress"])
    if quick:
        ns.variants = ["sym-ep", "asym-ep+homeo"]
    print(f"== nets demo: equilibrium propagation on digits ({'quick' if quick else 'short'}) ==")
    return _run(ns, subdir="demo")

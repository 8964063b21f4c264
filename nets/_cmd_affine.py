"""``nets train affine-digits`` and the affine part of ``nets demo`` (argument parsing only; the
experiment is :mod:`nets.experiments.affine_digits`)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from symkit.cli import (
    UsageError,
    add_out_option,
    add_runtime_options,
    nonnegative_float,
    positive_float,
    positive_int,
)

__all__ = ["register_train", "demo"]

_MODELS = ("sl2", "gl2", "so2", "rs2", "cnn", "cnn-augmented")


def _rotation(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= math.pi:
        raise argparse.ArgumentTypeError(f"expected an angle in (0, pi] radians, got {text!r}")
    return value


def _config(args):
    from nets.experiments.affine_digits import AffineConfig

    return AffineConfig(
        models=tuple(dict.fromkeys(args.model)), seeds=args.seeds, epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, n_samples=args.samples,
        eval_samples=args.eval_samples,
        channels=tuple(args.channels), cnn_channels=tuple(args.cnn_channels),
        kernel_sizes=tuple(args.kernel_sizes), spread=args.spread, rotation=args.rotation,
        hidden=args.hidden, kernel=args.kernel, test_copies=args.test_copies, data=args.data,
        mnist_dir=args.mnist_dir, affnist_dir=args.affnist_dir, affnist_order=args.affnist_order,
        train_limit=args.train_limit,
        test_limit=args.test_limit, device=args.device, out=args.out,
        progress=not args.no_progress, magnitudes=tuple(args.magnitudes))


def _validate(args) -> None:
    from nets.experiments.harness import resolve_device

    resolve_device(args.device, args.threads)
    if len(args.channels) != len(args.kernel_sizes) or len(args.cnn_channels) != len(
            args.kernel_sizes):
        raise UsageError(f"expected --channels, --cnn-channels and --kernel-sizes of the same "
                         f"length, got {args.channels}, {args.cnn_channels}, {args.kernel_sizes}")
    if any(k % 2 == 0 for k in args.kernel_sizes):
        raise UsageError(f"expected odd --kernel-sizes, got {args.kernel_sizes}")
    if args.data == "affnist":
        for opt, path in (("--mnist-dir", args.mnist_dir), ("--affnist-dir", args.affnist_dir)):
            if path is None or not Path(path).is_dir():
                raise UsageError(f"--data affnist needs {opt} naming an existing directory, got "
                                 f"{path!r}")


def _run(args) -> int:
    from nets.experiments.affine_digits import run_affine_digits

    run_affine_digits(_config(args))
    return 0


def _add_options(p, *, epochs=20, seeds=3, samples=4, eval_samples=8,
                 channels=(12, 12, 12), cnn_channels=(24, 24, 24)):
    p.add_argument("--model", nargs="+", choices=_MODELS,
                   default=["sl2", "gl2", "so2", "rs2", "cnn", "cnn-augmented"],
                   help="models to train (H = SL(2), GL+(2), SO(2), rotation-scaling; plain CNN "
                        "with and without affine augmentation)")
    p.add_argument("--seeds", type=positive_int, default=seeds, help="seeds per model")
    p.add_argument("--epochs", type=positive_int, default=epochs)
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--lr", type=positive_float, default=3e-3, help="Adam, cosine to 0")
    p.add_argument("--samples", type=positive_int, default=samples,
                   help="group samples S per forward pass in training")
    p.add_argument("--eval-samples", type=positive_int, default=eval_samples,
                   help="group samples in evaluation (fixed, scrambled Sobol)")
    p.add_argument("--channels", type=positive_int, nargs="+", default=list(channels),
                   help="channels of the lifting and group convolutions")
    p.add_argument("--cnn-channels", type=positive_int, nargs="+", default=list(cnn_channels),
                   help="channels of the plain CNN's convolutions")
    p.add_argument("--kernel-sizes", type=positive_int, nargs="+", default=[7, 5, 5])
    p.add_argument("--spread", type=positive_float, default=0.25,
                   help="half-width of the proposal's uniform law on the stretch/scale "
                        "coordinates (the symmetric log of the stretch; log s)")
    p.add_argument("--rotation", type=_rotation, default=round(math.pi / 6, 6),
                   help="largest sampled rotation angle in radians (pi: the whole circle, "
                        "which cannot tell a 6 from a rotated 9)")
    p.add_argument("--kernel", choices=("rbf", "mlp"), default="rbf",
                   help="kernel parametrization: a fixed basis with learned coefficients, or "
                        "an MLP")
    p.add_argument("--hidden", type=positive_int, default=32,
                   help="kernel-network width (--kernel mlp)")
    p.add_argument("--test-copies", type=positive_int, default=5,
                   help="transformed copies of each test digit")
    p.add_argument("--magnitudes", type=nonnegative_float, nargs="+",
                   default=[0.0, 0.5, 1.0, 1.5, 2.0],
                   help="transformation magnitudes of the sweep (1 = affNIST's ranges)")
    p.add_argument("--data", choices=("digits", "affnist"), default="digits",
                   help="digits: scikit-learn's digits (bundled); affnist: train on MNIST from "
                        "--mnist-dir, test on affNIST from --affnist-dir")
    p.add_argument("--mnist-dir", default=None, help="directory with MNIST's IDX files")
    p.add_argument("--affnist-dir", default=None,
                   help="directory with affNIST's test.mat or test_batches/*.mat")
    p.add_argument("--affnist-order", choices=("C", "F"), default="C",
                   help="how affNIST's 1600-vectors become 40x40 images (C: row-major, as the "
                        "published loaders; the loader warns if the digits look transposed)")
    p.add_argument("--train-limit", type=positive_int, default=None,
                   help="use only the first N training images")
    p.add_argument("--test-limit", type=positive_int, default=None,
                   help="use only the first N test images")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_runtime_options(p, threads=2)
    add_out_option(p, "nets/affine")


def register_train(train_subparsers) -> None:
    """Add ``nets train affine-digits``."""
    p = train_subparsers.add_parser(
        "affine-digits", help="affine-equivariant CNNs vs plain CNNs on affinely transformed "
                              "digits (affNIST-style)",
        description="Train on untransformed digits centred in 40x40, test on affinely "
                    "transformed copies; writes OUT/nets/affine/.")
    _add_options(p)
    p.set_defaults(func=_run, validate=_validate)


def demo(args) -> int:
    """Affine part of ``nets demo``: SL(2) and a plain CNN, one seed, a few epochs."""
    from symkit.cli import ArgumentParser

    quick = bool(getattr(args, "quick", False))
    p = ArgumentParser()
    _add_options(p, epochs=1 if quick else 3, seeds=1, samples=4, eval_samples=4,
                 channels=(6, 6, 6), cnn_channels=(12, 12, 12))
    ns = p.parse_args(["--out", args.out, "--no-progress", "--model", "sl2", "cnn",
                       "--test-copies", "1", "--magnitudes", "0", "1", "2"])
    print(f"== nets demo: affine digits ({'quick' if quick else 'short'}) ==", flush=True)
    cfg = _config(ns)
    cfg.sample_counts = (2, 4, 8)
    cfg.equivariance_inputs = 8
    from nets.experiments.affine_digits import run_affine_digits

    run_affine_digits(cfg)
    return 0

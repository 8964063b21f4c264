r"""One command-line helper for ``liegeom``, ``fieldsym`` and ``nets`` (no torch import here:
fieldsym runs without torch).

A package's ``__main__`` lists command modules and calls :func:`main_for`. Each command module
may define

- ``register(subparsers)``: adds its subcommands, each with ``set_defaults(func=...)`` and
  optionally ``validate=...``;
- ``register_train(train_subparsers)``: adds tasks to the shared ``train`` subcommand
  (``nets train ep-digits``, ``nets train nbody``);
- ``demo(args)``: its part of the package's ``demo`` subcommand, writing under
  ``<--out>/<package>/``.

Every parser shows its defaults in ``--help``. Options are checked before any work: the
``type=`` converters below (:func:`positive_int`, :func:`nonnegative_int`, :func:`positive_float`,
...) reject bad values while parsing, and a subcommand's ``validate(args)`` hook runs after
parsing and before ``func(args)``; a :class:`UsageError` raised by either the hook or the command
prints the subcommand's usage and the message and exits with status 2, as argparse does.

Examples
--------
>>> import argparse
>>> p = ArgumentParser(prog="demo")
>>> _ = p.add_argument("--epochs", type=positive_int, default=3, help="training epochs")
>>> p.parse_args([]).epochs
3
>>> "(default: 3)" in p.format_help()
True
>>> positive_int("0")
Traceback (most recent call last):
    ...
argparse.ArgumentTypeError: expected a positive integer, got '0'
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Callable, Sequence

from . import __version__

__all__ = ["UsageError", "ArgumentParser", "DefaultsFormatter", "positive_int",
           "nonnegative_int", "positive_float", "nonnegative_float", "add_out_option",
           "add_runtime_options", "run_cli", "main_for"]


class UsageError(ValueError):
    """A bad command-line option, found before any work: the command exits with status 2 and
    its usage line, like argparse's own errors."""


class DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: X)`` for every option that takes a value and has a default, including
    options without help text; flags (``store_true``) and ``None`` defaults show none."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "%(default)" in text or action.default in (None, argparse.SUPPRESS):
            return text
        if action.nargs == 0 or action.option_strings == []:
            return text
        default = action.default
        if isinstance(default, float) and math.isinf(default):
            return text + (" " if text else "") + "(default: no limit)"
        return text + (" " if text else "") + "(default: %(default)s)"


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with :class:`DefaultsFormatter`; its subparsers are of this
    class too, and each remembers itself so that a :class:`UsageError` prints the usage of the
    subcommand that was chosen."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)
        self.set_defaults(_parser=self)

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        if (action.help is None and action.option_strings and action.nargs != 0
                and action.default not in (None, argparse.SUPPRESS)):
            action.help = "(default: %(default)s)"  # the formatter skips options without help
        return action


def _number(kind: type, text: str, ok: Callable[[float], bool], what: str):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """``type=`` converter: an integer >= 1 (sizes, epochs, batch sizes, counts)."""
    return _number(int, text, lambda v: v >= 1, "a positive integer")


def nonnegative_int(text: str) -> int:
    """``type=`` converter: an integer >= 0 (seeds, thread counts where 0 means the default)."""
    return _number(int, text, lambda v: v >= 0, "an integer >= 0")


def positive_float(text: str) -> float:
    """``type=`` converter: a finite float > 0 (learning rates, tolerances, step sizes)."""
    return _number(float, text, lambda v: math.isfinite(v) and v > 0, "a finite number > 0")


def nonnegative_float(text: str) -> float:
    """``type=`` converter: a finite float >= 0 (weights of loss terms, weight decay)."""
    return _number(float, text, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")


def _positive_minutes(text: str) -> float:
    return _number(float, text, lambda v: v > 0 and not math.isnan(v), "a number of minutes > 0")


def add_out_option(parser: argparse.ArgumentParser, where: str, default: str = "out") -> None:
    """``--out``: the output root; ``where`` says what the command writes under it."""
    parser.add_argument("--out", default=default, help=f"output root; files go to OUT/{where}/")


def add_runtime_options(parser: argparse.ArgumentParser, *, threads: int = 1,
                        device: str | None = "cpu", time_limit: bool = False) -> None:
    """``--threads`` (torch intra-op threads, 0: torch's default) and ``--device`` (``cpu``,
    ``cuda``, ``cuda:1`` or ``auto``), checked by ``nets.experiments.harness.resolve_device``
    before any work; with ``time_limit``, ``--time-limit`` in minutes."""
    parser.add_argument("--threads", type=nonnegative_int, default=threads,
                        help="torch threads (0: torch's default)")
    if device is not None:
        parser.add_argument("--device", default=device,
                            help="torch device: cpu, cuda, cuda:N or auto (cuda when present)")
    if time_limit:
        parser.add_argument("--time-limit", type=_positive_minutes, default=math.inf,
                            help="stop after the epoch that passes this many minutes")


def _load(names: Sequence[str]) -> list:
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as err:  # a command module not written yet is not listed
            if err.name != name:
                raise
    return modules


def _build(prog: str, description: str, command_modules: Sequence[str]) -> ArgumentParser:
    parser = ArgumentParser(prog=prog, description=description)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = _load(command_modules)
    for mod in modules:
        if hasattr(mod, "register"):
            mod.register(sub)
    trainers = [mod for mod in modules if hasattr(mod, "register_train")]
    if trainers:
        tp = sub.add_parser("train", help="train one of the experiments (see `train --help`)",
                            description="Train one of the experiments; each task writes its "
                            "metrics, tables and figures under --out.")
        tsub = tp.add_subparsers(dest="task", metavar="TASK")
        tsub.required = True
        for mod in trainers:
            mod.register_train(tsub)
    demos = [mod.demo for mod in modules if hasattr(mod, "demo")]
    if demos:
        p = sub.add_parser("demo", help=f"run the {prog} tour, writing tables and figures")
        add_out_option(p, prog)
        p.add_argument("--quick", action="store_true", help="smallest sizes, for smoke tests")

        def run_demos(args):
            for part in demos:
                status = part(args)
                if status:
                    return status
            return 0

        p.set_defaults(func=run_demos)
    return parser


def run_cli(prog: str, description: str, command_modules: Sequence[str], argv=None) -> int:
    """Parse ``argv`` and run the chosen subcommand; return its exit status.

    Bad options exit with status 2 (``SystemExit``) before the command does any work."""
    parser = _build(prog, description, command_modules)
    args = parser.parse_args(argv)
    chosen = getattr(args, "_parser", parser)
    try:
        if getattr(args, "validate", None) is not None:
            args.validate(args)
        status = args.func(args)
    except UsageError as err:
        chosen.error(str(err))
    return int(status or 0)


def main_for(prog: str, description: str, command_modules: Sequence[str]):
    """Return a ``main(argv=None)`` suitable for a console script."""

    def main(argv=None) -> int:
        return run_cli(prog, description, command_modules, sys.argv[1:] if argv is None else argv)

    return main

"""A command line assembled from command modules, shared by ``liegeom`` and ``nets``.

Each command module may define ``register(subparsers)``, which adds its subcommands with
``set_defaults(func=...)``; ``register_train(train_subparsers)``, which adds tasks to the shared
``train`` subcommand (``nets train ep-digits``, ``nets train nbody``); and ``demo(args)``, its
part of the package's ``demo`` subcommand. ``demo`` writes under ``<--out>/<package>/``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence


def _load(names: Sequence[str]) -> list:
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as err:  # a command module not written yet is not listed
            if err.name != name:
                raise
    return modules


def run_cli(prog: str, description: str, command_modules: Sequence[str], argv=None) -> int:
    """Parse ``argv`` and run the chosen subcommand; return its exit status."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = _load(command_modules)
    for mod in modules:
        if hasattr(mod, "register"):
            mod.register(sub)
    trainers = [mod for mod in modules if hasattr(mod, "register_train")]
    if trainers:
        tp = sub.add_parser("train", help="train one of the experiments (see `train --help`)")
        tsub = tp.add_subparsers(dest="task", metavar="TASK")
        tsub.required = True
        for mod in trainers:
            mod.register_train(tsub)
    demos = [mod.demo for mod in modules if hasattr(mod, "demo")]
    if demos:
        p = sub.add_parser("demo", help=f"run the {prog} tour, writing tables and figures")
        p.add_argument("--out", default="out", help=f"output root; files go to OUT/{prog}/")
        p.add_argument("--quick", action="store_true", help="smallest sizes, for smoke tests")

        def run_demos(args):
            for part in demos:
                status = part(args)
                if status:
                    return status
            return 0

        p.set_defaults(func=run_demos)
    args = parser.parse_args(argv)
    status = args.func(args)
    return int(status or 0)


def main_for(prog: str, description: str, command_modules: Sequence[str]):
    """Return a ``main(argv=None)`` suitable for a console script."""

    def main(argv=None) -> int:
        return run_cli(prog, description, command_modules, sys.argv[1:] if argv is None else argv)

    return main

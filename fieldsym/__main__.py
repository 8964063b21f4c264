"""``python -m fieldsym`` / ``fieldsym``: symmetries, currents, and the BMS3 derivation.

Subcommands come from command modules (``register(subparsers)``, optional ``demo(args)``);
fieldsym stands alone, so it does not borrow liegeom's (torch-importing) command-line helper.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Command modules; each adds its subcommands.
COMMANDS = ("fieldsym._cmd_symmetries", "fieldsym._cmd_bms3")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="fieldsym",
        description="Symmetries, conservation laws and asymptotic charges in sympy.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    parts = []
    for name in COMMANDS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as err:  # a command module not written yet is not listed
            if err.name != name:
                raise
            continue
        mod.register(sub)
        if hasattr(mod, "demo"):
            parts.append(mod.demo)
    if parts:
        p = sub.add_parser("demo", help="run the fieldsym tour; results go to OUT/fieldsym/")
        p.add_argument("--out", default="out")
        p.add_argument("--quick", action="store_true", help="smallest sizes, for smoke tests")
        p.set_defaults(func=lambda args: next((s for s in (part(args) for part in parts) if s), 0))
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

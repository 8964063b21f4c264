"""``python -m fieldsym`` / ``fieldsym``: symmetries, currents, and the BMS3 derivation.

Subcommands come from command modules (``register(subparsers)``, optional ``demo(args)``; see
:mod:`symkit.cli`, which imports no torch: fieldsym runs with sympy alone).
"""

import sys

from symkit.cli import main_for

#: Command modules; each adds its subcommands (see :mod:`symkit.cli`).
COMMANDS = ("fieldsym._cmd_symmetries", "fieldsym._cmd_conservation", "fieldsym._cmd_bms3")

main = main_for("fieldsym", "Symmetries, conservation laws and asymptotic charges in sympy.",
                COMMANDS)

if __name__ == "__main__":
    sys.exit(main())

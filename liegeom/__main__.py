"""``python -m liegeom`` / ``liegeom``: Haar densities, invariance tables and the liegeom tour."""

import sys

from symkit.cli import main_for

#: Command modules; each adds its subcommands (see :mod:`symkit.cli`).
COMMANDS = ("liegeom._cmd_haar",)

main = main_for("liegeom", "Lie groups as batched, differentiable torch objects.", COMMANDS)

if __name__ == "__main__":
    sys.exit(main())

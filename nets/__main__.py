"""``python -m nets`` / ``nets``: train and evaluate the symkit networks."""

import sys

from symkit.cli import main_for

#: Command modules; each adds its subcommands (see :mod:`symkit.cli`).
COMMANDS = ("nets._cmd_ep", "nets._cmd_frames", "nets._cmd_affine", "nets._cmd_soft")

main = main_for("nets", "Equivariant and equilibrium-propagation networks on liegeom.", COMMANDS)

if __name__ == "__main__":
    sys.exit(main())

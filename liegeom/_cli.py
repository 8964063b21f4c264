"""Kept for imports written before :mod:`symkit.cli`: the command-line helper of liegeom, fieldsym
and nets lives there now (torch-free, so fieldsym can use it)."""

from symkit.cli import main_for, run_cli

__all__ = ["main_for", "run_cli"]

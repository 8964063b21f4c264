"""Data sets for the nets experiments: generated here or read from files the user provides."""

from .nbody import NBodyData, NBodyParams, load_nbody

__all__ = [
    "NBodyParams",
    "NBodyData",
    "load_nbody",
]

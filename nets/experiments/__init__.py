"""Experiments on the nets layers, and the one training harness they share.

:mod:`nets.experiments.harness` holds :class:`~nets.experiments.harness.Trainer` (seeded runs,
progress bar, metrics, atomic checkpoints with exact resume, torchrun/DistributedDataParallel)
and its helpers; each experiment is a module of its own (``nets.experiments.nbody``,
``nets.experiments.ep_digits``, ...), imported by name so that importing this package stays
light. The command-line modules ``nets._cmd_*`` only parse arguments and call them.
"""

from . import harness
from .harness import (
    CHECKPOINT_FORMAT,
    CheckpointMismatchError,
    DistInfo,
    Trainer,
    device_label,
    dist_info,
    init_distributed,
    is_main_process,
    load_checkpoint,
    resolve_device,
    results_table,
    save_checkpoint,
    seed_everything,
    unwrap,
    write_json,
)

__all__ = ["harness", "Trainer", "CheckpointMismatchError", "DistInfo", "init_distributed",
           "dist_info", "is_main_process", "unwrap", "seed_everything", "save_checkpoint",
           "load_checkpoint", "write_json", "results_table", "resolve_device", "device_label",
           "CHECKPOINT_FORMAT"]

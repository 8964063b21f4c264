"""Shared test harness: hypothesis profiles, dtype/tolerance fixtures, seeded generators.

Profiles (select with ``HYPOTHESIS_PROFILE``): ``ci`` (default; derandomized, 50 examples, no
deadline), ``dev`` (random, 20 examples, quick), ``thorough`` (1000 examples).
"""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The suite runs as ``pytest -n 2`` on 2 cores and its kernels are tiny (batches of 2x2..5x5
# matrices, small MLPs): one intra-op thread per worker avoids oversubscribing the cores, which
# otherwise costs more than the parallelism inside a kernel gains.
torch.set_num_threads(1)

#: Tolerance table per dtype for numeric laws: (rtol, atol).
TOLERANCES = {
    torch.float64: {"rtol": 1e-9, "atol": 1e-10},
    torch.float32: {"rtol": 1e-4, "atol": 1e-5},
}


@pytest.fixture(params=[torch.float64, torch.float32], ids=["float64", "float32"])
def dtype(request) -> torch.dtype:
    """Run a numeric law once in float64 and once in float32."""
    return request.param


@pytest.fixture
def tol(dtype) -> dict:
    """``rtol``/``atol`` for ``torch.testing.assert_close`` at the current ``dtype``."""
    return dict(TOLERANCES[dtype])


@pytest.fixture
def generator() -> torch.Generator:
    """A freshly seeded CPU generator, so every test draws the same numbers each run."""
    return torch.Generator().manual_seed(20241126)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs CUDA (torch.cuda.is_available() is False)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)

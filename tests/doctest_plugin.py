"""pytest plugin for ``make doctest`` (``-p tests.doctest_plugin``): the docstring examples of
liegeom, fieldsym and nets run under the test suite's settings.

The package folders have no conftest of their own, so this registers and loads the hypothesis
profile ``ci`` of ``tests/conftest.py`` (derandomized, no deadline: a docstring that runs a
``@given`` test must not fail because a busy machine made one example slow) and sets torch to one
thread, as the suite does.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "doctest",
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("doctest")


def pytest_configure(config):
    try:
        import torch
    except ImportError:  # a fieldsym-only environment
        return
    torch.set_num_threads(1)

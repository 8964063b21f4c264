# Every target sets itself up on a fresh machine: `make test` and `make demo` need nothing else.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.symkit-installed
DOCS_STAMP := $(VENV)/.symkit-docs-installed
OUT ?= out
PACKAGES := liegeom fieldsym nets
# torch first, pinned: this machine holds the CPU wheel on disk; an unpinned torch pulls a
# multi-gigabyte CUDA build.
TORCH_PIN := torch==2.13.0
# What `make venv` installs: the three packages with every extra, and the tools of `make test`,
# `make lint` and `make wheel-check` (pyproject.toml lists them).
EXTRAS := dev,all
# Seconds one test may take before pytest-timeout fails it (the slowest non-slow test takes ~30 s
# on a busy 2-core machine).
TEST_TIMEOUT ?= 300

.PHONY: venv test test-slow test-thorough demo bench lint doctest examples docs wheel-check ci \
	clean

venv: $(STAMP)

# Rebuilt when missing or older than pyproject.toml.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_PIN)
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	@touch $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[$(EXTRAS),docs]'
	@touch $(DOCS_STAMP)

# Two xdist workers on small matrices: one BLAS/OpenMP thread each (idle BLAS threads spin and
# slow numpy/scipy-heavy tests badly on a 2-core machine); torch is set to one thread in conftest.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

test: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n 2 -m "not slow and not examples" -q --timeout=$(TEST_TIMEOUT)

test-slow: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n 2 -m "slow" -q

test-thorough: $(STAMP)
	$(ONE_THREAD) HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -n 2 -q

# The docstring examples of the three packages (and symkit's CLI helper). The plugin gives
# hypothesis-driven doctests the test suite's profile (no deadline on a busy machine).
doctest: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n 2 -q --doctest-modules -o addopts="" -p tests.doctest_plugin \
	  --timeout=120 liegeom fieldsym nets symkit

# Every ```python block of README.md and every examples/ script, each in a fresh interpreter and
# each under 30 s of CPU time (tests/test_readme.py, tests/test_examples.py).
examples: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n 2 -m examples -q --timeout=$(TEST_TIMEOUT) \
	  tests/test_readme.py tests/test_examples.py

# The documentation site, warnings as errors; HTML under docs/_build/html.
docs: $(DOCS_STAMP)
	$(ONE_THREAD) $(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

# A wheel and an sdist (python -m build), the wheel installed into two fresh virtual
# environments: with every extra (the three commands answer --help) and alone (fieldsym without
# torch derives the heat equation's symmetries).
wheel-check: $(STAMP)
	PY=$(PY) TORCH_PIN=$(TORCH_PIN) bash .ci/wheel_check.sh

# The main job: each package's demo in turn, outputs under $(OUT)/<package>/.
demo: $(STAMP)
	@mkdir -p $(OUT)
	@for p in $(PACKAGES); do \
	  if $(PY) -m $$p demo --help >/dev/null 2>&1; then \
	    echo "== $$p demo =="; $(PY) -m $$p demo --out $(OUT) || exit 1; \
	  else echo "== $$p: no demo yet =="; fi; \
	done

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[$(EXTRAS),bench]'
	@for b in benchmarks/*.py; do echo "== $$b =="; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(PY) -m ruff check liegeom fieldsym nets symkit tests benchmarks examples docs

# What CI runs (.ci/run), in order.
ci: test lint doctest examples docs wheel-check

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis .ruff_cache docs/_build dist build

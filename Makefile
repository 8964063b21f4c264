# Every target sets itself up on a fresh machine: `make test` and `make demo` need nothing else.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.symkit-installed
OUT ?= out
PACKAGES := liegeom fieldsym nets
# torch first, pinned: this machine holds the CPU wheel on disk; an unpinned torch pulls a
# multi-gigabyte CUDA build.
TORCH_PIN := torch==2.13.0

.PHONY: venv test test-slow test-thorough demo bench lint clean

venv: $(STAMP)

# Rebuilt when missing or older than pyproject.toml.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_PIN)
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# Two xdist workers on small matrices: one BLAS/OpenMP thread each (idle BLAS threads spin and
# slow numpy/scipy-heavy tests badly on a 2-core machine); torch is set to one thread in conftest.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

test: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n 2 -m "not slow" -q

test-slow: $(STAMP)
	$(ONE_THREAD) $(PY) -m pytest -n 2 -m "slow" -q

test-thorough: $(STAMP)
	$(ONE_THREAD) HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -n 2 -q

# The main job: each package's demo in turn, outputs under $(OUT)/<package>/.
demo: $(STAMP)
	@mkdir -p $(OUT)
	@for p in $(PACKAGES); do \
	  if $(PY) -m $$p demo --help >/dev/null 2>&1; then \
	    echo "== $$p demo =="; $(PY) -m $$p demo --out $(OUT) || exit 1; \
	  else echo "== $$p: no demo yet =="; fi; \
	done

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[dev,bench]'
	@for b in benchmarks/*.py; do echo "== $$b =="; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(PY) -m ruff check liegeom fieldsym nets tests benchmarks examples

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis .ruff_cache

# Two commands matter: `make plan` and `make test`. Each sets up its own venv on first use.
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: plan test lint clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

plan: $(VENV)/.installed  ## Offline plan of STACK (default dev): summary + build/plan-$(STACK).json
	$(PY) -m offline_plan --stack $(STACK)

lint: $(VENV)/.installed  ## ruff + mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: lint  ## lint, then the whole pytest suite
	$(PY) -m pytest

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

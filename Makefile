# Two commands matter: `make plan` and `make test`. Each sets up its own venv on first use.
# `make help` lists every target; `make plan-diff BASE=main` shows what your edits change.
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: help names plan plan-deployment plan-diff diff docs test lint clean eks-versions preflight
.PHONY: prices mermaid-parser

.DEFAULT_GOAL := help

help:  ## This list
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt requirements-dev.txt deployment/requirements.txt policy/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

plan: $(VENV)/.installed  ## Offline plan of STACK (default dev): build/plan-STACK.json; STACK_FILE=path plans an edited copy into build/edited/
	$(PY) -m offline_plan --stack $(STACK)$(if $(STACK_FILE), --stack-file "$(STACK_FILE)" --out build/edited)

plan-diff: $(VENV)/.installed  ## Plan STACK at git ref BASE and in the working tree (or STACK_FILE), print the diff: make plan-diff BASE=main
	@test -n "$(BASE)" || { echo "usage: make plan-diff BASE=<git ref> [STACK=dev] [STACK_FILE=path]" >&2; exit 2; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git archive --format=tar "$(BASE)" | tar -x -C "$$tmp" && \
	echo "planning $(STACK) at $(BASE) ..." >&2 && \
	(cd "$$tmp" && "$(CURDIR)/$(PY)" -m offline_plan --stack $(STACK) --out "$$tmp/out-base" >/dev/null) && \
	echo "planning $(STACK) in the working tree ..." >&2 && \
	$(PY) -m offline_plan --stack $(STACK)$(if $(STACK_FILE), --stack-file "$(STACK_FILE)") --out "$$tmp/out-head" >/dev/null && \
	$(PY) -m offline_plan.diff "$$tmp/out-base/plan-$(STACK).json" "$$tmp/out-head/plan-$(STACK).json"

diff: $(VENV)/.installed  ## Markdown diff of two offline plans: make diff BASE=<plan.json> HEAD=<plan.json>
	@test -n "$(BASE)" -a -n "$(HEAD)" || { echo "usage: make diff BASE=<plan.json> HEAD=<plan.json>" >&2; exit 2; }
	@$(PY) -m offline_plan.diff "$(BASE)" "$(HEAD)"

docs: $(VENV)/.installed  ## Regenerate the generated parts of docs/ (a test fails when one is stale)
	$(PY) -m offline_plan --stack dev >/dev/null
	$(PY) -m offline_plan --stack prod >/dev/null
	$(PY) -m tools.doc_tables
	$(PY) -m tools.config_docs

eks-versions: $(VENV)/.installed  ## Newest EKS add-on/AMI versions to pin for STACK (read-only AWS calls; needs credentials)
	$(PY) -m tools.eks_versions --stack $(STACK)

preflight: $(VENV)/.installed  ## Read-only AWS checks of what a first `pulumi up` of STACK assumes (needs credentials; docs/preflight.md)
	$(PY) -m tools.preflight --stack $(STACK)

plan-deployment: $(VENV)/.installed  ## Offline plan of the deployment/ project (stack platform)
	$(PY) -m offline_plan --project-dir deployment --stack platform

lint: $(VENV)/.installed  ## ruff + mypy + the GitHub workflow schema
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m mypy __main__.py  # apart: deployment/__main__.py is a module named __main__ too
	$(PY) -m check_jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

prices: $(VENV)/.installed  ## Refresh offline_plan/insights/prices.json from the AWS Price List API (read-only; needs credentials)
	$(PY) -m tools.refresh_prices

# Mermaid's own parser (npm), for the diagram test; without npm that test falls back to its structural checks.
# Installed under build/ (ignored), so neither git nor mypy sees node_modules.
MERMAID := build/mermaid

mermaid-parser:  ## Install the Mermaid parser that tests/test_insights_diagram.py runs (needs node and npm)
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(MERMAID)/node_modules/.installed; \
	else echo "npm not found: tests/test_insights_diagram.py skips Mermaid's parser" >&2; fi

$(MERMAID)/node_modules/.installed: tools/mermaid/package.json tools/mermaid/package-lock.json
	mkdir -p $(MERMAID) && cp tools/mermaid/package.json tools/mermaid/package-lock.json $(MERMAID)/
	npm ci --prefix $(MERMAID) --no-audit --no-fund --loglevel=error
	@touch $@

test: lint mermaid-parser  ## lint, then the whole pytest suite
	$(PY) -m pytest

# The policy pack's own environment: `pulumi preview --policy-pack policy` runs policy/venv/bin/python
# and the Pulumi CLI does not create it (only `pulumi install` does).
POLICY_VENV := policy/venv

.PHONY: policy-env policy-hash

$(POLICY_VENV)/.installed: policy/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r policy/requirements.txt
	@touch $@

policy-env: $(POLICY_VENV)/.installed  ## policy/venv from policy/requirements.txt, for `pulumi preview/up --policy-pack policy`

policy-hash: $(VENV)/.installed  ## After changing policy/ and bumping its version: record version, content hash and policies in policy/release.json
	PYTHONPATH=deployment $(PY) -m deploy_components.guardrails

names: $(VENV)/.installed  ## Refresh tests/logical_names/<stack>.txt after an intended rename (renames need aliases)
	$(PY) -m tests.test_logical_names

clean:  ## Remove build/ and the tool caches
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

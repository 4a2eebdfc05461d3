# Entry points: `make demo` and `make test` do everything on a fresh machine (Java 17, Maven 3.8+,
# Python 3.11+ required). Every target is idempotent.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MVN ?= mvn
MVN_FLAGS ?= -q -B
PYTEST_ARGS ?=
# checkov brings many dependencies of its own: it lives in a separate virtualenv so that it cannot
# move the runtime pins of .venv.
TOOLS_VENV := .venv-tools
CHECKOV_VERSION := 3.3.30
TOOLS_STAMP := $(TOOLS_VENV)/.checkov-$(CHECKOV_VERSION)
# Quix Streams (the benchmark's alternative) needs confluent-kafka<2.13 and the chart needs matplotlib:
# their own virtualenv, .venv-bench, so that neither moves the runtime pins of .venv.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_ARGS ?=

.PHONY: help setup tools bench-venv bench bench-tune package test test-unit test-features test-flink test-integration test-packaging test-terraform demo local-up local-down lint format clean reliability sustained

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "Java 17 is required (java not on PATH)"; exit 1; }
	@java -version 2>&1 | grep -qE 'version "(17|21|25)' || { echo "Java 17+ is required: $$(java -version 2>&1 | head -1)"; exit 1; }
	@command -v $(MVN) >/dev/null || { echo "Maven is required (mvn not on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) ## Create the virtualenv and install the package with its dev tools

$(TOOLS_STAMP):
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	echo '*' > $(TOOLS_VENV)/.gitignore
	$(TOOLS_VENV)/bin/python -m pip install -q --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install -q checkov==$(CHECKOV_VERSION)
	touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP) ## Install checkov (pinned) in its own virtualenv, .venv-tools (keeps .venv's runtime pins)

$(BENCH_STAMP): benchmarks/requirements.txt benchmarks/alternatives/requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	echo '*' > $(BENCH_VENV)/.gitignore
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q -r benchmarks/requirements.txt
	touch $(BENCH_STAMP)

bench-venv: $(BENCH_STAMP) ## Install Quix Streams and matplotlib (pinned) in .venv-bench, for the benchmarks

bench: package bench-venv ## Benchmarks side by side: ceiling, our pipelines, Quix Streams, latency, memory -> docs/benchmarks/
	$(VENV)/bin/msk-features bench $(BENCH_ARGS)

bench-tune: package bench-venv ## make bench plus the tuning runs, one knob at a time
	$(VENV)/bin/msk-features bench --tune $(BENCH_ARGS)

package: setup ## Build target/lib/pyflink-dependencies.jar and target/msk-flink-features-<version>.zip
	$(MVN) $(MVN_FLAGS) package
	@ls -l target/lib/pyflink-dependencies.jar target/msk-flink-features-*.zip | awk '{print $$5, $$9}'

test: package tools bench-venv ## Every test suite except the long reliability runs (unit, Flink, packaging, integration, Terraform, bench smoke)
	$(PY) -m pytest -m "not reliability and not sustained" $(PYTEST_ARGS)

test-unit: setup ## Unit tests only (no JVM, no servers)
	$(PY) -m pytest -m unit $(PYTEST_ARGS)

test-features: setup ## Each feature kind on a few hand-checked rows (mini-cluster, no broker; under a minute)
	$(PY) -m pytest -m features $(PYTEST_ARGS)

test-flink: package ## Flink mini-cluster tests
	$(PY) -m pytest -m flink $(PYTEST_ARGS)

test-integration: package ## Tests on the local stack (real Kafka broker + S3 API server)
	$(PY) -m pytest -m "integration and not sustained" $(PYTEST_ARGS)

test-packaging: setup ## Build and inspect the jar and the zip
	$(PY) -m pytest -m packaging $(PYTEST_ARGS)

test-terraform: setup tools ## Terraform: fmt, checkov, hcl2 structure + loader contract, offline validate and mock terraform test
	$(PY) -m pytest -m terraform $(PYTEST_ARGS)

reliability: package ## Reliability tests too slow for make test: broker restart and outage, S3 outage, savepoints, rescale, adding a feature set, idle inputs
	$(PY) -m pytest -m reliability $(PYTEST_ARGS)

sustained: package ## 30 min at 1,000 events/s with a crash halfway: lag, checkpoint size and JVM memory stay flat, outputs exact (MSK_FEATURES_SUSTAINED_S, MSK_FEATURES_SUSTAINED_RATE)
	$(PY) -m pytest -s -m sustained $(PYTEST_ARGS)

demo: package ## The reference pipeline end to end on the local stack, with counts per output
	$(VENV)/bin/msk-features demo

local-up: setup ## Start the local Kafka broker and S3 server (state in .local-stack/)
	$(VENV)/bin/msk-features local up

local-down: setup ## Stop what local-up started
	$(VENV)/bin/msk-features local down

lint: setup ## ruff lint and format check, the import layers (import-linter) and the types (mypy)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: setup ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## Remove build output (keeps the virtualenv and the local stack)
	rm -rf target .pytest_cache .ruff_cache

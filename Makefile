# aiqm developer commands. Each target bootstraps .venv on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test lint typecheck install install-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## make demo: build the breast-cancer demo project in aiqm-demo/, run it, write the reports
demo: $(VENV)/.installed
	$(BIN)/aiqm demo aiqm-demo

## make lint: ruff, mypy and the layer contract (import-linter; see docs/architecture.md)
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## make test: lint, type-check and the whole test suite
test: lint
	$(BIN)/python -m pytest -q

## make bench: the benchmarks in benchmarks/ (see benchmarks/README.md)
bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_run.py

clean:
	rm -rf $(VENV) aiqm-demo .pytest_cache .mypy_cache .ruff_cache

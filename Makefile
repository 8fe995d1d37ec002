# Every target bootstraps .venv first; the stamp is rebuilt only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test sandbox lint format bench fuzz soak

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/checkout-mcp serve --transport http

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

sandbox: $(STAMP)
	$(BIN)/checkout-mcp sandbox --host 127.0.0.1 --port 8787

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py

fuzz: $(STAMP)
	CHECKOUT_MCP_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/robustness

soak: $(STAMP)
	CHECKOUT_MCP_SOAK_CHECKOUTS=200 $(BIN)/python -m pytest tests/robustness/test_fault_soak.py

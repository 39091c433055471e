# One command per task. `make demo` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install install-local demo test lint bench schemas clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,llm]"
	touch $@

demo: install
	$(BIN)/budget-extract run goldens/reports --out out/demo
	@echo "dataset written to out/demo (docs/, facts.jsonl, findings.jsonl, placeholders.jsonl, summary.json)"

schemas: install
	$(PY) -m schemas.export

test: install
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/ruff format --check pipeline schemas tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(PY) bench/bench_clean_segment.py
	$(PY) bench/bench_placeholders.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

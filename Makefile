# The project's dependency graph. Real file targets: `make extract` redoes only
# what changed (a new or revised PDF, or the code and schemas that produce the datasets).
#
#   make extract    set up .venv if needed, then extract every raw/*.pdf into extracted/
#   make test       run the test suite
#   make test-quick the quick suite (no whole-corpus tests)
#   make lint       ruff (lint and format) and mypy (strict)
#   make docs       regenerate the README's data dictionary and settings table
#   make corpus     regenerate the layout corpus under tests/corpus/variants (installs LibreOffice, Chromium)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
RAW    ?= raw
OUT    ?= extracted
JOBS   ?= 1
# a Dask scheduler to run the plans on: tcp://host:8786, a scheduler file, or local:N (see README, Clusters)
SCHEDULER ?=
PDFS   := $(wildcard $(RAW)/*.pdf)
REGISTRY := $(wildcard $(RAW)/plans.csv)
# the code and schemas each dataset is produced by (pipeline/stages.py tells them apart per stage;
# a rerun redoes, plan by plan, only the stages whose inputs changed)
CODE   := $(shell find pipeline -name '*.py' -o -path 'pipeline/data/*' -type f) $(wildcard schemas/*.toml)
STAMP  := $(OUT)/.stamps/extract

.PHONY: help setup extract test test-quick lint docs corpus hashes clean compare-tables bench
.DEFAULT_GOAL := help

help:
	@echo "make extract   set up and extract every raw/*.pdf into $(OUT)/ (JOBS=N for N workers, SCHEDULER=local:N or tcp://host:8786 for Dask)"
	@echo "make test      run the tests"
	@echo "make test-quick   the quick suite (pytest -m 'not corpus')"
	@echo "make lint      ruff check, ruff format --check, mypy --strict"
	@echo "make corpus    regenerate the layout corpus (tests/corpus/variants)"
	@echo "make docs      regenerate the README data dictionary from schemas/"
	@echo "make bench     time and memory per stage on the bundled plan (1 and 2 workers)"
	@echo "make bench-corpus   40 small and 8 full-size plans on a Dask LocalCluster of 1 and 2 workers, against --jobs 1 and 2"
	@echo "make fuzz     run N (200) mutated plan PDFs through the CLI (SEED=...); reproducers to tests/data/fuzz/"
	@echo "make compare-tables   indicator tables: this pipeline vs pdfplumber vs camelot"
	@echo "make clean     remove $(OUT)/ output (keeps .venv)"
	@echo "make report    the HTML report of every extracted plan: $(OUT)/_report/index.html"
	@echo "make notebooks re-run notebooks/*.ipynb and keep their outputs"
	@echo "make screenshots  the README's screenshots of the report (headless Chromium)"

setup: $(READY)

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,cluster]'
	# rapidocr pulls opencv-python, which needs libGL; the headless build (same cv2) does not
	$(BIN)/python -m pip uninstall --quiet --yes opencv-python
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps opencv-python-headless
	@touch $@

extract: $(STAMP)

# Nothing changed: make does nothing. A PDF, the registry or the code changed: the pipeline
# looks at each plan's manifest and redoes only the plans and stages concerned (a plan whose
# PDF bytes did not change is not parsed again). A failed plan leaves the stamp out of date.
$(STAMP): $(PDFS) $(REGISTRY) $(CODE) | $(READY)
	$(BIN)/python -m pipeline extract $(PDFS) --out $(OUT) --jobs $(JOBS) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) --prune
	@mkdir -p $(@D) && touch $@

# the tests keep their compiled modules (__pycache__, gitignored) even where the environment says not to
# write bytecode: the assertion rewriting of every test module and the CLI subprocesses would redo it each time
test test-quick: export PYTHONDONTWRITEBYTECODE =

test: $(READY)
	$(BIN)/python -m pytest -q

test-quick: $(READY)
	$(BIN)/python -m pytest -q -m "not corpus"

lint: $(READY)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests
	$(BIN)/mypy

# pin the fixture plans' datasets again after a change meant to change the output
hashes: $(READY)
	$(BIN)/python tests/tools/update_hashes.py

# the layout corpus: plan pages rendered by LibreOffice, Chromium and reportlab, with their expected content
corpus: $(READY)
	bash tests/corpus/install.sh
	$(BIN)/python tests/corpus/generate.py --out tests/corpus/variants

docs: $(READY)
	$(BIN)/python -m pipeline readme-docs README.md

# each stage's time and memory, against a bare pdfplumber pass; the figures go into the README
bench: $(READY)
	$(BIN)/python -m pipeline.tools.bench raw/jindong-2021.pdf --repeat 3 --corpus tests/corpus/variants --readme README.md

# this pipeline vs pdfplumber extract_tables() vs camelot lattice on the bundled plan
compare-tables: $(READY)
	$(BIN)/python -m pip install --quiet -e '.[compare]'
	$(BIN)/python -m pipeline.tools.compare_tables raw/jindong-2021.pdf tests/fixtures/expected/jindong-2021.json

clean:
	rm -rf $(OUT)/*/ $(OUT)/.stamps $(OUT)/.staging $(OUT)/.trash $(OUT)/.manifests $(OUT)/.cache

# the QA report of every extracted plan, pages drawn from the PDFs in $(RAW)/ (opens from disk, no server);
# extracts first, and reports the plans that failed too
.PHONY: report notebooks screenshots
report: $(READY)
	-@$(MAKE) --no-print-directory extract
	$(BIN)/python -m pipeline report --out $(OUT) --pdfs $(RAW)

# the notebooks run again on the fixture plans (the bundled plan and its revision), their outputs kept in place
notebooks: $(READY)
	UPDATE_NOTEBOOKS=1 $(BIN)/python -m pytest -q tests/test_notebook.py -k fresh_run

# the README's pictures of the report, taken by the browser test in headless Chromium (Debian's package)
screenshots: $(READY)
	command -v chromium >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_report.py -k chromium

# mutated small plans (byte flips, truncations, xref and object damage, content edits, small decompression
# bombs) run in batches through the command line; every non-clean outcome is kept under tests/data/fuzz/
.PHONY: fuzz
N    ?= 200
SEED ?=
fuzz: $(READY)
	$(BIN)/python tests/tools/fuzz.py -n $(N) $(if $(SEED),--seed $(SEED))

# plans per minute on a Dask LocalCluster of 1 and then 2 workers, the speed-up, and the scheduler's overhead per
# plan against --jobs 1 and 2 (40 small corpus variants, then 8 full-size plans; each run in a fresh process and a
# fresh output folder)
.PHONY: bench-corpus
bench-corpus: $(READY)
	$(BIN)/python -m pipeline.tools.bench_corpus --plans 40 --variants tests/corpus/variants --full-size 8

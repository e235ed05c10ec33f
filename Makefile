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
PDFS   := $(wildcard $(RAW)/*.pdf)
REGISTRY := $(wildcard $(RAW)/plans.csv)
# the code and schemas each dataset is produced by (pipeline/stages.py tells them apart per stage;
# a rerun redoes, plan by plan, only the stages whose inputs changed)
CODE   := $(shell find pipeline -name '*.py' -o -path 'pipeline/data/*' -type f) $(wildcard schemas/*.toml)
STAMP  := $(OUT)/.stamps/extract

.PHONY: help setup extract test test-quick lint docs corpus hashes clean compare-tables bench
.DEFAULT_GOAL := help

help:
	@echo "make extract   set up and extract every raw/*.pdf into $(OUT)/ (JOBS=N for N workers)"
	@echo "make test      run the tests"
	@echo "make test-quick   the quick suite (pytest -m 'not corpus')"
	@echo "make lint      ruff check, ruff format --check, mypy --strict"
	@echo "make corpus    regenerate the layout corpus (tests/corpus/variants)"
	@echo "make docs      regenerate the README data dictionary from schemas/"
	@echo "make bench     time and memory per stage on the bundled plan (1 and 2 workers)"
	@echo "make compare-tables   indicator tables: this pipeline vs pdfplumber vs camelot"
	@echo "make clean     remove $(OUT)/ output (keeps .venv)"

setup: $(READY)

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	@touch $@

extract: $(STAMP)

# Nothing changed: make does nothing. A PDF, the registry or the code changed: the pipeline
# looks at each plan's manifest and redoes only the plans and stages concerned (a plan whose
# PDF bytes did not change is not parsed again). A failed plan leaves the stamp out of date.
$(STAMP): $(PDFS) $(REGISTRY) $(CODE) | $(READY)
	$(BIN)/python -m pipeline extract $(PDFS) --out $(OUT) --jobs $(JOBS) --prune
	@mkdir -p $(@D) && touch $@

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
	$(BIN)/python -m pipeline.tools.bench raw/jindong-2021.pdf --repeat 5 --readme README.md

# this pipeline vs pdfplumber extract_tables() vs camelot lattice on the bundled plan
compare-tables: $(READY)
	$(BIN)/python -m pip install --quiet -e '.[compare]'
	$(BIN)/python -m pipeline.tools.compare_tables raw/jindong-2021.pdf tests/fixtures/expected/jindong-2021.json

clean:
	rm -rf $(OUT)/*/ $(OUT)/.stamps $(OUT)/.staging $(OUT)/.trash $(OUT)/.manifests $(OUT)/.cache

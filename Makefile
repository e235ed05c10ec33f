# The project's dependency graph. Real file targets: `make extract` redoes only
# what changed (a new or revised PDF, or the code and schemas that produce the datasets).
#
#   make extract    set up .venv if needed, then extract every raw/*.pdf into extracted/
#   make test       run the test suite
#   make docs       regenerate the README's data dictionary from schemas/

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
OUT    ?= extracted
PDFS   := $(wildcard raw/*.pdf)
PLANS  := $(patsubst raw/%.pdf,%,$(PDFS))
CODE   := $(wildcard pipeline/*.py) $(wildcard schemas/*.toml)
STAMPS := $(patsubst %,$(OUT)/.stamps/%.done,$(PLANS))

# one bad PDF does not stop the others; make still exits non-zero
MAKEFLAGS += --keep-going

.PHONY: help setup extract test docs clean compare-tables
.DEFAULT_GOAL := help

help:
	@echo "make extract   set up and extract every raw/*.pdf into $(OUT)/"
	@echo "make test      run the tests"
	@echo "make docs      regenerate the README data dictionary from schemas/"
	@echo "make compare-tables   indicator tables: this pipeline vs pdfplumber vs camelot"
	@echo "make clean     remove $(OUT)/ output (keeps .venv)"

setup: $(READY)

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

extract: $(STAMPS)

$(OUT)/.stamps/%.done: raw/%.pdf $(CODE) | $(READY)
	$(BIN)/python -m pipeline extract $< --out $(OUT)
	@mkdir -p $(@D) && touch $@

test: $(READY)
	$(BIN)/python -m pytest -q

docs: $(READY)
	$(BIN)/python -m pipeline readme-docs README.md

# this pipeline vs pdfplumber extract_tables() vs camelot lattice on the bundled plan
compare-tables: $(READY)
	$(BIN)/python -m pip install --quiet -e '.[compare]'
	$(BIN)/python -m pipeline.tools.compare_tables raw/jindong-2021.pdf ../shared/fixtures/expected/jindong-2021.json

clean:
	rm -rf $(OUT)/*/ $(OUT)/.stamps $(OUT)/.staging $(OUT)/.trash

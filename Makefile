# Two entry points for a fresh clone (see README):
#   make demo   set up .venv and run the main job
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
CONSTRAINTS ?= constraints.txt
OUT ?= seqrdp-demo
PIP_C := $(if $(CONSTRAINTS),-c $(CONSTRAINTS),)

.PHONY: setup demo test lint

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet $(PIP_C) -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/seqrdp demo --out $(OUT)

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest -n 2

lint: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

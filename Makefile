# The two commands of the README: `make demo` and `make test`. Each sets up what it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
READY := $(VENV)/.ready

.PHONY: demo test lint

$(READY): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade "pip>=24"
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(READY)

demo: $(READY)
	$(VENV)/bin/leadpact demo

test: $(READY)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/python -m pytest

lint: $(READY)
	$(VENV)/bin/ruff check src tests bench

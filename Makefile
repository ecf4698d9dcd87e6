# Every target builds .venv from pyproject.toml when it is missing or older than it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(PY) -m warroom demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

# The official Huawei HSS SDK is a bench-only peer: installed here, never imported by the pack.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m warroom.bench --out bench/results.json

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

# Every target builds .venv from pyproject.toml when it is missing or older than it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# demisto-sdk lives in a venv of its own (its dependencies are not the pack's), pinned for reproducible checks.
SDK_VENV := .venv-sdk
DEMISTO_SDK_VERSION := 1.39.13

.PHONY: demo test bench xsoar-validate clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(PY) -m warroom demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

$(SDK_VENV)/.installed-$(DEMISTO_SDK_VERSION):
	rm -rf $(SDK_VENV)
	$(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SDK_VENV)/bin/python -m pip install --quiet 'demisto-sdk==$(DEMISTO_SDK_VERSION)'
	touch $@

# The exported pack checked offline by demisto-sdk (validate, xsoar-lint, prepare-content, then format and validate of
# the formatted pack): see warroom/xsoar_validate.py.
xsoar-validate: $(VENV)/.installed $(SDK_VENV)/.installed-$(DEMISTO_SDK_VERSION)
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	$(PY) -m warroom export "$$out" && \
	$(SDK_VENV)/bin/python warroom/xsoar_validate.py "$$out"

# The official Huawei HSS SDK is a bench-only peer: installed here, never imported by the pack.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m warroom.bench --out bench/results.json

clean:
	rm -rf $(VENV) $(SDK_VENV) .pytest_cache .hypothesis *.egg-info

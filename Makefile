# Every target builds .venv from pyproject.toml when it is missing or older than it, on the Python minor version of the
# docker image integration.yml names (test_data/xsoar/docker_image_packages.json; tests/test_docker_image_packages.py
# checks it): python3 when it is that version, else python3.12 on the PATH, else pyenv's. PYTHON=... names another.
IMAGE_PYTHON := 3.12
IMAGE_PYTHONS := python3 python$(IMAGE_PYTHON) $(HOME)/.pyenv/versions/$(IMAGE_PYTHON).*/bin/python$(IMAGE_PYTHON)
IS_IMAGE_PYTHON := 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(IMAGE_PYTHON)")'
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in $(IMAGE_PYTHONS); do "$$p" -c $(IS_IMAGE_PYTHON) 2>/dev/null && { echo "$$p"; break; }; done)
endif
VENV := .venv
PY := $(VENV)/bin/python
# demisto-sdk lives in a venv of its own (its dependencies are not the pack's), pinned for reproducible checks.
SDK_VENV := .venv-sdk
DEMISTO_SDK_VERSION := 1.39.13
SDK_PYTHON ?= python3

.PHONY: demo test export bench xsoar-validate clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python $(IMAGE_PYTHON), XSOAR's image's, was not found: install it, or name it:" \
		"make PYTHON=/path/to/python$(IMAGE_PYTHON) ..." >&2; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(PY) -m warroom demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

# The pack as XSOAR installs it: OUT/QuarantineRestore/ and OUT/QuarantineRestore.zip (README, install).
ifneq ($(filter export,$(MAKECMDGOALS)),)
ifeq ($(strip $(OUT)),)
$(error Name the directory to export the pack into: make export OUT=dir)
endif
endif
export: $(VENV)/.installed
	$(PY) -m warroom export "$(OUT)"

$(SDK_VENV)/.installed-$(DEMISTO_SDK_VERSION):
	rm -rf $(SDK_VENV)
	$(SDK_PYTHON) -m venv $(SDK_VENV)
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

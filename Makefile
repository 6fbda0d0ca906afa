# Two commands for a fresh machine: `make verify` (the main job) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: verify test bench clean

$(VENV)/.core: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.test: $(VENV)/.core
	$(PIP) -e '.[test,plot,train]'
	touch $@

verify: $(VENV)/.core
	$(VENV)/bin/exactrelu verify

test: $(VENV)/.test
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PY) -m pytest exactrelu tests

bench: $(VENV)/.test
	OPENBLAS_NUM_THREADS=1 $(PY) bench/exact_eval.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/sup.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis verify-report.md verify-report.json

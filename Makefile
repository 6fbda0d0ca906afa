# Two commands for a fresh machine: `make verify` (the main job) and `make test`.
# Each installs everything it needs itself, in either order.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: verify test mutation bench clean

# The main job's claims include Adam-trained students, so its install includes torch (the train extra).
$(VENV)/.verify: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[train]'
	touch $@

$(VENV)/.test: $(VENV)/.verify
	$(PIP) -e '.[test,plot,train,dist]'
	touch $@

$(VENV)/.mutation: $(VENV)/.test
	$(PIP) -e '.[test,plot,train,dist,mutation]'
	touch $@

verify: $(VENV)/.verify
	$(VENV)/bin/exactrelu verify

test: $(VENV)/.test
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PY) -m pytest exactrelu tests

# Mutation testing (not part of `make test`; docs/testing.md).  Default: every 8th mutant of the four
# modules (15 to 25 minutes on two busy cores); MUTATION_ARGS="--sample 1" runs all of them (hours).
MUTATION_ARGS ?= --sample 8
mutation: $(VENV)/.mutation
	HYPOTHESIS_PROFILE=mutation $(PY) tests/mutation.py $(MUTATION_ARGS)

bench: $(VENV)/.test
	OPENBLAS_NUM_THREADS=1 $(PY) bench/exact_eval.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/sup.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/sweep.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/bits.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/bits_reduction.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/proper_improper.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/erm.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/erm_growth.py
	OPENBLAS_NUM_THREADS=1 $(PY) bench/erm_baselines.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis verify-report.md verify-report.json

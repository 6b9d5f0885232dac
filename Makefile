# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test coverage lint typecheck golden bench clean docs

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,docs]'
	@# bytecode now, as a non-editable install does: where PYTHONDONTWRITEBYTECODE is set a
	@# checkout never gets it, and every run would compile each module again (bench/README, Start-up)
	$(PY) -m compileall -q src
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/tcpscope analyze examples/http-get.pcap

# loadgroup: the tests that share one tshark run (a module-scoped fixture's value, grouped by
# tests/conftest.py) stay on one worker; the others are spread as they come.
PYTEST := $(PY) -m pytest -q -n auto --dist loadgroup

# The kernels are compiled into numba's cache first (tests/warm_kernels.py, two halves on
# the two cores beside ruff, mypy and the docs), so that in a fresh clone each is compiled
# once, not by every test process at once; the suite runs whatever the checks say, and
# make fails if either does.
test: $(STAMP)
	@echo "tests/warm_kernels.py --part 0 & --part 1 &, beside ruff, mypy and the docs"
	@$(PY) tests/warm_kernels.py --part 0 & $(PY) tests/warm_kernels.py --part 1 & \
	checks=0; \
	$(VENV)/bin/ruff check . || checks=1; \
	$(VENV)/bin/mypy || checks=1; \
	$(MAKE) --no-print-directory docs || checks=1; \
	wait; \
	echo "$(PYTEST)"; $(PYTEST) && exit $$checks

# The API reference (mkdocs.yml, docs/api/) from the docstrings, into build/docs; strict, so
# that a docstring that does not parse or names a parameter the function lacks fails the build.
docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict  # (not --quiet: it hides the warnings strict mode counts)

# What the suite reaches of src/ (lines and branches), to compare before and after a change
# to the tests.
coverage: $(STAMP)
	$(PYTEST) --cov=tcpscope --cov-branch --cov-report=term:skip-covered

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

golden: $(STAMP)
	$(PY) tests/golden/make_golden.py

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

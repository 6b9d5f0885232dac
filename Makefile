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

test: $(STAMP)
	$(PYTEST)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory docs

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

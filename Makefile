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
# the two cores), so that in a fresh clone each is compiled once, not by every test process
# at once. ruff, mypy and the strict docs build start beside them, niced, and go on beside
# the suite: they take the cycles the warm-up and the suite's last tests leave idle, and the
# suite no longer waits for them. Their output goes to build/checks.log, shown when one
# fails; the suite runs whatever they say, and make fails if either does.
CHECKS_LOG := build/checks.log
test: $(STAMP)
	@mkdir -p build
	@echo "ruff, mypy and the docs beside the tests (their output: $(CHECKS_LOG)); tests/warm_kernels.py --part 0 & --part 1"
	@( failed=0; nice -n 10 $(VENV)/bin/ruff check . || failed=1; nice -n 10 $(VENV)/bin/mypy || failed=1; \
	   nice -n 10 $(MAKE) --no-print-directory docs || failed=1; exit $$failed ) > $(CHECKS_LOG) 2>&1 & checks_pid=$$!; \
	$(PY) tests/warm_kernels.py --part 0 & warm_pid=$$!; $(PY) tests/warm_kernels.py --part 1; wait $$warm_pid; \
	echo "$(PYTEST)"; $(PYTEST); status=$$?; \
	if ! wait $$checks_pid; then cat $(CHECKS_LOG); echo "make test: ruff, mypy or the docs failed (above)"; exit 1; fi; \
	exit $$status

# The API reference (mkdocs.yml, docs/api/) from the docstrings, into build/docs; strict, so
# that a docstring that does not parse or names a parameter the function lacks fails the build.
docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict  # (not --quiet: it hides the warnings strict mode counts)

# What the suite reaches of src/ (lines and branches), to compare before and after a change
# to the tests; the child processes the tests start count too (pyproject's [tool.coverage.run]).
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

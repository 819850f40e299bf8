# Customer Value Lab. Every target is documented in README.md.
# `make course` and `make test` create the virtual environment themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOWEST := .venv-lowest
SCALE := .venv-scale
# Test files run on this many workers (pytest-xdist; a notebook's cells stay in one worker).
TEST_JOBS ?= 2
# Notebooks run on the kernel installed in .venv, whatever kernels the machine has.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# The real public datasets ship in datasets/; CVL_DATA_DIR may point at other copies (CI: ../shared).
SHARED_DATA := $(abspath $(CURDIR)/../shared/datasets)
export CVL_DATA_DIR ?= $(if $(wildcard $(SHARED_DATA)),$(SHARED_DATA),)
# `make course LANG=zh` / `make site LANG=zh` add the Chinese book (LANG is also the locale
# variable, e.g. C.UTF-8: only the value zh selects the edition).
ZH := $(filter zh zh_CN zh-CN,$(LANG))
# ... and the commands then run with a real locale: make hands LANG=zh on to them, which no
# system has (Python's locale module stops on it)
BOOK_ENV := $(if $(ZH),LANG=C.UTF-8)

.PHONY: help venv course test test-lowest test-scale unit lint format execute data report lab student site notebooks-zh bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

venv: $(STAMP)  ## create .venv and install the project with its dev extras

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# uv (from PyPI) installs the same packages as pip in a fraction of the time
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.4"
	$(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
		--display-name "Python 3 (Customer Value Lab)" > /dev/null
	touch $(STAMP)

course: $(STAMP)  ## execute every notebook into build/notebooks and build the book from them in build/html (LANG=zh: also the Chinese book in build/html-zh)
	$(BOOK_ENV) $(BIN)/python scripts/build_course.py --out build $(if $(ZH),--other ../html-zh)
ifdef ZH
	$(BOOK_ENV) $(BIN)/python scripts/build_book.py --lang zh --from build/notebooks --out build/html-zh --other ../html
endif

test: $(STAMP)  ## unit tests and notebook tests (what CI runs)
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile

test-lowest: $(STAMP)  ## unit tests on the lowest supported versions (.venv-lowest)
	rm -rf $(LOWEST)
	$(BIN)/python -m uv venv --quiet --python $(BIN)/python $(LOWEST)
	$(BIN)/python -m uv pip install --quiet --python $(LOWEST)/bin/python \
		--resolution lowest-direct -e ".[dev]"
	$(LOWEST)/bin/python -c "import numpy, pandas, scipy, pandera; \
		print('lowest:', 'numpy', numpy.__version__, 'pandas', pandas.__version__, \
		'scipy', scipy.__version__, 'pandera', pandera.__version__)"
	$(LOWEST)/bin/python -m pytest -m "not notebook" -p no:cacheprovider \
		-n $(TEST_JOBS) --dist loadfile

test-scale: $(STAMP)  ## the Spark and DuckDB tests in .venv-scale (the scale extra: PySpark)
	rm -rf $(SCALE)
	$(BIN)/python -m uv venv --quiet --python $(BIN)/python $(SCALE)
	$(BIN)/python -m uv pip install --quiet --python $(SCALE)/bin/python -e ".[dev,scale]"
	$(SCALE)/bin/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	JUPYTER_PATH=$(CURDIR)/$(SCALE)/share/jupyter CVL_REQUIRE_SPARK=1 \
		$(SCALE)/bin/python -m pytest -p no:cacheprovider tests/test_scale.py \
		"tests/test_scale_clean.py::test_the_same_sql_on_spark_equals_pandas" \
		"tests/test_scale_features.py::test_the_same_sql_on_spark_equals_pandas" \
		"tests/test_scale_clv.py::test_the_same_sql_on_spark_equals_pandas" \
		"tests/test_scale_products.py::test_the_same_sql_on_spark_equals_pandas" \
		"tests/test_scale_load.py::test_spark_reads_the_chunks_staged_as_parquet" \
		"tests/test_scale_report.py::test_the_same_sql_on_spark_equals_pandas" \
		notebooks/13_at_scale.ipynb

unit: $(STAMP)  ## unit tests only (fast)
	$(BIN)/python -m pytest -m "not notebook" -n $(TEST_JOBS) --dist loadfile

lint: $(STAMP)  ## ruff on the package, tests, scripts and notebooks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check helpers tests scripts book

format: $(STAMP)  ## format the code with ruff
	$(BIN)/ruff format helpers tests scripts book

execute: $(STAMP)  ## re-execute the committed notebooks in place (after changing helpers)
	$(BIN)/python scripts/build_course.py --in-place

data: $(STAMP)  ## regenerate datasets/synthetic and datasets/examples from their seeds (byte-identical)
	$(BIN)/python -m helpers.synthetic --out datasets/synthetic
	$(BIN)/python -m helpers.examples --out datasets/examples

report: $(STAMP)  ## run the customer value report on the synthetic data into build/report
	$(BIN)/python -m helpers.report --transactions datasets/synthetic/order_lines.csv.gz \
		--customers datasets/synthetic/customers.csv.gz \
		--products datasets/synthetic/products.csv.gz --out build/report

# JupyterLab refuses to start as root without --allow-root (containers, CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)  ## open JupyterLab on the course's notebooks (with outputs; `make student` for the student edition)
	@echo "JupyterLab on notebooks/: the course edition, with solutions and outputs (the student edition: make student, then $(BIN)/jupyter lab build/student)"
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/

student: $(STAMP)  ## the student edition: notebooks in build/student, its book in build/student-book
	$(BIN)/python scripts/student_edition.py --out build/student
	$(BIN)/python scripts/build_book.py --student --out build/student-book

site: $(STAMP)  ## build the book from the committed notebooks (no execution) in build/site (LANG=zh: also the Chinese book in build/site-zh)
	$(BOOK_ENV) $(BIN)/python scripts/build_book.py --out build/site $(if $(ZH),--other ../site-zh)
ifdef ZH
	$(BOOK_ENV) $(BIN)/python scripts/build_book.py --lang zh --out build/site-zh --other ../site
endif

notebooks-zh: $(STAMP)  ## the Chinese notebooks (the catalogues of locale/ applied to notebooks/) in build/notebooks-zh, for JupyterLab
	$(BIN)/python scripts/i18n.py apply --from notebooks --out build/notebooks-zh

bench: $(STAMP)  ## run every benchmark and write benchmarks/RESULTS.md
	$(BIN)/python benchmarks/run_all.py

clean:  ## remove build outputs (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache $(LOWEST) $(SCALE)

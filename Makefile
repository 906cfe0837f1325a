# The whole set-up on a fresh machine is `make report` (the main report from the
# embedded sample data) and `make test` (the test suite). Each creates .venv as needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= data/sample
OUT    ?= reports

.PHONY: report validate test lint format notebooks lab reports-all bench clean validate-stats

$(BIN)/cmalt-qa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/cmalt-qa
	$(BIN)/python -m pip install --quiet -e ".[test]"
	# irrCAC (a test-only reference) pins scipy==1.12, which predates numpy 2; its code
	# runs on current scipy, so it is installed without its pins.
	$(BIN)/python -m pip install --quiet --no-deps "irrCAC==0.4.4"
	touch $@

report: $(BIN)/cmalt-qa
	$(BIN)/cmalt-qa report window --data $(DATA) --out $(OUT)

reports-all: report
	$(BIN)/cmalt-qa report sections --data $(DATA) --out $(OUT)
	$(BIN)/cmalt-qa report trends --data $(DATA) --out $(OUT)

validate: $(BIN)/cmalt-qa
	$(BIN)/cmalt-qa validate $(DATA)

test: lint
	$(BIN)/python -m pytest -q

# ruff (configured in pyproject.toml): lint and formatting are checked by `make test`;
# `make format` applies both.
lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Simulation checks of the estimators (docs/validation.md): minutes on two cores.
# N_DATASETS overrides each script's default number of simulated datasets.
validate-stats: $(VENV)/.test-deps
	$(BIN)/python -m validation.severity $(N_DATASETS)
	$(BIN)/python -m validation.control_charts $(N_DATASETS)
	$(BIN)/python -m validation.agreement_intervals $(N_DATASETS)

# The notebooks are edited in JupyterLab, which (with jupytext, configured in
# notebooks/jupytext.toml) saves each .ipynb together with its percent script .py.

lab: $(BIN)/cmalt-qa
	$(BIN)/jupyter lab notebooks/

# After editing a notebook's .py (or .ipynb) outside JupyterLab: bring its pair up to date.
notebooks: $(BIN)/cmalt-qa
	$(BIN)/jupytext --sync notebooks/window.py notebooks/sections.py notebooks/trends.py

bench: $(VENV)/.test-deps
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info

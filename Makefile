# Two commands do all the set-up (README): `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
export LITELLM_LOCAL_MODEL_COST_MAP = True

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

.PHONY: install serve test bench
install: $(VENV)/.installed

serve: install
	$(VENV)/bin/turnout serve

test: install
	$(VENV)/bin/python -m pytest -q

bench: install
	$(VENV)/bin/python bench/classify.py
	$(VENV)/bin/python bench/decide.py

# Two commands do all the set-up (README): `make serve` and `make test`.
# Both install exactly requirements.lock (every version pinned, every file hashed); `make lock`
# rewrites it after a change to pyproject.toml's dependencies, keeping every other pin.
PYTHON ?= python3
VENV   ?= .venv
LOCK   ?= requirements.lock
export LITELLM_LOCAL_MODEL_COST_MAP = True
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --no-header --quiet

$(VENV)/.installed: pyproject.toml $(LOCK) deploy/supply/pip.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r deploy/supply/pip.lock
	$(VENV)/bin/pip install --quiet --require-hashes -r $(LOCK)
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	$(VENV)/bin/pip check
	touch $@

.PHONY: install serve test bench lock lock-check audit
install: $(VENV)/.installed

serve: install
	$(VENV)/bin/turnout serve

# The lock must be what pyproject.toml resolves to today (a stale lock fails the run), and no pin may
# carry a known advisory.
test: install lock-check audit
	$(VENV)/bin/python -m pytest -q

lock: install
	$(UV_COMPILE) -o $(LOCK)

lock-check: install
	@cp $(LOCK) $(VENV)/lock-check.txt
	@$(UV_COMPILE) -o $(VENV)/lock-check.txt
	@cmp -s $(LOCK) $(VENV)/lock-check.txt || { diff -u $(LOCK) $(VENV)/lock-check.txt | head -40; \
		echo "$(LOCK) is stale: pyproject.toml's dependencies changed; run 'make lock' and commit it"; exit 1; }
	@echo "$(LOCK): current"

audit: install
	$(VENV)/bin/python deploy/supply/audit.py $(LOCK)
	$(VENV)/bin/python deploy/supply/audit.py deploy/supply/pip.lock

bench: install
	$(VENV)/bin/python bench/classify.py
	$(VENV)/bin/python bench/decide.py

# Keyway — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
NODE_INTEROP := tests/interop/node

.PHONY: run test install lint format check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

$(NODE_INTEROP)/node_modules/.package-lock.json: $(NODE_INTEROP)/package-lock.json
	cd $(NODE_INTEROP) && npm ci --no-audit --no-fund --loglevel=error

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py keyway_demo_data
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install $(NODE_INTEROP)/node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install
	$(BIN)/python manage.py check --deploy --fail-level WARNING --settings=config.settings.production

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles $(NODE_INTEROP)/node_modules

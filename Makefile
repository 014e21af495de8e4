# Two commands do everything on a fresh Debian machine:
#   make run    set up, migrate a SQLite database, load the demo mission, serve on :5000
#   make test   set up with the test tools and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export APP_ENV ?= development
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format translations extract-messages

$(BIN)/python:
	scripts/system-deps.sh run  # python3-venv first: Debian's python3 cannot make a venv without it
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	scripts/system-deps.sh run
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.testing: requirements.txt requirements-test.txt | $(BIN)/python
	scripts/system-deps.sh test
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.runtime

translations: | $(BIN)/python
	$(BIN)/pybabel -q compile --use-fuzzy -d translations

run: $(VENV)/.runtime translations
	$(BIN)/flask db upgrade
	$(BIN)/flask mission demo --if-empty
	@echo
	@echo "  Trade Mission Manager: http://$(HOST):$(PORT)/"
	@echo "  Demo organiser login:  organisatrice@demo.example / mission-demo-2026"
	@echo
	@# The huey consumer runs background jobs (scheduling) beside gunicorn; both stop together.
	$(BIN)/huey_consumer mission_app.jobs.huey --workers 1 --worker-type thread --quiet & \
	consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - wsgi:app

test: $(VENV)/.testing translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.testing
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.testing
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing user-facing text: extract, then translate the new entries in fr.
extract-messages: | $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

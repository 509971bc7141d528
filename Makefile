# vendortrack — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app vendortrack
# Pango and HarfBuzz for WeasyPrint (PDF annexes), Chromium for the browser tests.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
                   libfontconfig1 poppler-utils chromium

.PHONY: run test e2e bench load load-cluster lint install system-deps secret db demo clean help

help:
	@echo "make run    install, migrate and serve on http://$(HOST):$(PORT)"
	@echo "make test   install test needs and run the whole suite"
	@echo "make e2e    only the browser journeys (screenshots in test-artifacts/)"
	@echo "make bench  run the benchmarks"
	@echo "make load   60 s load run against gunicorn (10,000 demo engagements)"
	@echo "make load-cluster  the load run on two gunicorn instances, PostgreSQL and Redis"
	@echo "make demo   add demo engagements (N=200)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Installs what is missing with apt when run as root; otherwise says what to run.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	      || echo "Could not install:$$missing (tests that need them will be skipped)"; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Install them with: sudo apt-get install -y$$missing"; \
	    case "$$missing" in *chromium*) echo "Until then the browser tests (tests/e2e) are skipped.";; esac; \
	  fi; \
	fi

# A random SECRET_KEY kept in .env (git-ignored); the flask command reads .env itself.
.env:
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" > .env
	@echo "Wrote a new SECRET_KEY to .env"

secret: .env

db: install .env
	$(FLASK) db upgrade

# The reminder scheduler is one process beside gunicorn (never inside a worker, so two
# workers never run it twice); it stops with the server.
run: install system-deps db
	@echo "vendortrack is serving on http://$(HOST):$(PORT) (Ctrl-C stops it)"
	set -a && . ./.env && set +a && export SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-0} \
	  BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} && \
	  { $(FLASK) reminder-scheduler & scheduler=$$!; \
	    trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	    $(BIN)/gunicorn -c python:vendortrack.gunicorn_conf --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app; }

demo: db
	$(FLASK) seed-demo --engagements $${N:-200}

test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Only the browser journeys; screenshots land in test-artifacts/.
e2e: install system-deps
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

bench: install system-deps
	$(BIN)/python -m pytest tests/benchmarks -o addopts="" --benchmark-only --benchmark-columns=min,median,mean,max,rounds -p no:cacheprovider -s

# 50 users for 60 s against gunicorn (2 workers, 127.0.0.1) on SQLite with 10,000 demo
# engagements (users arrive ten a second first: --spawn-rate); fails on any error or lost
# write. tests/test_load.py runs a short version.
# Targets (issue 17): p99 <= 400 ms for every kind of request without pauses; with 1-5 s of
# thinking between actions, 300 users, p99 <= 200 ms.
load: install
	$(BIN)/python -m tests.load.loadrun --users 50 --seconds 60 --engagements 10000 --p99 400
	$(BIN)/python -m tests.load.loadrun --users 300 --think 1-5 --seconds 60 --engagements 10000 --p99 200

# Two gunicorn instances on two loopback ports, one PostgreSQL database and Redis (for the
# login limit), each request to either: no errors, no lost writes, and the cross-server checks.
# LOAD_DATABASE_URL and LOAD_REDIS_URL must name a database and a Redis db of their own:
# both are emptied.
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/7
load-cluster: install
	@test -n "$(LOAD_DATABASE_URL)" || { echo "Set LOAD_DATABASE_URL to a PostgreSQL database of its own (it is emptied)"; exit 2; }
	$(BIN)/python -m tests.load.loadrun --servers 2 --users 50 --seconds 60 --engagements 10000 \
	  --database-url "$(LOAD_DATABASE_URL)" --redis-url "$(LOAD_REDIS_URL)"

lint: install
	$(BIN)/ruff check vendortrack tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .benchmarks test-artifacts

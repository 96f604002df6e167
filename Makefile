# Fengqiao: `make demo` runs the platform with the demo city; `make test` runs the whole suite.
# Both build on `make install` (virtualenv, Python packages, front-end assets, message catalogues).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: install demo test lint check messages catalogues assets serve clean bench help

help:
	@echo "make demo     fresh clone -> running platform with the demo city at http://$(HOST):$(PORT)"
	@echo "make test     the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)"
	@echo "make install  virtualenv, packages, front-end assets, message catalogues (idempotent)"
	@echo "make lint     ruff and migration check"

install: $(VENV)/.installed fengqiao/static/vendor/.built messages var/secret_key

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

fengqiao/static/vendor/.built: package.json package-lock.json scripts/build-assets.mjs
	@command -v npm >/dev/null || { echo "Node.js 18+ with npm is required to build the front-end assets"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

assets: fengqiao/static/vendor/.built

messages: $(VENV)/.installed
	@$(BIN)/python scripts/compile_messages.py

# Re-extract the catalogues after changing UI strings (needs GNU gettext), then translate the new
# entries in fengqiao/locale/zh_Hans/LC_MESSAGES/django.po. CI fails when they are out of date.
catalogues: $(VENV)/.installed
	cd fengqiao && DEBUG=1 ../$(BIN)/python ../manage.py makemessages -l zh_Hans -l en \
	  --no-location --no-obsolete --no-wrap -v 0
	$(BIN)/python scripts/check_catalogues.py

var/secret_key: | $(VENV)/.installed
	@mkdir -p var
	@umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# Served on all interfaces (HOST=0.0.0.0), the demo answers to any host name, so that colleagues on
# the office network can open it by the machine's address.
DEMO_HOSTS = $(if $(filter 0.0.0.0 ::,$(HOST)),*,127.0.0.1,localhost,$(HOST))

demo: install
	DEBUG=$${DEBUG:-0} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-$(DEMO_HOSTS)} \
	$(BIN)/fengqiao demo --host $(HOST) --port $(PORT)

serve: install
	DEBUG=$${DEBUG:-0} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-$(DEMO_HOSTS)} \
	$(BIN)/fengqiao serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench $(BENCH) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules fengqiao/static/vendor var/static

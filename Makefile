# gapmap task runner. `make run` serves the embedded dataset on
# http://127.0.0.1:8080; `make test` installs what the tests need and runs
# every test. .ci/run calls `make test` unchanged.

CARGO   ?= cargo
VENV    := .venv
PY      := $(VENV)/bin/python
# Cargo's target directory (CARGO_TARGET_DIR when set, as cargo itself reads it).
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
BIN     := $(TARGET_DIR)/release/gapmap
# Debian packages the tests use: GDAL's ogrinfo/ogr2ogr and validate_gpkg.py,
# PROJ's cs2cs, sqlite3 for store inspection; Chromium for the browser tests,
# poppler's pdfinfo to count the leaflet's pages, the DejaVu fonts the
# map's label glyphs are made from (web/build.mjs), and nginx with openssl
# for the reverse-proxy test of deploy/nginx/gapmap.conf; PostgreSQL 15 with
# PostGIS for the throw-away cluster the PostGIS store is tested against
# (scripts/pgcluster.sh), haproxy as the load balancer of the two-server drills.
APT_PACKAGES := gdal-bin python3-gdal proj-bin sqlite3 chromium poppler-utils fonts-dejavu-core nginx openssl postgresql-15 postgresql-15-postgis-3 haproxy

.PHONY: run build web test deps venv lint unit system web-unit browser dataset bench-ingest bench-update bench-plan bench-web clean

run: build
	$(BIN) serve

build: web
	$(CARGO) build --release --locked --bin gapmap

# The front end (web/README.md): npm ci from the lockfile (esbuild,
# MapLibre GL JS, TypeScript, playwright-core, axe-core), the glyph tool,
# then web/dist. Needs only the Debian fonts; downloads nothing but packages.
WEB_SRC := $(wildcard web/src/* web/i18n/* web/build.mjs)

web: web/dist/manifest.json

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/manifest.json: web/node_modules/.installed $(WEB_SRC)
	$(CARGO) build --release --locked --bin gapmap-glyphs
	cd web && node build.mjs --glyphs-bin $(TARGET_DIR)/release/gapmap-glyphs

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-test.txt scripts/dataset/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

lint:
	python3 scripts/layout.py
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings

# The PostGIS store's tests run against a throw-away cluster (scripts/with-pg.sh).
unit:
	scripts/with-pg.sh $(CARGO) test --release --locked --workspace

# The whole-system suite against the GeoPackage store, then every test of it
# that runs on the served dataset again with that server on PostGIS
# (GAPMAP_TEST_STORE=postgis; tests/conftest.py), each with a throw-away
# PostgreSQL cluster.
system: build venv
	GAPMAP_BIN=$(abspath $(BIN)) scripts/with-pg.sh $(PY) -m pytest -q -ra tests
	GAPMAP_BIN=$(abspath $(BIN)) GAPMAP_TEST_STORE=postgis scripts/with-pg.sh $(PY) -m pytest -q -ra tests

# Front-end unit tests (node:test) and the type check.
web-unit: web/node_modules/.installed
	cd web && npx tsc --noEmit -p . && node build.mjs --tests && node --test dist-test/

# The pages in Chromium against the real server (web/tests/browser).
browser: build
	cd web && GAPMAP_BIN=$(abspath $(BIN)) node --test --test-concurrency=1 tests/browser/

test:
	@scripts/phase.sh deps $(MAKE) --no-print-directory deps
	@scripts/phase.sh venv $(MAKE) --no-print-directory venv
	@scripts/phase.sh lint $(MAKE) --no-print-directory lint
	@scripts/phase.sh unit $(MAKE) --no-print-directory unit
	@scripts/phase.sh system $(MAKE) --no-print-directory system
	@scripts/phase.sh web-unit $(MAKE) --no-print-directory web-unit
	@scripts/phase.sh browser $(MAKE) --no-print-directory browser

# Rebuild the embedded dataset (deterministic): the authored layers from
# ../shared/realdata and the research notes, then the simulated layers.
dataset: build venv
	$(PY) scripts/dataset/build_dataset.py --out geodata/jelgava
	$(BIN) synth --scale jelgava --geodata geodata/jelgava --out geodata/jelgava

bench-ingest: build venv
	bench/ingest/run.sh

bench-update: build
	bench/update/run.sh

bench-plan: build
	bench/plan/run.sh

bench-web: build
	bench/web/run.sh

clean:
	$(CARGO) clean
	rm -rf $(VENV) web/node_modules web/dist web/dist-test web/test-results

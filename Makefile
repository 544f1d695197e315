# gapmap task runner. `make run` serves the embedded dataset on
# http://127.0.0.1:8080; `make test` installs what the tests need and runs
# every test. .ci/run calls `make test` unchanged.

CARGO   ?= cargo
VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := target/release/gapmap
# Debian packages the tests use: GDAL's ogrinfo/ogr2ogr and validate_gpkg.py,
# PROJ's cs2cs, sqlite3 for store inspection.
APT_PACKAGES := gdal-bin python3-gdal proj-bin sqlite3

.PHONY: run build test deps venv lint unit system dataset bench-ingest bench-plan clean

run: build
	$(BIN) serve

build:
	$(CARGO) build --release --locked --bin gapmap

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
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --release --locked --workspace

system: build venv
	GAPMAP_BIN=$(abspath $(BIN)) $(PY) -m pytest -q -ra tests

test:
	@scripts/phase.sh deps $(MAKE) --no-print-directory deps
	@scripts/phase.sh venv $(MAKE) --no-print-directory venv
	@scripts/phase.sh lint $(MAKE) --no-print-directory lint
	@scripts/phase.sh unit $(MAKE) --no-print-directory unit
	@scripts/phase.sh system $(MAKE) --no-print-directory system

# Rebuild the embedded dataset (deterministic): the authored layers from
# ../shared/realdata and the research notes, then the simulated layers.
dataset: build venv
	$(PY) scripts/dataset/build_dataset.py --out geodata/jelgava
	$(BIN) synth --scale jelgava --geodata geodata/jelgava --out geodata/jelgava

bench-ingest: build venv
	bench/ingest/run.sh

bench-plan: build
	bench/plan/run.sh

clean:
	$(CARGO) clean
	rm -rf $(VENV)

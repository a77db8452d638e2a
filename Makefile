# Quick start: `make demo` runs the playground on the embedded sandbox; `make test` runs all tests.
PRESET ?= ci
BUILD := build/$(PRESET)
GHL := $(BUILD)/apps/ghl/ghl
JOBS ?= $(shell nproc)

FUZZ := build/fuzz
FUZZ_SECONDS ?= 600

.PHONY: deps configure build test test-asan fuzz fuzz-build demo bench catalog webhook-examples format clean

deps:
	@scripts/install-deps

configure: deps
	@test -f $(BUILD)/build.ninja || cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Tests use a real PostgreSQL server (scripts/start-postgres: 127.0.0.1:5433, throwaway data dir).
# Then the fuzz targets (label `fuzz`, doc/fuzzing.md): each fuzzes for 20 s, and every saved
# crash input in fuzz/regressions/ runs once.
test: build
	@scripts/install-test-tools
	@pg=$$(scripts/start-postgres) && export "$$pg" && \
	  ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure
	@$(MAKE) --no-print-directory fuzz-build
	@ctest --test-dir $(FUZZ) -L fuzz -j $(JOBS) --output-on-failure

# The libFuzzer build (clang, ASan + UBSan, only the libraries the targets need).
fuzz-build: deps
	@test -f $(FUZZ)/build.ninja || cmake --preset fuzz >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)

# Longer fuzzing: every target for FUZZ_SECONDS (default 600) each, two at a time, on a corpus
# kept in build/fuzz/fuzz/corpus/ across runs; crashes land in build/fuzz/fuzz/artifacts/.
fuzz: fuzz-build
	@GHL_FUZZ_SECONDS=$(FUZZ_SECONDS) GHL_FUZZ_KEEP=1 \
	  ctest --test-dir $(FUZZ) -L fuzz -j 2 --timeout $$(($(FUZZ_SECONDS) + 300)) --output-on-failure

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# The demo needs only the `ghl` binary: build just that target. It also sends one SMS through
# the simulated carrier (`--carrier sim --demo-sms`) and logs the handset's reply.
demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target ghl
	@$(GHL) serve --sandbox --carrier sim --demo-sms --automations tests/data/automations/demo.toml

bench: build
	@bench/run $(BUILD)

catalog:
	@python3 tools/gen_catalog.py --shared ../shared --out src/catalog/catalog_data.cc

webhook-examples:
	@python3 tools/gen_webhook_examples.py --shared ../shared --out src/webhooks/event_examples_data.cc

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf build

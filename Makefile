# Thin wrapper over CMake.  `make` builds Release into build/ (CLI at build/fastdata);
# `make test` installs what it needs, then runs every test in Release and in Debug with
# AddressSanitizer + UndefinedBehaviorSanitizer (clang, with about 90 s of libFuzzer runs),
# and the runtime's and concurrent loads' tests under ThreadSanitizer;
# `make fuzz` runs each fuzz target for FUZZ_SECONDS (default 600);
# `make demo` generates a dataset into a local S3 server and loads it; `make bench` runs bench/decode (TPC-H,
# floats, nested), `make bench-get` bench/get, `make bench-load` bench/load, `make bench-write` bench/write, `make bench-handoff` bench/handoff,
# `make bench-filter` bench/filter (S3 lakes, and row filters on TPC-H), `make bench-net` bench/get and bench/load under the three network
# conditions (loopback, netsim 2 and 8 Gbit/s; root) and over HTTPS, `make bench-scale` bench/scale (Dask and Ray,
# loopback and netsim 2 Gbit/s).
JOBS ?= $(shell nproc)

.PHONY: all build deps python wheel test test-release test-asan test-tsan test-tsan-loads fuzz demo bench bench-get bench-load bench-write bench-handoff bench-filter bench-net bench-scale install clean

all: build

build:
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DFDATA_TEST_PYTHON=$(CURDIR)/.venv/bin/python >/dev/null
	@cmake --build build -j$(JOBS)

deps:
	@scripts/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory test-release
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan-loads

test-release: build python
	@scripts/install-duckdb.sh
	@echo "== Release tests"
	@cd build && ctest --output-on-failure -j$(JOBS)

# The Python package, built by pip (scikit-build-core over our CMake) into the venv.
python:
	@.venv/bin/pip install -q --disable-pip-version-check --no-build-isolation .

# A self-contained wheel in dist/: pip builds it, auditwheel repair copies the shared
# libraries it needs (libcurl, OpenSSL, the codecs) into it and tags it manylinux.
wheel:
	@rm -rf dist/raw && .venv/bin/pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps -w dist/raw .
	@PATH=$(CURDIR)/.venv/bin:$$PATH .venv/bin/auditwheel repair -w dist dist/raw/fastdata-*.whl >/dev/null
	@rm -rf dist/raw && ls dist/fastdata-*manylinux*.whl

test-asan:
	@echo "== Debug + AddressSanitizer + UndefinedBehaviorSanitizer tests (clang, with fuzzing)"
	@CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFDATA_SANITIZE=ON -DFDATA_FUZZ=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# ThreadSanitizer (clang, build-tsan/) over what runs threads at once: the runtime's pool,
# concurrent loads on one runtime, the reader, the page pool and the loader's datasets.
# `make test` runs only the first two (test-tsan-loads, building only their targets: about
# 25 s of CPU; see README, "Tests").
TSAN_TESTS ?= unit\.test_runtime|unit\.test_schema_share|runtime\.loads|unit\.test_reader|unit\.test_pages|unit\.test_matrix|python\.datasets
TSAN_CONFIGURE = CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFDATA_TSAN=ON >/dev/null
TSAN_RUN = cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:die_after_fork=0 \
	  ctest --output-on-failure -j$(JOBS)
test-tsan:
	@echo "== ThreadSanitizer tests (clang)"
	@$(TSAN_CONFIGURE)
	@cmake --build build-tsan -j$(JOBS)
	@$(TSAN_RUN) -R '$(TSAN_TESTS)'

test-tsan-loads:
	@echo "== ThreadSanitizer: the runtime and the concurrent loads (clang)"
	@$(TSAN_CONFIGURE)
	@cmake --build build-tsan -j$(JOBS) --target test_runtime load_threads
	@$(TSAN_RUN) -R 'unit\.test_runtime|runtime\.loads'

# Every libFuzzer target (fuzz/CMakeLists.txt) for FUZZ_SECONDS each, one after the other, in
# the sanitizer build; new inputs go to build-asan/fuzz/corpus-NAME, crashes to the current
# folder.
FUZZ_SECONDS ?= 600
fuzz:
	@CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFDATA_SANITIZE=ON -DFDATA_FUZZ=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  FUZZ_SECONDS=$(FUZZ_SECONDS) cmake --build build-asan --target fuzz

demo:
	@scripts/install-deps.sh --demo
	@$(MAKE) --no-print-directory build python
	@scripts/demo.sh

bench: build
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory python
	@.venv/bin/python bench/decode/bench_decode.py

bench-load: build
	@scripts/install-deps.sh --bench
	@.venv/bin/python bench/load/bench_load.py

bench-write: build
	@scripts/install-deps.sh --bench
	@.venv/bin/python bench/write/bench_write.py

bench-handoff: build python
	@scripts/install-deps.sh --bench
	@.venv/bin/python bench/handoff/bench_handoff.py
	@.venv/bin/python bench/handoff/bench_huge_pages.py

bench-filter: build
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory python
	@.venv/bin/python bench/filter/bench_filter.py
	@.venv/bin/python bench/filter/bench_rows.py

bench-scale: build python
	@scripts/install-deps.sh --bench
	@.venv/bin/python bench/scale/bench_scale.py --conditions loopback,net2

bench-net: build
	@scripts/install-deps.sh --bench
	@.venv/bin/python bench/get/bench_get.py --conditions loopback,net2,net8 --https
	@.venv/bin/python bench/load/bench_load.py --conditions loopback,net2,net8 --https

bench-get: build
	@scripts/install-deps.sh --bench
	@.venv/bin/python bench/get/bench_get.py
	@.venv/bin/python bench/get/bench_get.py --objects 1024 --mib 1 --dir /dev/shm/fastdata-bench-get-small

install: build
	@cmake --install build

clean:
	rm -rf build build-asan

# slamon - uptime and availability SLA monitor. GNU make, no autotools.
#   make            build build/slamon
#   make check      install missing packages, build, run every test
#   make run        install, build, start the demo (status page on :8080)
#   make SAN=1 ...  the same with AddressSanitizer and UBSan (in build-san/)
#   make MALLOC=libc  glibc's malloc instead of jemalloc (alloc.c)

PREFIX   ?= /usr/local
DESTDIR  ?=
PKGS      = libcurl libevent libevent_openssl librrd libconfig libical jansson openssl libnats libsystemd libcares
TEST_PKGS = cmocka
PYTHON   := $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

ifeq ($(SAN),1)
BUILD    ?= build-san
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD    ?= build
SANFLAGS  =
endif

# The allocator linked (monitor/alloc.c finds which at run time):
# jemalloc, as Redis links it, unless MALLOC=libc. The sanitizers bring
# their own, so a sanitized build (SAN=1, the fuzz build) is always libc.
MALLOC   ?= jemalloc
ifneq ($(strip $(SANFLAGS)),)
override MALLOC = libc
endif
ifeq ($(MALLOC),jemalloc)
MALLOC_PKG    = jemalloc
else ifneq ($(MALLOC),libc)
$(error MALLOC is jemalloc or libc, not $(MALLOC))
endif

WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wwrite-strings
ifneq ($(CI),)
WARN    += -Werror
endif
CC      ?= cc
OPT     ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS) -MMD -MP \
           -DSLAMON_WWW_DIR=\"$(PREFIX)/share/slamon/www\"
LDFLAGS += $(SANFLAGS)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(MALLOC_PKG) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) $(MALLOC_PKG) 2>/dev/null) -lpthread -lm
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

MAIN_SRC = monitor/main.c
CORE_SRC = $(filter-out $(MAIN_SRC),$(wildcard monitor/*.c)) $(wildcard probes/*.c)
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)
# LD_PRELOAD libraries of the tests (fault injection)
PRELOAD_SRC = $(wildcard tests/tools/preload/*.c)
TOOL_BIN += $(PRELOAD_SRC:tests/tools/preload/%.c=$(BUILD)/tests/%.so)
BIN      = $(BUILD)/slamon
# libfaketime, which the e2e clock tests preload, deadlocks with jemalloc
# (jemalloc's start-up reads the clock, libfaketime's allocates): those
# tests run the same objects linked with glibc's malloc, whatever MALLOC is
# (tests/e2e/lib.py).
BIN_LIBC = $(BUILD)/tests/slamon-libc

.PHONY: all deps deps-check deps-run deps-bench check unit e2e valgrind run run-cluster bench install clean format format-check fuzz fuzz-build FORCE

all: deps $(BIN)

deps:
	@sh mk/deps.sh build
deps-check:
	@sh mk/deps.sh check
deps-run:
	@sh mk/deps.sh run
deps-bench:
	@sh mk/deps.sh bench

$(BIN): $(BUILD)/monitor/main.o $(BUILD)/libslamon.a $(BUILD)/malloc.stamp
	$(CC) $(LDFLAGS) -o $@ $(filter-out %.stamp,$^) $(PKG_LIBS)

$(BIN_LIBC): $(BUILD)/monitor/main.o $(BUILD)/libslamon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(filter-out -ljemalloc,$(PKG_LIBS))

$(BUILD)/libslamon.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# PREFIX is compiled in (SLAMON_WWW_DIR): a stamp holding it changes when it
# does, so `make install PREFIX=/usr` after a plain `make` rebuilds.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
$(BUILD)/monitor/httpd.o: $(BUILD)/prefix.stamp
# The same for MALLOC: what links PKG_LIBS is linked again when it changes
# (tests/e2e/lib.py reads it too).
$(BUILD)/malloc.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MALLOC)' | cmp -s - $@ || echo '$(MALLOC)' > $@
FORCE:

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libslamon.a $(BUILD)/malloc.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -DSLAMON_MALLOC='"$(MALLOC)"' -Imonitor -Iprobes -o $@ $< \
		$(BUILD)/libslamon.a $(LDFLAGS) $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/tests/%.so: tests/tools/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -fPIC -shared -o $@ $< -ldl

$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/malloc.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS) -lpthread

# The summary line of tests/run.py is the last line of `make check`.
check: deps-check
	@$(MAKE) --no-print-directory $(BIN) $(BIN_LIBC) $(UNIT_BIN) $(TOOL_BIN)
	@$(PYTHON) tests/run.py --build $(BUILD)

unit: $(BIN) $(UNIT_BIN)
	@$(PYTHON) tests/run.py --build $(BUILD) --only unit

e2e: $(BIN) $(BIN_LIBC) $(TOOL_BIN)
	@$(PYTHON) tests/run.py --build $(BUILD) --only e2e

# The daemon's end-to-end tests with slamon under valgrind (timing-sensitive
# tests are left out: valgrind is 20-50 times slower).
valgrind: deps-check
	@$(MAKE) --no-print-directory $(BIN) $(BIN_LIBC) $(TOOL_BIN) OPT="-O1 -g"
	@SLAMON_VALGRIND=1 E2E_JOBS=2 $(PYTHON) tests/run.py --build $(BUILD) --only e2e \
		-k 'test_config|test_calendar|test_replay|test_report|test_admin_api|test_run\.test_(reload|sigint)|test_notify\.test_webhook_payload'

run: deps-run
	@$(MAKE) --no-print-directory $(BIN) $(TOOL_BIN)
	@sh demo/run.sh $(BUILD)

# Several locations on one machine: three nats-server, three probing nodes,
# one aggregator (README "Several locations").
run-cluster: deps-run
	@$(MAKE) --no-print-directory $(BIN) $(TOOL_BIN)
	@sh demo/run-cluster.sh $(BUILD)

bench: deps-bench
	@$(MAKE) --no-print-directory $(BIN) $(TOOL_BIN) OPT="-O2 -g -DNDEBUG"
	@if [ -x bench/run.sh ]; then PKGS="$(PKGS) $(MALLOC_PKG)" sh bench/run.sh $(BUILD); else echo "no benchmarks yet"; fi

# The installed configuration is the shipped one with absolute paths, so
# that `slamon check` passes as systemd runs it (WorkingDirectory
# /var/lib/slamon): state in /var/lib/slamon, the demo alert script from
# $(PREFIX)/share/slamon. An existing /etc/slamon/slamon.conf is kept.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)/etc/slamon $(DESTDIR)$(PREFIX)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/share/slamon/www $(DESTDIR)$(PREFIX)/share/slamon/prometheus \
		$(DESTDIR)$(PREFIX)/share/slamon/grafana
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/slamon
	install -m 644 www/* $(DESTDIR)$(PREFIX)/share/slamon/www/
	install -m 755 etc/alert-log.sh $(DESTDIR)$(PREFIX)/share/slamon/alert-log.sh
	install -m 644 etc/prometheus/*.yml $(DESTDIR)$(PREFIX)/share/slamon/prometheus/
	install -m 644 etc/grafana/*.json $(DESTDIR)$(PREFIX)/share/slamon/grafana/
	install -m 644 doc/slamon.8 $(DESTDIR)$(PREFIX)/share/man/man8/slamon.8
	[ -f $(DESTDIR)/etc/slamon/slamon.conf ] || \
		sed -e 's,"var/slamon","/var/lib/slamon",' \
		    -e 's,"etc/alert-log.sh","$(PREFIX)/share/slamon/alert-log.sh",' \
		    etc/slamon.conf > $(DESTDIR)/etc/slamon/slamon.conf
	sed 's,@PREFIX@,$(PREFIX),g' etc/slamon.service > \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/slamon.service

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang in build-fuzz/
# and run FUZZ_SECONDS each from the seeds in tests/fuzz/corpus/NAME/. New
# inputs go to build-fuzz/corpus/NAME/, crashes to build-fuzz/NAME-crash-*.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang-14
FUZZ_SRC      = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES    = $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_FLAGS    = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer

fuzz: deps-check
	@$(MAKE) --no-print-directory fuzz-build BUILD=build-fuzz CC=$(FUZZ_CC) OPT="-O1 -g" MALLOC=libc \
		SANFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link"
	@for f in $(FUZZ_NAMES); do \
		n=$${f#fuzz_}; mkdir -p build-fuzz/corpus/$$n; \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		UBSAN_OPTIONS=print_stacktrace=1 \
		build-fuzz/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
			-rss_limit_mb=2048 -artifact_prefix=build-fuzz/$$n- \
			build-fuzz/corpus/$$n tests/fuzz/corpus/$$n \
			>build-fuzz/$$n.log 2>&1 || \
			{ tail -60 build-fuzz/$$n.log; echo "fuzz: $$f FAILED"; exit 1; }; \
		grep -h '^Done' build-fuzz/$$n.log | tail -1; \
	done

fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h $(BUILD)/libslamon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -Imonitor -Iprobes \
		-DFUZZ_WWW=\"$(CURDIR)/www\" -o $@ $< $(BUILD)/libslamon.a $(LDFLAGS) $(PKG_LIBS)

clean:
	rm -rf build build-san build-fuzz

FMT_SRC = $(wildcard monitor/*.[ch] probes/*.[ch] tests/unit/*.[ch] tests/tools/*.[ch] tests/tools/preload/*.[ch])
format:
	clang-format -i $(FMT_SRC)
format-check:
	clang-format --dry-run --Werror $(FMT_SRC)

-include $(CORE_OBJ:.o=.d) $(BUILD)/monitor/main.d

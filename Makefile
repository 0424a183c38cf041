# sigma: build, test, install.
#
#   make            build ./sigma
#   make check      run the whole suite (unit TAP programs + end-to-end shell tests)
#   make asan       the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       build the libFuzzer targets into tests/fuzz/bin/
#   make demo       push twice to a temporary bare repository: one refusal, one acceptance
#   make bench      the hook benchmarks (hyperfine), bench/results.md
#   make bench-sandbox  sigma sandbox against bubblewrap, bench/sandbox-results.md
#   make bench-parsers  each lockfile resolver's MB/s, bench/parsers-results.md
#   make bench-formats  cold and cache-hit pushes per format, bench/formats-results.md
#   make bench-certify  certification per package, lookups for 10,000 packages
#   make bench-council  the council on malicious samples and popular packages, bench/council-results.md
#   make bench-chain    sigma scan of one chain of 10,000 to 100,000 packages, bench/chain-results.md
#   make bench-monorepo 100 to 2,000 lockfiles through the hook, registry growth, bench/monorepo-results.md
#   make install PREFIX=/usr/local   [DESTDIR=... UNITDIR=...]; make uninstall the same way

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
PKGS     := libgit2 sqlite3 libcjson libcrypto libcurl libseccomp yaml-0.1 libarchive libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libcurl, libarchive and libmicrohttpd are loaded on first use
# (common/lazylib.c): compiled against, not linked.
LAZY_PKGS  := libcurl libarchive libmicrohttpd
PKG_LIBS   := $(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(PKGS))) -ldl -lpthread

WARN     := -Wall -Wextra -Werror=shadow -Werror=missing-prototypes \
            -Werror=format -Werror=implicit-function-declaration -Wno-unused-parameter -Wno-format-truncation -Wno-unknown-warning-option
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -fno-semantic-interposition $(WARN) $(CFLAGS) -I. $(PKG_CFLAGS)
LDLIBS   := $(PKG_LIBS) -lm
# Unit tests may call the lazily loaded libraries directly (test_unpack
# writes archives with libarchive), so they link them.
TEST_LIBS  := $(shell pkg-config --libs $(LAZY_PKGS))

LIB_SRC  := $(wildcard common/*.c hook/*.c registry/*.c sandbox/*.c webhook/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

# The binary: ./sigma for the normal build, build-asan/sigma and so on for
# the others, so that `make asan` never leaves an instrumented ./sigma.
# It is two files (see core.c): the executable, with `sigma sandbox` and
# the common modules every part uses, linked against libc only (libcjson is
# loaded for the first --report, see sandbox/report.c; the seccomp listener
# is driven with its ioctls); and sigma-core.so beside it, every other
# command, loaded with dlopen. `sigma sandbox` then starts without libgit2,
# SQLite, OpenSSL and libyaml (2.5 ms of library loading), nor libcjson and
# libseccomp (0.14 ms).
ifeq ($(BUILD),build)
SIGMA_OUT := sigma
else
SIGMA_OUT := $(BUILD)/sigma
endif
SIGMA_CORE := $(dir $(SIGMA_OUT))sigma-core.so
EXE_OBJ  := $(BUILD)/main.o $(filter $(BUILD)/sandbox/%,$(LIB_OBJ)) \
            $(addprefix $(BUILD)/common/,buf.o error.o util.o cli.o)
CORE_OBJ := $(BUILD)/core.o $(filter-out $(EXE_OBJ),$(LIB_OBJ))
EXE_LIBS := -ldl -lpthread -lm

.PHONY: all check asan fuzz demo bench bench-sandbox bench-formats bench-parsers bench-certify bench-council bench-chain bench-monorepo install uninstall clean
all: $(SIGMA_OUT) $(SIGMA_CORE)

$(BUILD)/%.o: %.c $(wildcard */*.h) Makefile
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

# The seccomp programs are compiled from their policy at build time:
# sandbox/gen/seccomp_policy.c (libseccomp) prints them as a C header for
# sandbox/seccomp.c, so no sandbox start pays libseccomp's 2.5 ms. A build
# tool, so plain flags (no sanitizers) and the build host's libseccomp.
$(BUILD)/gen/seccomp_policy: sandbox/gen/seccomp_policy.c Makefile
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $(shell pkg-config --cflags libseccomp) -o $@ $< $(shell pkg-config --libs libseccomp)

$(BUILD)/gen/seccomp_bpf.h: $(BUILD)/gen/seccomp_policy
	$< > $@.tmp && mv $@.tmp $@

$(BUILD)/sandbox/seccomp.o: $(BUILD)/gen/seccomp_bpf.h
$(BUILD)/sandbox/seccomp.o: ALL_CFLAGS += -I$(BUILD)

$(BUILD)/libsigma.a: $(LIB_OBJ)
	@rm -f $@ && ar rcs $@ $^

# The executable exports its symbols (-rdynamic): sigma-core.so uses its
# error slot, buffers and sandbox rather than second copies.
$(SIGMA_OUT): $(EXE_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -rdynamic -o $@ $^ $(EXE_LIBS)

$(SIGMA_CORE): $(CORE_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libsigma.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsigma.a $(LDLIBS) $(TEST_LIBS)

units: $(UNIT_BIN)

check: $(SIGMA_OUT) $(SIGMA_CORE) $(UNIT_BIN)
	SIGMA_BIN=$(CURDIR)/$(SIGMA_OUT) SIGMA_UNIT_DIR=$(CURDIR)/$(BUILD)/tests bash tests/run.sh

asan:
	$(MAKE) BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" check

FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
	  LDFLAGS="-fsanitize=address,undefined" build-fuzz/libsigma.a
	@mkdir -p tests/fuzz/bin
	for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  clang $(FUZZ_CFLAGS) -o tests/fuzz/bin/$$n $$f build-fuzz/libsigma.a $(LDLIBS) || exit 1; \
	done

demo: sigma sigma-core.so
	bash contrib/demo.sh

bench: sigma sigma-core.so
	bash bench/run.sh

bench-sandbox: sigma sigma-core.so
	bash bench/sandbox.sh

bench-formats: sigma sigma-core.so
	bash bench/formats.sh

$(BUILD)/bench/parse: bench/parse.c $(BUILD)/libsigma.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsigma.a $(LDLIBS)

bench-parsers: $(BUILD)/bench/parse
	bash bench/parsers.sh

bench-certify: sigma sigma-core.so
	bash bench/certify.sh

$(BUILD)/bench/council: bench/council.c $(BUILD)/libsigma.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsigma.a $(LDLIBS) $(TEST_LIBS)

bench-council: $(BUILD)/bench/council
	bash bench/council.sh

bench-chain: sigma sigma-core.so
	bash bench/chain.sh

bench-monorepo: sigma sigma-core.so
	bash bench/monorepo.sh

# What `make install` puts under $(DESTDIR)$(PREFIX), and `make uninstall`
# removes, file by file: the two binaries, the manual pages, the example
# configuration, the contrib scripts and the systemd units (their ExecStart
# rewritten to this prefix's bin/sigma). UNITDIR=/etc/systemd/system (or
# $(pkg-config --variable=systemdsystemunitdir systemd)) puts the units
# where a distribution expects them.
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/sigma
DATADIR  ?= $(PREFIX)/share/sigma
UNITDIR  ?= $(PREFIX)/lib/systemd/system
MAN_PAGES := $(wildcard man/*.1 man/*.5 man/*.8)
CONTRIB_FILES := contrib/install-hook.sh contrib/ghes/build-env.sh contrib/ghes/pre-receive.sh contrib/ghes/README.md \
                 $(wildcard contrib/gitea/* contrib/gitlab/*)
UNITS    := $(wildcard contrib/systemd/*.service contrib/systemd/*.timer)
INSTALLED := $(PREFIX)/bin/sigma $(PREFIX)/lib/sigma/sigma-core.so \
             $(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
             $(DOCDIR)/sigma.config.example \
             $(CONTRIB_FILES:contrib/%=$(DATADIR)/contrib/%) \
             $(addprefix $(UNITDIR)/,$(notdir $(UNITS)))

install: sigma sigma-core.so
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/sigma
	install -m 0755 sigma $(DESTDIR)$(PREFIX)/bin/sigma
	install -m 0644 sigma-core.so $(DESTDIR)$(PREFIX)/lib/sigma/sigma-core.so
	for m in $(MAN_PAGES); do \
	  s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
	  install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	install -d $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/contrib/ghes $(DESTDIR)$(UNITDIR)
	install -m 0644 contrib/sigma.config.example $(DESTDIR)$(DOCDIR)/sigma.config.example
	install -m 0755 contrib/install-hook.sh $(DESTDIR)$(DATADIR)/contrib/install-hook.sh
	install -m 0755 contrib/ghes/build-env.sh contrib/ghes/pre-receive.sh $(DESTDIR)$(DATADIR)/contrib/ghes/
	install -m 0644 contrib/ghes/README.md $(DESTDIR)$(DATADIR)/contrib/ghes/README.md
	install -d $(DESTDIR)$(DATADIR)/contrib/gitea $(DESTDIR)$(DATADIR)/contrib/gitlab
	install -m 0644 contrib/gitea/* $(DESTDIR)$(DATADIR)/contrib/gitea/
	install -m 0644 contrib/gitlab/README.md $(DESTDIR)$(DATADIR)/contrib/gitlab/
	install -m 0755 contrib/gitlab/make-hooks-tarball.sh contrib/gitlab/pre-receive.d-sigma $(DESTDIR)$(DATADIR)/contrib/gitlab/
	for u in $(UNITS); do \
	  sed 's|/usr/local/bin/sigma|$(PREFIX)/bin/sigma|g' $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
	  mv $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

# Only sigma's own directories are removed; bin/, share/man/man1/ and the
# like may hold other programs' files.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(PREFIX)/lib/sigma $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/contrib/ghes \
	  $(DESTDIR)$(DATADIR)/contrib/gitea $(DESTDIR)$(DATADIR)/contrib/gitlab \
	  $(DESTDIR)$(DATADIR)/contrib $(DESTDIR)$(DATADIR) 2> /dev/null

clean:
	rm -rf build build-asan build-fuzz sigma sigma-core.so tests/fuzz/bin

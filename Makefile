# igfunnel: make | make check | make SANITIZE=1 check | make demo | make install
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
OPT ?= -O2
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
       -Wvla -Wpointer-arith -Wundef -Wcast-align -Wwrite-strings -Wold-style-definition \
       -Wnull-dereference -Wdouble-promotion -Wno-unused-parameter
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Ilib $(CFLAGS)
LDLIBS = -lz -lm -lpthread

ifeq ($(SANITIZE),1)
BUILD ?= build-san
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BIN ?= build-san/bin
else
BUILD ?= build
BIN ?= bin
endif

LIB_SRC  := $(sort $(wildcard lib/*/*.c))
CMD_SRC  := $(sort $(wildcard cmd/ig-*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBA     := $(BUILD)/libigfunnel.a
PROGS    := $(CMD_SRC:cmd/%.c=$(BIN)/%) $(BIN)/ig-funnel
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MANS     := $(sort $(wildcard man/*.1 man/*.5))

CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

.PHONY: all check unit cli manlint deps builddeps demo install clean fuzz fuzz-check valgrind valgrind-run
all: $(PROGS)

# Hot loops (files named *_kernel.c) are optimised harder. Binaries run on
# any CPU of their architecture (x86-64: SSE2); kernels with AVX2 and
# AVX-512 copies (lib/core/ig_kernel_copies.h) pick one at run time
# (lib/core/ig_cpu.h; IG_KERNEL=portable
# forces the portable one). NATIVE=1 builds the kernels for this machine
# only: such binaries may die with SIGILL on another CPU.
NATIVE ?= 0
ifeq ($(NATIVE),1)
KERNEL_FLAGS = -O3 -march=native -funroll-loops
else
KERNEL_FLAGS = -O3 -funroll-loops
endif
$(BUILD)/lib/%_kernel.o: ALL_CFLAGS += $(KERNEL_FLAGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# ig-funnel is a shell script over the other tools. A new file renamed
# over the old: sh reads a script as it runs, and cp rewrote the file a
# running ig-funnel was reading (a rebuild mid-run ended it with exit 2,
# 'nvalid: parameter not set').
$(BIN)/ig-funnel: cmd/ig-funnel.sh
	@mkdir -p $(dir $@)
	cp cmd/ig-funnel.sh $@.tmp
	chmod 755 $@.tmp
	mv -f $@.tmp $@

$(BIN)/%: $(BUILD)/cmd/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Wno-missing-prototypes -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(CMOCKA_LIBS) $(LDLIBS)

deps:
	@sh tests/deps.sh test

builddeps:
	@sh tests/deps.sh build

# The kernels' portable copies run the unit tests and the CLI tests of
# every tool with a kernel of copies (w2v, retrieve, tower, diversify,
# rank, and funnel, which runs rank) or a hot integer kernel (cooccur) a
# second time: the same expected output.
check: deps
	@$(MAKE) --no-print-directory all $(UNITS)
	@sh tests/unit/run.sh $(UNITS)
	@sh tests/cli/run.sh $(CURDIR)/$(BIN)
	@echo "IG_KERNEL=portable:"
	@IG_KERNEL=portable sh tests/unit/run.sh $(UNITS)
	@IG_KERNEL=portable sh tests/cli/run.sh $(CURDIR)/$(BIN) tests/cli/w2v/* tests/cli/cooccur/* \
		tests/cli/retrieve/* tests/cli/retrieve-index/* tests/cli/tower/* tests/cli/diversify/* \
		tests/cli/rank/* tests/cli/funnel/*
	@sh tests/manlint.sh $(MANS)
	@sh tests/manopts.sh $(CURDIR)/$(BIN) $(MANS)
	@sh tests/layers.sh

unit: deps
	@$(MAKE) --no-print-directory $(UNITS)
	@sh tests/unit/run.sh $(UNITS)

cli: all
	@sh tests/cli/run.sh $(CURDIR)/$(BIN)

manlint: all
	@sh tests/manlint.sh $(MANS)
	@sh tests/manopts.sh $(CURDIR)/$(BIN) $(MANS)

# valgrind does not know every instruction (AVX-512): its build is
# portable, and the kernels run their portable copies. A developer's
# target, not part of .ci/run: the unit tests take about 25 min and the
# CLI tests well over an hour under valgrind on a shared 2-core machine
# (run.sh BINDIR TEST... under VALGRIND=1 checks a few).
valgrind: deps
	@$(MAKE) --no-print-directory BUILD=build-vg BIN=build-vg/bin NATIVE=0 valgrind-run

valgrind-run: all $(UNITS)
	@IG_KERNEL=portable VALGRIND=1 sh tests/unit/run.sh $(UNITS)
	@IG_KERNEL=portable VALGRIND=1 sh tests/cli/run.sh $(CURDIR)/$(BIN)

demo: builddeps
	@$(MAKE) --no-print-directory all
	@sh testdata/demo/run.sh $(CURDIR)/$(BIN)

# libFuzzer harnesses (clang): make fuzz; then run build-fuzz/fuzz_NAME CORPUS.
# make fuzz-check replays every corpus and fuzzes each harness for
# FUZZ_SECONDS (20) s: part of .ci/run.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -Ilib -fsanitize=fuzzer-no-link,address,undefined
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
build-fuzz/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
build-fuzz/libigfunnel.a: $(LIB_SRC:%.c=build-fuzz/%.o)
	rm -f $@
	$(AR) rcs $@ $^
build-fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_stdin.h build-fuzz/libigfunnel.a
	clang $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer -o $@ $< build-fuzz/libigfunnel.a $(LDLIBS)

fuzz-check:
	@sh tests/deps.sh fuzz || true
	@if sh tests/deps.sh fuzz 2>/dev/null; then \
		$(MAKE) --no-print-directory fuzz && sh tests/fuzz/check.sh; \
	else \
		echo "fuzz-check: SKIPPED: clang with libFuzzer is missing (see tests/deps.sh fuzz)"; \
	fi

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build build-san build-vg build-fuzz bin

-include $(LIB_OBJ:.o=.d) $(CMD_SRC:%.c=$(BUILD)/%.d) $(UNIT_SRC:%.c=$(BUILD)/%.d)
-include $(wildcard build-fuzz/lib/*/*.d)

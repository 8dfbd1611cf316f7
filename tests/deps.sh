#!/bin/sh
# Finds what the build and the tests need; as root on Debian, installs what
# is missing, otherwise says the exact command to run.
# Usage: deps.sh build   (what `make` needs)
#        deps.sh test    (also what `make check` needs)
#        deps.sh fuzz    (clang with libFuzzer, for `make fuzz-check`)
what=${1:-test}
missing=
have_header() {
	printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1
}
have_header zlib.h || missing="$missing zlib1g-dev"
[ "$what" = test ] && { printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <stdint.h>\n#include <cmocka.h>\n' |
	${CC:-cc} -E -x c - >/dev/null 2>&1 || missing="$missing libcmocka-dev"
	command -v mandoc >/dev/null 2>&1 || missing="$missing mandoc"; }
if [ "$what" = fuzz ]; then
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' >"${TMPDIR:-/tmp}/igdeps.$$.c"
	if ! command -v clang >/dev/null 2>&1; then
		missing="$missing clang libclang-rt-dev"
	elif ! clang -fsanitize=fuzzer,address -o "${TMPDIR:-/tmp}/igdeps.$$" "${TMPDIR:-/tmp}/igdeps.$$.c" >/dev/null 2>&1; then
		missing="$missing libclang-rt-dev"
	fi
	rm -f "${TMPDIR:-/tmp}/igdeps.$$" "${TMPDIR:-/tmp}/igdeps.$$.c"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 && apt-get install -y -qq $missing >&2 && exit 0
	echo "deps: apt-get failed" >&2
	exit 1
fi
echo "deps: missing$missing; run: sudo apt-get install$missing" >&2
exit 1

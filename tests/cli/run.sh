#!/bin/sh
# End-to-end CLI tests. Each test is a directory under tests/cli/ with:
#   cmd     shell commands, run by sh in an empty temporary directory with
#           the binaries first on PATH, $TESTDATA = testdata/, $ROOT = the
#           source tree
#   stdout  expected standard output (missing: must be empty)
#   stderr  expected standard error (missing: must be empty); the timing
#           part of summary lines is replaced by "; TIME"
#   status  expected exit code (missing: 0)
# Usage: run.sh BINDIR [TEST_DIR...]; VALGRIND=1 runs every binary under it.
# UPDATE=1 rewrites stdout, stderr and status of the tests named (all when
# none is) from what they give now, for a deliberate change of output:
# review the diff (git diff tests/cli) before committing it. It refuses to
# run under CI, where a test must never bless its own output.
set -u
update=${UPDATE:-0}
if [ "$update" = 1 ] && [ -n "${CI:-}" ]; then
	echo "run.sh: UPDATE=1 rewrites expected output; refused with CI set (CI=$CI)" >&2
	exit 2
fi
bindir=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/igcli.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
pathdir=$bindir
if [ "${VALGRIND:-0}" = 1 ]; then
	pathdir=$work/vgbin
	mkdir -p "$pathdir"
	for b in "$bindir"/ig-*; do
		n=$(basename "$b")
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --show-possibly-lost=no --leak-check=full --errors-for-leak-kinds=definite "%s" "$@"\n' "$b" >"$pathdir/$n"
		chmod +x "$pathdir/$n"
	done
fi
if [ $# -eq 0 ]; then
	set -- $(find "$root/tests/cli" -name cmd -type f | sed 's,/cmd$,,' | sort)
fi
pass=0 fail=0
for t in "$@"; do
	case $t in /*) ;; *) t=$PWD/${t%/} ;; esac
	name=${t#"$root"/tests/cli/}
	dir=$work/run
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && PATH="$pathdir:$PATH" TESTDATA="$root/testdata" ROOT="$root" LC_ALL=C \
		sh "$t/cmd" >"$work/out" 2>"$work/err.raw" </dev/null)
	got=$?
	sed -E 's/; [0-9.]+ s real, [0-9.]+ s CPU, [0-9.]+ MB peak$/; TIME/' "$work/err.raw" >"$work/err"
	want=0
	[ -f "$t/status" ] && want=$(cat "$t/status")
	if [ "$update" = 1 ]; then
		# An empty output leaves no file unless the test has one.
		save() { if [ -s "$1" ] || [ -f "$2" ]; then cp "$1" "$2"; fi; }
		save "$work/out" "$t/stdout"
		save "$work/err" "$t/stderr"
		if [ "$got" != 0 ]; then echo "$got" >"$t/status"; else rm -f "$t/status"; fi
		want=$got
	fi
	ok=1
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit $got, expected $want"
		ok=0
	fi
	for s in out:stdout err:stderr; do
		f=${s%%:*} e=${s#*:}
		if [ -f "$t/$e" ]; then exp=$t/$e; else exp=/dev/null; fi
		if ! cmp -s "$exp" "$work/$f"; then
			echo "FAIL $name: $e differs"
			diff -u "$exp" "$work/$f" | head -30
			ok=0
		fi
	done
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]

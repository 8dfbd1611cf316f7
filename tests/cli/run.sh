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
# JOBS=N runs N tests at a time (default: the online CPUs); each has its
# own directory, and the report is printed in the tests' order whatever
# finished first, so it reads the same at any N.
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
jobs=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
case $jobs in '' | *[!0-9]* | 0) echo "run.sh: JOBS=$jobs: not a positive number" >&2; exit 2 ;; esac
bindir=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/igcli.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
pathdir=$bindir
if [ "${VALGRIND:-0}" = 1 ]; then
	pathdir=$work/vgbin
	mkdir -p "$pathdir"
	for b in "$bindir"/ig-*; do
		n=$(basename "$b")
		if [ "$(head -c 2 "$b")" = '#!' ]; then
			cp "$b" "$pathdir/$n" # a script: the tools it runs are wrapped
			continue
		fi
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --show-possibly-lost=no --leak-check=full --errors-for-leak-kinds=definite "%s" "$@"\n' "$b" >"$pathdir/$n"
		chmod +x "$pathdir/$n"
	done
fi
if [ $# -eq 0 ]; then
	set -- $(find "$root/tests/cli" -name cmd -type f | sed 's,/cmd$,,' | sort)
fi

# Runs test T in its own directory under LANE's, writing its report
# lines to REPORT, and "pass" or "fail" as its last line.
run_test() { # T LANE REPORT
	t=$1 ldir=$work/lane.$2 rep=$3
	case $t in /*) ;; *) t=$PWD/${t%/} ;; esac
	name=${t#"$root"/tests/cli/}
	dir=$ldir/run
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && PATH="$pathdir:$PATH" TESTDATA="$root/testdata" ROOT="$root" LC_ALL=C \
		sh "$t/cmd" >"$ldir/out" 2>"$ldir/err.raw" </dev/null)
	got=$?
	sed -E 's/; [0-9.]+ s real, [0-9.]+ s CPU, [0-9.]+ MB peak$/; TIME/' "$ldir/err.raw" >"$ldir/err"
	want=0
	[ -f "$t/status" ] && want=$(cat "$t/status")
	if [ "$update" = 1 ]; then
		# An empty output leaves no file unless the test has one.
		save() { if [ -s "$1" ] || [ -f "$2" ]; then cp "$1" "$2"; fi; }
		save "$ldir/out" "$t/stdout"
		save "$ldir/err" "$t/stderr"
		if [ "$got" != 0 ]; then echo "$got" >"$t/status"; else rm -f "$t/status"; fi
		want=$got
	fi
	ok=pass
	{
		if [ "$got" != "$want" ]; then
			echo "FAIL $name: exit $got, expected $want"
			ok=fail
		fi
		for s in out:stdout err:stderr; do
			f=${s%%:*} e=${s#*:}
			if [ -f "$t/$e" ]; then exp=$t/$e; else exp=/dev/null; fi
			if ! cmp -s "$exp" "$ldir/$f"; then
				echo "FAIL $name: $e differs"
				diff -u "$exp" "$ldir/$f" | head -30
				ok=fail
			fi
		done
		echo $ok
	} >"$rep"
}

# Lane L takes the tests L, L + JOBS, L + 2 JOBS ... of the list; the
# reports are read back in the list's order.
lane=0
while [ $lane -lt "$jobs" ]; do
	(
		i=0
		for t in "$@"; do
			[ $((i % jobs)) = $lane ] && run_test "$t" $lane "$work/report.$i"
			i=$((i + 1))
		done
	) &
	lane=$((lane + 1))
done
wait
pass=0 fail=0 i=0
for t in "$@"; do
	rep=$work/report.$i
	i=$((i + 1))
	if [ ! -f "$rep" ]; then
		echo "FAIL $t: no report (the runner was stopped)"
		fail=$((fail + 1))
		continue
	fi
	sed '$d' "$rep"
	if [ "$(tail -n 1 "$rep")" = pass ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]

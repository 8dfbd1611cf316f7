#!/bin/sh
# make fuzz-check: every harness replays its whole corpus (the regression
# part: the inputs that once crashed or were refused wrongly), then fuzzes
# for FUZZ_SECONDS (default 20) from a scratch copy of that corpus, so
# that the repository's corpora change only by hand. A crash, a leak
# report, a timeout or an input that alone needs more memory than the
# limit fails the check; its input is kept in build-fuzz/artifacts/.
# Usage: check.sh [HARNESS...]   (default: every build-fuzz/fuzz_*)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-20}
art=$root/build-fuzz/artifacts
mkdir -p "$art"
work=$(mktemp -d "${TMPDIR:-/tmp}/igfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# A die unwinds with longjmp and leaks what was allocated (see the
# harnesses): no leak detection.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

corpus_of() {
	case $1 in
	fuzz_streams) echo corpus ;;
	*) echo "corpus_${1#fuzz_}" ;;
	esac
}
extra_of() {
	case $1 in
	fuzz_ingest) echo "-max_len=4096" ;;
	fuzz_num) echo "-max_len=64" ;;
	*) echo "-rss_limit_mb=1024" ;;
	esac
}

# A fork-mode worker runs many inputs in one process, and every input that
# dies leaks (see the harnesses), so a worker can pass the memory limit
# with no input at fault; libFuzzer then exits non-zero if that was its
# last job. Such a run passes when it found no crash and no timeout and
# each out-of-memory input, run alone, stays within the limit.
leaks_only() { # HARNESS BIN LOG
	# The last status line, wherever it is: NEW_FUNC lines may follow it.
	grep 'oom/timeout/crash:' "$3" | tail -n 1 | grep -q 'oom/timeout/crash: [0-9]*/0/0' || return 1
	! grep -qE 'ERROR: AddressSanitizer|runtime error|deadly signal' "$3" || return 1
	for f in "$art/$1-oom-"*; do
		[ -e "$f" ] || continue
		"$2" -runs=1 $(extra_of "$1") "$f" >/dev/null 2>&1 || return 1
		rm -f "$f"
	done
	echo "     $1: out-of-memory worker restarts only, each input alone within the limit"
}

if [ $# -eq 0 ]; then
	set -- $(cd "$root/build-fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.')
fi
pass=0 fail=0
for h in "$@"; do
	bin=$root/build-fuzz/$h
	corpus=$root/tests/fuzz/$(corpus_of "$h")
	if [ ! -d "$corpus" ]; then
		echo "FAIL $h: no corpus $corpus"
		fail=$((fail + 1))
		continue
	fi
	n=$(ls "$corpus" | wc -l)
	# Replay: each input once, in the harness's own process.
	if ! "$bin" -runs=0 $(extra_of "$h") -artifact_prefix="$art/$h-" "$corpus" >"$work/$h.replay" 2>&1; then
		echo "FAIL $h: replaying $n inputs of $corpus:"
		grep -E 'ERROR|SUMMARY|artifact|runtime error' "$work/$h.replay" | head -10
		fail=$((fail + 1))
		continue
	fi
	# Fuzz: new inputs go to a scratch corpus.
	mkdir -p "$work/$h.new"
	rm -f "$art/$h-oom-"*
	if ! "$bin" -max_total_time="$secs" -timeout=10 -fork=1 -ignore_ooms=1 $(extra_of "$h") \
		-artifact_prefix="$art/$h-" "$work/$h.new" "$corpus" >"$work/$h.fuzz" 2>&1 &&
		! leaks_only "$h" "$bin" "$work/$h.fuzz"; then
		echo "FAIL $h: fuzzing for $secs s:"
		grep -E 'ERROR|SUMMARY|artifact|runtime error' "$work/$h.fuzz" | head -10
		grep 'oom/timeout/crash:' "$work/$h.fuzz" | tail -n 1
		tail -n 3 "$work/$h.fuzz"
		fail=$((fail + 1))
		continue
	fi
	runs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' "$work/$h.fuzz" | tail -1)
	echo "ok   $h: $n inputs replayed, ${runs:-?} runs in $secs s"
	pass=$((pass + 1))
done
echo "fuzz-check: $pass passed, $fail failed"
[ $fail = 0 ]

#!/bin/sh
# ig-diversify's speed: USERS users x 150 ranked candidates -> feeds of 25,
# with authors, media, MMR over 64-dimensional vectors and exploration (and
# the same with DPP), from streams generated with awk (nothing from a
# dataset). Reports users/s and microseconds per user per thread for the
# whole tool (-@ 1 and -@ THREADS, wall and CPU time), for the reranker
# alone (bench/diversify_kernel.c, CPU time), and against a numpy MMR
# (bench/diversify_ref.py) on the first SAMPLE users, same input, same
# thread, with the ratio.
# Usage: bench/diversify_speed.sh [BINDIR]
# Env:   USERS [1000000], SAMPLE [2000], THREADS [2], PYTHON [/usr/bin/python3],
#        RUNS (which runs of the whole tool [mmr1 mmrTHREADS dpp1 dppTHREADS]),
#        WORK (scratch dir [$TMPDIR/ig-diversify-speed], kept for reruns)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/bin}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
USERS=${USERS:-1000000}
SAMPLE=${SAMPLE:-2000}
THREADS=${THREADS:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
WORK=${WORK:-${TMPDIR:-/tmp}/ig-diversify-speed}
mkdir -p "$WORK"
cd "$WORK"

# 100000 items by 10000 authors in 100 leaf topics under 10 roots
if [ ! -s items.tsv ]; then
	awk 'BEGIN { OFS = "\t"; srand(3); split("photo video reel carousel", m, " ")
		print "#ig:items/1", "item", "author", "media", "created", "topics"
		for (i = 1; i <= 100000; i++)
			printf "i%06d\ta%05d\t%s\t%d\tt%02d.%d\n", i, int(rand() * 10000), m[1 + int(rand() * 4)],
			    1700000000 + int(rand() * 864000), int(rand() * 10), int(rand() * 10) }' >items.tsv
	awk 'BEGIN { OFS = "\t"; print "#ig:topics/1", "topic", "parent"
		for (t = 0; t < 10; t++) { printf "t%02d\t\n", t; for (s = 0; s < 10; s++) printf "t%02d.%d\tt%02d\n", t, s, t } }' >topics.tsv
	awk 'BEGIN { srand(5); print 100000, 64
		for (i = 1; i <= 100000; i++) { printf "i%06d", i; for (d = 0; d < 64; d++) printf " %.4f", rand() - 0.5; printf "\n" } }' >items.vec
fi
if [ ! -s ranked.$USERS.tsv ]; then
	echo "== generating $USERS users x 150 candidates"
	# 150 distinct items a user: a random start, steps of 613
	# mawk, where installed, writes it several times faster than gawk;
	# their rand() differ, so does the input, not its shape
	AWK=awk
	command -v mawk >/dev/null && AWK=mawk
	$AWK -v users="$USERS" 'BEGIN { srand(7); print "#ig:ranked/1\tuser\titem\tscore\treason"
		for (u = 1; u <= users; u++) {
			base = int(rand() * 100000)
			for (k = 0; k < 150; k++)
				printf "u%07d\ti%06d\t%.4f\tknn:i%06d\n", u, 1 + (base + k * 613) % 100000, 1 - k / 150,
				    1 + int(rand() * 100000)
		} }' \
	    >ranked.$USERS.tsv
fi
head -n $((SAMPLE * 150 + 1)) ranked.$USERS.tsv >ranked.sample.tsv

# the fixed cost of loading items and vectors, measured on an empty list
head -1 ranked.sample.tsv >empty.tsv
/usr/bin/time -f "%e %U %S" -o time0.txt "$BIN/ig-diversify" -q -u -@ 1 --items items.tsv --topics topics.tsv \
    --vectors items.vec -o /dev/null empty.tsv
read -r real0 user0 sys0 <time0.txt
echo "loading items, topics, vectors: $real0 s real, $user0 s user"

run() {
	label=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o time.txt "$BIN/ig-diversify" -q -u --items items.tsv --topics topics.tsv \
	    --vectors items.vec "$@" -o feed.tsv ranked.$USERS.tsv
	read -r real user sys rss <time.txt
	awk -v l="$label" -v u="$USERS" -v r="$real" -v c="$user" -v s="$sys" -v m="$rss" -v r0="$real0" \
	    -v c0="$user0" -v s0="$sys0" 'BEGIN {
		printf "%-10s %8.0f users/s  %6.1f us/user wall  %6.1f us/user CPU  %5.0f MB  (loading excluded)\n", l,
		    u / (r - r0), (r - r0) / u * 1e6, (c + s - c0 - s0) / u * 1e6, m / 1024 }'
}

echo "== ig-diversify, $USERS users x 150 -> 25 (authors, media, 64-d vectors, epsilon 0.02)"
for r in ${RUNS:-mmr1 mmr$THREADS dpp1 dpp$THREADS}; do
	case $r in
	mmr*) run "mmr -@ ${r#mmr}" -@ "${r#mmr}" ;;
	dpp*) run "dpp -@ ${r#dpp}" -@ "${r#dpp}" --method dpp ;;
	esac
done
rows=$(grep -vc '^#' feed.tsv)
echo "rows written: $rows"

echo "== the reranker alone (no parsing), CPU time per user, one thread"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/lib" -o kernel "$ROOT/bench/diversify_kernel.c" \
    "$ROOT/build/libigfunnel.a" -lz -lm -lpthread
for m in mmr dpp; do ./kernel items.tsv topics.tsv items.vec 20000 150 25 $m 0.02; done

echo "== against numpy MMR on the first $SAMPLE users (one thread, CPU time)"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $PYTHON "$ROOT/bench/diversify_ref.py" items.tsv items.vec ranked.sample.tsv \
    "$SAMPLE" >ref.txt
read -r pu ptotal pwork <ref.txt
/usr/bin/time -f "%e %U %S" -o time.txt "$BIN/ig-diversify" -q -u -@ 1 --items items.tsv --topics topics.tsv \
    --vectors items.vec -o feed.sample.tsv ranked.sample.tsv
read -r real user sys <time.txt
awk -v n="$pu" -v pt="$ptotal" -v pw="$pwork" -v c="$user" -v s="$sys" -v c0="$user0" -v s0="$sys0" 'BEGIN {
	ig = (c + s) - (c0 + s0)
	printf "numpy MMR:    %7.1f us/user (rerank only %.1f), %.0f users/s\n", pt / n * 1e6, pw / n * 1e6, n / pt
	printf "ig-diversify: %7.1f us/user (read, rerank, write; loading excluded), %.0f users/s\n", ig / n * 1e6, n / ig
	printf "ratio: ig-diversify is %.0fx faster (whole per-user work), %.0fx against numpy rerank only\n", pt / ig, pw / ig }'
rm -f feed.tsv feed.sample.tsv time.txt time0.txt empty.tsv

#!/bin/sh
# ig-ingest throughput on a ~1 GB raw TSV (u.data layout: user item rating
# ts, 40 million synthetic rows made with awk) against `gzip -1` of the
# same file, both reading from the page cache; then ML-100K u.data with
# its preset. Throughput is input MB over seconds, both wall-clock and CPU
# (user + system): on a shared machine CPU seconds are the fairer figure.
# Goal (issue 2): ig-ingest >= 0.7 x gzip -1.
# Usage: bench/ingest.sh [BINDIR]   (ROWS=N for another size; -T via $TMPDIR)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/bin}
DATA=$ROOT/../shared/data
TMP=${TMPDIR:-/tmp}
ROWS=${ROWS:-40000000}
RAW=$TMP/ig-ingest-bench.$ROWS.tsv
export LC_ALL=C

[ -x "$BIN/ig-ingest" ] || { echo "no $BIN/ig-ingest: run make first" >&2; exit 1; }
if [ ! -s "$RAW" ]; then
	echo "making $RAW ($ROWS rows) ..."
	awk -v n="$ROWS" 'BEGIN { srand(7); for (i = 0; i < n; i++)
		printf "%d\t%d\t%d\t%d\n", int(rand() * 1000000) + 1, int(rand() * 200000) + 1,
		    int(rand() * 5) + 1, 880000000 + int(rand() * 100000000) }' >"$RAW"
fi
size=$(wc -c <"$RAW")
cat "$RAW" >/dev/null # into the page cache

# run NAME CMD...: prints "NAME wall cpu" and keeps them in $wall $cpu
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$TMP/ig-bench.time" "$@"
	set -- $(cat "$TMP/ig-bench.time")
	wall=$1
	cpu=$(echo "$2 + $3" | bc)
	printf '%-34s %7.2f s wall %7.1f MB/s   %7.2f s CPU %7.1f MB/s\n' "$name" "$wall" \
		"$(echo "$size / 1048576 / $wall" | bc -l)" "$cpu" "$(echo "$size / 1048576 / $cpu" | bc -l)"
}

echo "input: $RAW, $(echo "$size / 1048576" | bc) MB"
run "gzip -1" sh -c "gzip -1 -c '$RAW' >/dev/null"
gz_wall=$wall gz_cpu=$cpu
run "ig-ingest -p ml-100k -u" "$BIN/ig-ingest" -q -p ml-100k -u -o /dev/null "$RAW"
u_wall=$wall u_cpu=$cpu
run "ig-ingest -p ml-100k -l 1 (gzip)" "$BIN/ig-ingest" -q -p ml-100k -l 1 -o /dev/null "$RAW"
l_wall=$wall l_cpu=$cpu
echo
printf 'throughput relative to gzip -1 (goal >= 0.70):\n'
printf '  -u   : %.2f wall, %.2f CPU\n' "$(echo "$gz_wall / $u_wall" | bc -l)" "$(echo "$gz_cpu / $u_cpu" | bc -l)"
printf '  -l 1 : %.2f wall, %.2f CPU\n' "$(echo "$gz_wall / $l_wall" | bc -l)" "$(echo "$gz_cpu / $l_cpu" | bc -l)"
echo
echo "peak memory with the default --memory 1G:"
"$BIN/ig-ingest" -p ml-100k -u -o /dev/null "$RAW" 2>&1 | sed 's/.*; //'

if [ -f "$DATA/movielens-100k/u.data.gz" ]; then
	echo
	echo "ML-100K u.data:"
	"$BIN/ig-ingest" -p ml-100k -o "$TMP/ig-bench-ml100k.tsv.gz" "$DATA/movielens-100k/u.data.gz"
	rm -f "$TMP/ig-bench-ml100k.tsv.gz"
fi
rm -f "$TMP/ig-bench.time"
echo "(the input stays in $RAW for the next run; delete it when done)"

#!/bin/sh
# Reading a gzip TSV through the stream library against `zcat FILE >/dev/null`.
# Goal: at most 1.2x zcat's time. Usage: bench/reader.sh [ROWS]  (default 20M rows)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-20000000}
out=$root/bench/out
mkdir -p "$out"
make -s -C "$root" build/libigfunnel.a
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/lib" -o "$out/readlines" "$root/bench/readlines.c" \
	"$root/build/libigfunnel.a" -lz -lm
data=$out/reader-input.tsv.gz
if [ ! -f "$data" ]; then
	echo "making $rows events rows..." >&2
	awk -v n="$rows" 'BEGIN { srand(7); print "#ig:events/1\tts\tuser\titem\tevent\tvalue";
		for (i = 0; i < n; i++) printf "%d\tu%07d\ti%06d\tview\t%d\n", 1500000000 + i, int(i / 100), int(rand() * 500000), int(rand() * 60000) }' |
		gzip -6 >"$data"
fi
ls -l "$data" >&2
best() { # best of 3 wall-clock seconds of "$@"
	b=
	for _ in 1 2 3; do
		s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
z=$(best zcat "$data")
r=$(best "$out/readlines" "$data")
"$out/readlines" "$data" >&2
echo "zcat FILE >/dev/null:        $z s"
echo "ig reader (lines + fields):  $r s"
echo "ratio ig/zcat:               $(echo "scale=3; $r / $z" | bc)  (goal <= 1.2)"

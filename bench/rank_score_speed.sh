#!/bin/sh
# ig-rank score alone, the first and the second stage, of two builds side
# by side on the kept files of an ig-funnel run: alternated runs of each
# stage at -@ 1 and -@ 2, each printing the process's CPU seconds (user +
# sys: reading, scoring, writing), its millions of candidates a
# CPU-second, and ig-rank's own rate (the threads' scoring alone); then
# whether the two builds wrote the same bytes (each build runs from the
# same path and writes to the same path, so the ##pg lines agree).
#   sh bench/rank_score_speed.sh FUNNEL_DIR OLD_BIN NEW_BIN [RUNS] [POSITIVES]
# FUNNEL_DIR: the folder the README's recipe ran in (bench/public_recipes.sh
# does it under OUT/PRESET), whose ig-funnel ran with --keep-intermediate:
# its out/candidates.tsv.gz, out/first.model, out/second.model, out/work/
# all.nbrs.tsv.gz and all.vec.gz, and s.train.tsv.gz. ROWS (6000000)
# candidates of whole users are taken from the candidates; the second
# stage scores the first stage's rows of OLD_BIN. RUNS [3]; POSITIVES
# [view,save,share] the funnel's --positives; WORK [mktemp].
# The Retailrocket figures of ig-rank(1) came from such a folder:
#   python3 bench/public_formats.py retailrocket 600000 1 >events.csv, then
#   the recipe's ig-ingest, ig-eval split and ig-funnel -@ 2
#   --keep-intermediate in that folder.
set -eu
[ $# -ge 3 ] || { echo "usage: rank_score_speed.sh FUNNEL_DIR OLD_BIN NEW_BIN [RUNS] [POSITIVES]" >&2; exit 2; }
d=$(cd "$1" && pwd)
old=$(cd "$2" && pwd)
new=$(cd "$3" && pwd)
runs=${4:-3}
pos=${5:-view,save,share}
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/rank_score_speed.XXXXXX")}
mkdir -p "$work/run"
cd "$work"
[ -f cand.tsv ] || gzip -dc "$d/out/candidates.tsv.gz" |
	awk -F'\t' -v rows="${ROWS:-6000000}" '/^#/ { print; next } { n++; if (n > rows && $1 != last) exit; last = $1; print }' >cand.tsv
one() { # BIN STAGE THREADS OUT
	cp "$1/ig-rank" run/ig-rank
	if [ "$2" = 1 ]; then m=$d/out/first.model k=150 in=cand.tsv; else m=$d/out/second.model k=50 in=ranked1.tsv; fi
	/usr/bin/time -f '%U %S' -o run/time run/ig-rank score --neighbors "$d/out/work/all.nbrs.tsv.gz" \
		--vectors "$d/out/work/all.vec.gz" --positives "$pos" -@ "$3" -m "$m" --history "$d/s.train.tsv.gz" \
		--keep "$k" -u -o run/out.tsv "$in" 2>run/log
	mv run/out.tsv "$4"
	n=$(tail -n 1 run/log | sed -n 's/.*users, \([0-9]*\) candidates,.*/\1/p')
	rate=$(tail -n 1 run/log | sed -n 's/.*ranked; \([0-9]*\) candidates\/s.*/\1/p')
	awk -v n="$n" -v r="$rate" -v b="$1" -v s="$2" -v t="$3" '{ c = $1 + $2;
		printf "stage %s -@ %s %s: %.2f CPU s, %.3f M candidates/CPU-s, scoring %.3f M/s\n", s, t, b, c, n / c / 1e6, r / 1e6 }' run/time
}
[ -f ranked1.tsv ] || one "$old" 1 1 ranked1.tsv
for r in $(seq 1 "$runs"); do
	for st in 1 2; do
		for t in 1 2; do
			one "$old" "$st" "$t" old.tsv
			one "$new" "$st" "$t" new.tsv
			if cmp -s old.tsv new.tsv; then s=same; else s=DIFFERENT; fi
			echo "stage $st -@ $t run $r: $s bytes"
		done
	done
done

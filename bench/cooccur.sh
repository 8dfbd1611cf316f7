#!/bin/sh
# ig-cooccur against scipy: item-item cosine top-K from the same events,
# on ML-100K, ml-latest-small and a 10M-event synthetic world, in one
# run. For each: wall time, CPU time and peak memory of both, their
# ratios, and a check that the top-K lists are the same (allowing ties).
#
# Usage: bench/cooccur.sh [BINDIR]   (BINDIR: where ig-cooccur is [bin])
# Env:   THREADS (-@ for ig-cooccur [nproc]), K [20], WORK (scratch dir
#        [$TMPDIR/ig-cooccur-bench], kept for reruns), SKIP_SYNTH=1.
# The scipy side (bench/cooccur_scipy.py) builds the user-item matrix X
# with the same event weights, computes X^T X with scipy.sparse, divides
# by the column norms and keeps the K best per item; it is what
# "ig-cooccur --window all -s cosine" computes.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/bin}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
DATA=$ROOT/../shared/data
WORK=${WORK:-${TMPDIR:-/tmp}/ig-cooccur-bench}
THREADS=${THREADS:-$(nproc)}
K=${K:-20}
PY=/usr/bin/python3
mkdir -p "$WORK"
cd "$WORK"

header='#ig:events/1\tts\tuser\titem\tevent\tvalue\n'
# Ratings as events: >= 4 like, <= 2 see_less (weight 0), else view.
if [ ! -s ml100k.tsv ]; then
	gzip -dc "$DATA/movielens-100k/u.data.gz" |
	    awk -F'\t' 'BEGIN { OFS = "\t" }
		{ ev = $3 >= 4 ? "like" : $3 <= 2 ? "see_less" : "view"; print $4, $1, $2, ev, $3 }' |
	    LC_ALL=C sort -t "$(printf '\t')" -k2,2 -k1,1n | { printf "$header"; cat; } >ml100k.tsv
fi
if [ ! -s mlsmall.tsv ]; then
	gzip -dc "$DATA/movielens-latest-small/ratings.csv.gz" |
	    awk -F, 'NR > 1 { sub(/\r$/, ""); r = $3 + 0
		ev = r >= 4 ? "like" : r <= 2 ? "see_less" : "view"; printf "%s\t%s\t%s\t%s\t%s\n", $4, $1, $2, ev, $3 }' |
	    LC_ALL=C sort -t "$(printf '\t')" -k2,2 -k1,1n | { printf "$header"; cat; } >mlsmall.tsv
fi
# About 10M events: ig-synth when it is built, else a planted-topic awk world.
if [ "${SKIP_SYNTH:-0}" != 1 ] && [ ! -s synth10m.tsv.gz ]; then
	if [ -x "$BIN/ig-synth" ]; then
		"$BIN/ig-synth" -q -@ "$THREADS" --seed 1 --users 155000 --items 100000 --days 1 \
		    --stream events -o synth10m.tsv.gz
	else
		awk -v users=400000 -v n=25 -v items=100000 -v topics=50 -v seed=1 \
		    -f "$ROOT/testdata/cooccur/gen.awk" | gzip -1 >synth10m.tsv.gz
	fi
fi

# run NAME CMD...: times CMD; leaves "wall cpu MB" in NAME.time
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$name.time" "$@"
	awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$name.time" >"$name.t"
	mv "$name.t" "$name.time"
}

printf '%-10s %9s | %8s %8s %7s | %8s %8s %7s | %7s %7s | %s\n' data events \
    "ig wall" "ig cpu" "ig MB" "py wall" "py cpu" "py MB" "x wall" "x mem" "top-$K lists"
for d in ml100k mlsmall synth10m; do
	f=$d.tsv
	[ -f "$f" ] || f=$d.tsv.gz
	[ -f "$f" ] || continue
	events=$(gzip -dcf "$f" | grep -vc '^#')
	run ig "$BIN/ig-cooccur" -q -u -@ "$THREADS" --window all -s cosine -k "$K" "$f" -o "$d.ig.tsv"
	if run py "$PY" "$ROOT/bench/cooccur_scipy.py" "$f" "$K" "$d.py.tsv" 2>py.err; then
		cmp=$("$PY" "$ROOT/bench/cooccur_compare.py" "$d.ig.tsv" "$d.py.tsv" | head -1) || true
		cmp=${cmp#compare: }
	else
		echo "nan nan nan" >py.time
		cmp="scipy failed: $(tail -1 py.err)"
	fi
	read -r igw igc igm <ig.time
	read -r pyw pyc pym <py.time
	printf '%-10s %9s | %7ss %7ss %7s | %7ss %7ss %7s | %6.1fx %6.1fx | %s\n' "$d" "$events" \
	    "$igw" "$igc" "$igm" "$pyw" "$pyc" "$pym" \
	    "$(echo "$pyw $igw" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')" \
	    "$(echo "$pym $igm" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')" "$cmp"
done
echo "(x wall: scipy wall time / ig-cooccur's; x mem: scipy peak RSS / ig-cooccur's; -@ $THREADS; $(nproc) CPUs)"

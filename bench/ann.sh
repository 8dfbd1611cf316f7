#!/bin/sh
# ig-retrieve's HNSW index against hnswlib and faiss (IndexHNSWFlat) on the
# same vectors, the same M and ef_construction, and the same threads:
#   (a) clustered unit vectors, d = 64 (generated here, seeded), and
#   (b) ig2vec item vectors of a large ig-synth world (100000 users, 100000
#       items, one day, 6.7 million events; ig-train-w2v --min-count 2
#       --epochs 20: some 95000 vectors of 100 dimensions).
# (b) trains 20 epochs, not ig-train-w2v's 5: the world gives an item 19
# engagements on average, and 5 passes over so little leave every vector
# on one shared direction (median cosine of two random items 0.9993, 99.9%
# of the sum of squares in one component, a query's top 10 within 3.6e-5
# of each other); gensim's Word2Vec on the same sessions and options does
# the same (0.9975). After 20 epochs the median random cosine is 0.63 and
# the top-10 spread 4e-3: the neighbours are the items' own, not rounding.
# Queries are rows held out of the index; the truth is the exact top 10 by
# cosine (numpy, rescored in float64). Two recalls@10: by id (the share of
# the true top 10 returned) and tolerant (the share of returned items whose
# exact cosine is at least the 10th exact cosine less 1e-6, so that items
# tied with the 10th to rounding count). For 1 and 2 threads, each
# library's build time, the memory the build takes (peak resident memory
# less the memory before it, i.e. the vectors) and the whole process's
# peak, and the queries per second at recall@10 = 0.95 and 0.99 (by id and
# tolerant): ef is swept and log(QPS) interpolated in recall between the
# two ef around the target. QPS and build time are measured in CPU seconds
# of the process (all threads): on a shared machine the wall clock mostly
# measures the neighbours. Ratios are to hnswlib in the same run.
# ig-portable is ig-retrieve with IG_KERNEL=portable (its SSE2 copy),
# against its AVX2 or AVX-512 copy. hnswlib and faiss: apt-get install
# python3-hnswlib python3-faiss; they run under /usr/bin/python3.
# Usage: bench/ann.sh [a|b|ab]   (N=200000 vectors for (a), NQ=2000 queries,
#   USERS=100000 ITEMS=100000 DAYS=1 EPOCHS=20 for (b) or ITEM_VECTORS=FILE
#   (word2vec binary) made before, THREADS="1 2", M=16, EFC=200, EFS=the ef
#   swept, REPEAT=3 searches at each ef (the least CPU time counts),
#   KERNELS="native portable" ig-retrieve's kernel copies,
#   LIBS="hnswlib faiss" the libraries besides ig-retrieve;
#   KEEP=DIR keeps the files; BIN=DIR picks the binaries)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/bin}
[ "$BIN" != "$ROOT/bin" ] || make -s -C "$ROOT" "$BIN/ig-retrieve" "$BIN/ig-synth" "$BIN/ig-train-w2v"
WHICH=${1:-ab}
N=${N:-200000}
NQ=${NQ:-2000}
USERS=${USERS:-100000}
ITEMS=${ITEMS:-100000}
DAYS=${DAYS:-1}
EPOCHS=${EPOCHS:-20}
KERNELS=${KERNELS:-native portable}
THREADS=${THREADS:-1 2}
M=${M:-16}
EFC=${EFC:-200}
LIBS=${LIBS:-hnswlib faiss}
EFS=${EFS:-10,16,24,32,48,64,96,128,256}
REPEAT=${REPEAT:-3}
PY=/usr/bin/python3
# faiss's OpenMP threads would otherwise spin, and count as CPU time.
export OMP_WAIT_POLICY=PASSIVE
REF=$ROOT/bench/ann_ref.py
work=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/annbench.XXXXXX")}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

# ours THREADS KERNEL: ig-retrieve's build and ef sweep, with its kernel
# copy for this CPU ("native") or IG_KERNEL=portable (named ig-portable).
ours() {
	if [ "$2" = portable ]; then
		lib=ig-portable kern=portable
	else
		lib=ig-retrieve kern=${IG_KERNEL:-}
	fi
	IG_KERNEL=$kern "$BIN/ig-retrieve" index -v -@ "$1" -M "$M" --ef-construction "$EFC" base.bin base.hnsw \
		2>index.log
	sed -n 's/.*: build \([0-9.]*\) s, \([0-9.]*\) s CPU .* \([0-9.]*\) MB resident before, \([0-9.]*\) MB peak$/\1 \2 \3 \4/p' \
		index.log | awk -v l=$lib -v t="$1" '{ printf "build %s %s %s %s %.1f %s\n", l, t, $1, $2, $4 - $3, $4 }' \
		>>results
	for ef in $(echo "$EFS" | tr , ' '); do
		: >search.all
		for r in $(seq "$REPEAT"); do
			IG_KERNEL=$kern "$BIN/ig-retrieve" search -v -@ "$1" -x base.hnsw --ef "$ef" -k 10 -u \
				-o found.tsv base.bin queries.bin 2>search.log
			sed -n 's/.*: search [0-9.]* s, \([0-9.]*\) s CPU, \([0-9]*\) queries\/s .*/\1 \2/p' search.log \
				>>search.all
		done
		# The least CPU time of the repeats (the others lost some to the
		# neighbours' cache traffic), with its wall-clock rate.
		set -- "$1" "$2" $(sort -n search.all | head -n 1)
		cpu=$3 qps=$4
		set -- "$1" "$2"
		rec=$($PY "$REF" recall truth.npy queries.bin found.tsv 10 base.bin)
		echo "point $lib $1 $ef ${rec% *} $qps $(echo "$NQ * $1 / $cpu" | bc) ${rec#* }" >>results
	done
}

# bench NAME ALL.bin: splits, computes the truth, runs the libraries.
bench() {
	name=$1 all=$2
	# With KEEP, a second run reuses the split and the truth (seeded).
	if [ ! -s "truth-$name.kth.npy" ]; then
		$PY "$REF" split "$all" "$NQ" 7 base.bin queries.bin
		$PY "$REF" truth base.bin queries.bin 10 "truth-$name.npy"
	fi
	cp "truth-$name.npy" truth.npy
	cp "truth-$name.kth.npy" truth.kth.npy
	echo "== ($name) $(head -c 40 base.bin | head -n 1 | cut -d' ' -f1) vectors of" \
		"$(head -n 1 base.bin | cut -d' ' -f2) dims, $NQ queries, M $M, ef_construction $EFC;" \
		"$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	: >results
	for t in $THREADS; do
		for kernel in $KERNELS; do
			ours $t $kernel
		done
		for lib in $LIBS; do
			$PY "$REF" run "$lib" base.bin queries.bin truth.npy 10 "$M" "$EFC" "$t" "$EFS" "$REPEAT" >lib.out
			awk -v l="$lib" -v t="$t" -v nq="$NQ" \
				'NR == 1 { printf "build %s %s %s %s %.1f %s\n", l, t, $2, $3, $5 - $4, $5; next }
				{ printf "point %s %s %s %s %s %.0f %s\n", l, t, $1, $2, $3, nq * t / $4, $5 }' lib.out >>results
		done
	done
	$PY "$REF" table results
	cp results "results-$name"
}

case $WHICH in *a*)
	$PY "$REF" gen $((N + NQ)) 64 1000 1 clustered.bin
	bench a clustered.bin ;;
esac
case $WHICH in *b*)
	if [ -n "${ITEM_VECTORS:-}" ]; then
		cp "$ITEM_VECTORS" items.bin
	else
		"$BIN/ig-synth" -q -@ 2 --users "$USERS" --items "$ITEMS" --days "$DAYS" --seed 1 --stream events \
			-o events.tsv.gz
		"$BIN/ig-train-w2v" -q -@ 2 --entity item --min-count 2 --epochs "$EPOCHS" --binary -u -o items.bin \
			events.tsv.gz
	fi
	bench b items.bin ;;
esac

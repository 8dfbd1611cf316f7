#!/bin/sh
# ig-train-w2v against fastText and gensim on the same corpus, the same
# hyper-parameters (skip-gram, dim 100, window 5, negative 5, sample 1e-3,
# 5 epochs, min-count 5; each tool's own learning rate) and the same
# threads. Prints wall-clock seconds, words/s (corpus words x epochs /
# seconds, start to finish: reading, training, writing the vectors) and the
# analogy accuracy (questions-words.txt, the 30,000 most frequent words,
# 3CosAdd: gensim's evaluate_word_analogies applied to every tool's file).
# The accuracy of one run varies by about +-0.5 point with the seed:
# SEEDS="1 2 3" trains each tool once more per extra seed (untimed) and
# reports the mean and range.
# Usage: bench/w2v.sh [BINDIR]   (THREADS=2, SEEDS=1; KEEP=DIR keeps files)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/bin}
DATA=$ROOT/../shared/data
THREADS=${THREADS:-2}
SEEDS=${SEEDS:-1}
PY=/usr/bin/python3
work=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/w2vbench.XXXXXX")}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

# The corpus, lowercased for every tool (the analogy check is case-blind).
zcat "$DATA/text-corpora/brown.txt.gz" "$DATA/text-corpora/movie_reviews_polarity_v2.txt.gz" |
	tr 'A-Z' 'a-z' >corpus.txt
words=$(wc -w <corpus.txt)
echo "corpus: $words words, $(wc -l <corpus.txt) lines; $THREADS threads; $(nproc) CPUs;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"

now() { date +%s.%N; }
: >times
: >files

# run NAME SEED OUTFILE COMMAND...: times the command (first seed only).
run() {
	name=$1 seed=$2 out=$3
	shift 3
	t0=$(now)
	"$@" >/dev/null 2>"$name.log" || { cat "$name.log" >&2; exit 1; }
	t1=$(now)
	echo "$name $out" >>files
	[ "$seed" != "$first" ] || echo "$name $(echo "$t1 - $t0" | bc)" >>times
}
# gensim reports its own time, from model construction to the saved file
# (the interpreter and the gensim import are left out, in its favour).
run_gensim() {
	name=$1 seed=$2 mode=$3 out=$4
	s=$($PY "$ROOT/bench/w2v_ref.py" gensim "$mode" corpus.txt "$out" "$THREADS" "$seed" 2>/dev/null)
	echo "$name $out" >>files
	[ "$seed" != "$first" ] || echo "$name $s" >>times
}

first=${SEEDS%% *}
for seed in $SEEDS; do
	run ig-train-w2v "$seed" ours-$seed.bin "$BIN/ig-train-w2v" --text -@ "$THREADS" --seed "$seed" -q -u \
		--binary -o ours-$seed.bin corpus.txt
	run ig-train-w2v-text "$seed" ours-$seed.vec "$BIN/ig-train-w2v" --text -@ "$THREADS" --seed "$seed" \
		-q -u -o ours-$seed.vec corpus.txt
	run fasttext "$seed" ft-$seed.vec fasttext skipgram -input corpus.txt -output ft-$seed -dim 100 -ws 5 \
		-neg 5 -t 1e-3 -epoch 5 -minCount 5 -thread "$THREADS" -minn 0 -maxn 0 -seed "$seed" -verbose 0
	run_gensim gensim-corpus_file "$seed" corpus_file gensim-cf-$seed.bin
	run_gensim gensim-iterable "$seed" iterable gensim-it-$seed.bin
done

$PY "$ROOT/bench/w2v_ref.py" eval "$DATA/word2vec-eval/questions-words.txt" \
	$(awk '{ print $2 }' files) 2>/dev/null >acc

ours=$(awk '$1 == "ig-train-w2v" { print $2 }' times)
printf '%-20s %8s %10s %8s %6s %8s %s\n' tool seconds words/s "x/ours" vocab analogy "(range over seeds)"
while read -r name secs; do
	awk -v n="$name" -v s="$secs" -v w="$words" -v o="$ours" '
		FILENAME == "files" { if ($1 == n) mine[$2] = 1; next }
		($1 in mine) { v = $2; sum += $3; k++; if (k == 1 || $3 < lo) lo = $3; if (k == 1 || $3 > hi) hi = $3 }
		END { printf "%-20s %8.2f %10.0f %7.2fx %6d %7.2f%%", n, s, w * 5 / s, s / o, v, sum / k * 100
		      if (k > 1) printf "  (%.2f-%.2f, %d seeds)", lo * 100, hi * 100, k
		      printf "\n" }' files acc
done <times
gcf=$(awk '$1 == "gensim-corpus_file" { print $2 }' times)
awk -v g="$gcf" -v o="$ours" -v w="$words" 'BEGIN {
	printf "word2vec.c is not packaged here; taking it as gensim corpus_file / 1.6 (the issue'"'"'s measure):\n"
	printf "  %.0f words/s, and ig-train-w2v %.1fx that\n", w * 5 / (g * 1.6), (w * 5 / o) / (w * 5 / (g * 1.6)) }'

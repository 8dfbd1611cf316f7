#!/bin/sh
# item2vec on MovieLens 100K: the events stream is made with awk (rating
# >= 4 like, <= 2 see_less, else view; sorted by user bytewise, then ts),
# ig-train-w2v learns from each user's likes (whole history, cut every 50
# films), and the nearest neighbours of a few well-known films are printed
# with their titles.
# Usage: bench/w2v_movielens.sh [BINDIR] [ITEM,ITEM...]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/bin}
ITEMS=${2:-50,181,1,100,56,127,98}
ML=$ROOT/../shared/data/movielens-100k
work=$(mktemp -d "${TMPDIR:-/tmp}/w2vml.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
tab=$(printf '\t')
zcat "$ML/u.data.gz" |
	awk -F'\t' -v OFS='\t' '{ print $4, $1, $2, ($3 >= 4 ? "like" : $3 <= 2 ? "see_less" : "view"), $3 }' |
	LC_ALL=C sort -t "$tab" -k2,2 -k1,1n -k3,3 |
	{ printf '#ig:events/1\tts\tuser\titem\tevent\tvalue\n'; cat; } | gzip >ml.events.gz
"$BIN/ig-train-w2v" --item2vec --session-gap 0 --max-len 50 --weights view=0 \
	--dim 32 --epochs 20 -@ 1 -u -o ml.vec ml.events.gz
"$BIN/ig-train-w2v" -q -u --load ml.vec --nearest "$ITEMS" -k 5 >nn.tsv
iconv -f latin1 -t utf-8 "$ML/u.item" >titles
awk -F'|' 'NR == FNR { t[$1] = $2; next }
	FNR > 1 && !/^##/ { split($0, f, "\t")
		if (f[1] != last) { print ""; print t[f[1]] ":"; last = f[1] }
		printf "  %.3f  %s\n", f[3], t[f[2]] }' titles nn.tsv

#!/bin/sh
# Linear anchors (EASE, RP3beta, popularity: bench/linear_ref.py) on the
# validation cut of an events-only data set, scored by ig-eval metrics
# exactly as the funnel's feed: seen items excluded, NDCG@20 and recall@20.
#
# usage: sh bench/linear_ref.sh TRAIN POSITIVES [SHUFFLE] [MODELS]
#   TRAIN      the train part of the README recipe (ig-eval split --holdout 20%)
#   POSITIVES  the recipe's --positives (view,like,see_less; view)
#   SHUFFLE    --shuffle-ties for data without time (Last.fm), or '-'
#   MODELS     space-separated models of linear_ref.py [a small grid]
# The validation cut is ig-funnel tune's: each user's last 20% of TRAIN
# (ig-eval split --holdout 20% --seed 1), in a temporary directory (TMPDIR).
# Prints: model  ndcg@20  recall@20  seconds.  With FUNNEL=1 the default
# funnel (ig-funnel -@ 1) is run on the same cut and scored alike.
set -eu
[ $# -ge 2 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
train=$1 pos=$2 ties=${3:--}
[ "$ties" = - ] && ties=
models=${4:-"pop ease:50 ease:200 ease:500 ease:1000 ease:2000 rp3:1:0.3:100 rp3:1:0.5:100 rp3:1:0.7:100 rp3:0.7:0.5:100"}
here=$(cd "$(dirname "$0")" && pwd)
PATH=$here/../bin:$PATH
w=$(mktemp -d "${TMPDIR:-/tmp}/linear_ref.XXXXXX")
trap 'rm -rf "$w"' EXIT
ig-eval split $ties --seed 1 --holdout 20% --positives "$pos" -o "$w/v" "$train" 2>/dev/null
score() {
	ig-eval metrics -u -q --tsv --bootstrap 0 -k 20 --positives "$pos" -t "$w/v.test.tsv.gz" \
		--train "$w/v.train.tsv.gz" "$1" |
		awk -F'\t' '$1 == "ndcg" { n = $3 } $1 == "recall" { r = $3 } END { printf "%.4f\t%.4f", n, r }'
}
for m in $models; do
	t0=$(date +%s)
	/usr/bin/python3 "$here/linear_ref.py" --positives "$pos" "$m" "$w/l.tsv" \
		"$w/v.train.tsv.gz" "$w/v.test.tsv.gz" 2>/dev/null
	printf '%s\t%s\t%d\n' "$m" "$(score "$w/l.tsv")" $(($(date +%s) - t0))
done
if [ "${FUNNEL:-0}" = 1 ]; then
	t0=$(date +%s)
	ig-funnel -@ 1 --positives "$pos" "$w/v.train.tsv.gz" "$w/v.test.tsv.gz" "$w/f" 2>/dev/null
	printf 'funnel\t%s\t%d\n' "$(score "$w/f/feed.tsv.gz")" $(($(date +%s) - t0))
fi

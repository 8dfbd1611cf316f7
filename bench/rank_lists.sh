#!/bin/sh
# List quality of retrieve -> rank on a dataset without impressions, with
# the protocol of ig-rank(1): every rating or play is an interaction, the
# last 20% of each user's events are the test, the last 20% of the rest the
# validation window that the examples are labelled from; train items are
# excluded. Prints NDCG@20 and recall@20 of the candidates alone (itemknn),
# of the first stage and of the second stage, measured in the same run.
#
#   sh bench/rank_lists.sh EVENTS [POSITIVES] [WORKDIR]
# e.g. EVENTS from ig-ingest -p ml-100k; POSITIVES like,view,see_less.
set -eu
events=$1
P=${2:-like,view,see_less}
dir=${3:-$(mktemp -d "${TMPDIR:-/tmp}/rank_lists.XXXXXX")}
T=${THREADS:-2}
N=${CANDIDATES:-200}
bin=${IG_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
PATH=$bin:$PATH
W=$(echo "$P" | sed 's/,/=1,/g; s/$/=1/')
HEADS=${HEADS:-any,$P}
VALUE=${VALUE:-any=1}
mkdir -p "$dir"
cd "$dir"
ig-eval split -q --holdout 20% --valid 20% --positives "$P" -o d "$events"
# one set of inputs per window: fit (for the examples) and train (for the test)
for part in fit train; do
	ig-eval baseline itemknn -q --positives "$P" --train d.$part.tsv.gz \
		--users d.$([ $part = fit ] && echo valid || echo test).tsv.gz -n "$N" -o $part.cand.tsv.gz
	ig-cooccur -q -@ "$T" -k 50 --weights "$W" -o $part.nb.tsv.gz d.$part.tsv.gz
	ig-train-w2v -q -@ "$T" --weights "$W" --item2vec --min-count 2 --dim 64 --epochs 10 \
		-o $part.vec.gz d.$part.tsv.gz
done
ig-rank features -q --history d.fit.tsv.gz --labels d.valid.tsv.gz --positives "$P" \
	--neighbors fit.nb.tsv.gz --vectors fit.vec.gz --heads "$HEADS" -o ex.tsv.gz fit.cand.tsv.gz
ig-rank train -q -@ "$T" --stage first -o first.model ex.tsv.gz
ig-rank train -q -@ "$T" -o second.model ex.tsv.gz
metrics() {
	ig-eval metrics -q --positives "$P" -t d.test.tsv.gz --train d.train.tsv.gz --tsv -u -k 20 \
		--bootstrap 0 "$1" | awk -v name="$2" '$1 == "ndcg" { n = $3 } $1 == "recall" { r = $3 }
		END { printf "%-28s NDCG@20 %.4f  recall@20 %.4f\n", name, n, r }'
}
score() {
	ig-rank score -q -@ "$T" -m "$1" --history d.train.tsv.gz --neighbors train.nb.tsv.gz \
		--vectors train.vec.gz --value "$VALUE" --keep 20 -o "$2" train.cand.tsv.gz
}
metrics train.cand.tsv.gz "itemknn (the candidates)"
score first.model first.tsv.gz
metrics first.tsv.gz "itemknn -> first stage"
score second.model second.tsv.gz
metrics second.tsv.gz "itemknn -> second stage"

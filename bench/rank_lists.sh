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
#
# VALUE=search picks the value model's weights on the validation window:
# models trained one window earlier (the last 20% of the fit part labelled
# by the rest) score the validation users' candidates, and
# bench/rank_value_search.sh searches the weights for recall@20 against
# the validation events; the test is scored with the best. VALUE=SPEC
# gives the weights outright [any=1]. With VALUE=search the first stage
# is searched the same way, and the stage with the better validation
# recall@20 is reported as the picked one (the test is scored once).
# ITEMS=FILE (an items stream, absolute path) adds the item features
# (age, genres as topics; bench/ml100k_items.sh makes one for ML-100K).
# THREADS=N [2]; with THREADS=1 the run is deterministic, and SEED=S [1]
# (the item vectors' and the models' seed) gives another run.
# SPLIT=OPTIONS are added to the split (--shuffle-ties for data without
# time, such as Last.fm's plays).
set -eu
events=$1
P=${2:-like,view,see_less}
dir=${3:-$(mktemp -d "${TMPDIR:-/tmp}/rank_lists.XXXXXX")}
T=${THREADS:-2}
SEED=${SEED:-1}
N=${CANDIDATES:-200}
bin=${IG_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
PATH=$bin:$PATH
W=$(echo "$P" | sed 's/,/=1,/g; s/$/=1/')
HEADS=${HEADS:-any,$P}
VALUE=${VALUE:-any=1}
ITEMS_OPT=${ITEMS:+--items $ITEMS}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
cd "$dir"
ig-eval split -q --holdout 20% --valid 20% --positives "$P" ${SPLIT:-} -o d "$events"
# inputs of a window: candidates of the users of LABELS, neighbours and
# vectors, from the events of HISTORY
window() { # NAME HISTORY LABELS
	ig-eval baseline itemknn -q --positives "$P" --train "$2" --users "$3" -n "$N" -o $1.cand.tsv.gz
	ig-cooccur -q -@ "$T" -k 50 --weights "$W" -o $1.nb.tsv.gz "$2"
	ig-train-w2v -q -@ "$T" --seed "$SEED" --weights "$W" --item2vec --min-count 2 --dim 64 --epochs 10 \
		-o $1.vec.gz "$2"
}
examples() { # NAME HISTORY LABELS
	ig-rank features -q --history "$2" --labels "$3" --positives "$P" \
		--neighbors $1.nb.tsv.gz --vectors $1.vec.gz $ITEMS_OPT --heads "$HEADS" -o $1.ex.tsv.gz $1.cand.tsv.gz
}
# fit (for the examples) and train (for the test)
window fit d.fit.tsv.gz d.valid.tsv.gz
window train d.train.tsv.gz d.test.tsv.gz
examples fit d.fit.tsv.gz d.valid.tsv.gz
mv fit.ex.tsv.gz ex.tsv.gz
ig-rank train -q -@ "$T" --seed "$SEED" --stage first -o first.model ex.tsv.gz
ig-rank train -q -@ "$T" --seed "$SEED" -o second.model ex.tsv.gz
VALUE1=$VALUE
picked=second
if [ "$VALUE" = search ]; then
	ig-eval split -q --holdout 20% --positives "$P" -o e d.fit.tsv.gz
	window early e.train.tsv.gz e.test.tsv.gz
	examples early e.train.tsv.gz e.test.tsv.gz
	# search STAGE: "SPEC RECALL" of the early STAGE model's best value
	# model on the validation window
	search() {
		ig-rank train -q -@ "$T" --seed "$SEED" --stage $1 -o early.$1.model early.ex.tsv.gz
		ig-rank score -q -@ "$T" -m early.$1.model --history d.fit.tsv.gz --neighbors fit.nb.tsv.gz \
			--vectors fit.vec.gz $ITEMS_OPT --keep 0 -o valid.$1.tsv.gz fit.cand.tsv.gz
		IG_BIN=$bin sh "$root/bench/rank_value_search.sh" valid.$1.tsv.gz d.valid.tsv.gz \
			d.fit.tsv.gz "$P" recall 20 any=1 | awk '$1 == "best" { sub(/^recall@20=/, "", $3); print $2, $3 }'
	}
	set -- $(search second)
	VALUE=$1 v2=$2
	set -- $(search first)
	VALUE1=$1 v1=$2
	echo "value models picked on the validation window: second stage $VALUE (recall@20 $v2), first stage $VALUE1 ($v1)"
	picked=$(echo "$v1 $v2" | awk '{ print ($1 > $2 ? "first" : "second") }')
fi
metrics() {
	ig-eval metrics -q --positives "$P" -t d.test.tsv.gz --train d.train.tsv.gz --tsv -u -k 20 \
		--bootstrap 0 "$1" | awk -v name="$2" '$1 == "ndcg" { n = $3 } $1 == "recall" { r = $3 }
		END { printf "%-28s NDCG@20 %.4f  recall@20 %.4f\n", name, n, r }'
}
score() { # MODEL OUTPUT VALUE
	ig-rank score -q -@ "$T" -m "$1" --history d.train.tsv.gz --neighbors train.nb.tsv.gz \
		--vectors train.vec.gz $ITEMS_OPT --value "$3" --keep 20 -o "$2" train.cand.tsv.gz
}
metrics train.cand.tsv.gz "itemknn (the candidates)"
score first.model first.tsv.gz "$VALUE1"
metrics first.tsv.gz "itemknn -> first stage"
score second.model second.tsv.gz "$VALUE"
metrics second.tsv.gz "itemknn -> second stage"
metrics $picked.tsv.gz "itemknn -> picked on validation: $picked"

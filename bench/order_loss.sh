#!/bin/sh
# Where the ranking order loses shares: the first stage's 150 rows per
# user, ordered by the second stage, by XGBoost on the second stage's own
# training impressions (binary labels, then the truth's expected shares
# as labels) and by XGBoost fitted to the rows' true shares (the most the
# features can tell); each as the true shares of its top 25 over the best
# 25 of the rows (bench/order_loss.py says what each line measures).
#
#   sh bench/closed_loop.sh SEED && sh bench/order_loss.sh [SEED]   (default 2)
# Reads bench/closed_loop.sh's folder (OUT=DIR, [bench/out/closed_loop.SEED]);
# BIN=DIR picks the binaries. Needs /usr/bin/python3 with numpy and xgboost.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seed=${1:-2}
. "$root/bench/closed_loop_run.sh"
ctx="--history world/events.tsv.gz --items world/items.tsv.gz --follows world/follows.tsv.gz
	--topics world/topics.tsv.gz --neighbors $w/all.nbrs.tsv.gz --vectors $w/all.vec.gz
	--positives view,like,comment,share,save,follow"
# The 150 rows with the second stage's heads and value, as ig-funnel scores them.
# shellcheck disable=SC2086
ig-rank score -@ 2 -q -m funnel/second.model $ctx --value like=1,comment=1,share=1,save=1 \
	-o order.ranked150.tsv.gz funnel/ranked1.tsv.gz
# Their features, as serving computes them (no labels: an empty label stream).
zcat world/events.tsv.gz | head -n 1 >order.nolabels.tsv
# shellcheck disable=SC2086
ig-rank features -@ 2 -q $ctx --labels order.nolabels.tsv --heads like -o order.features150.tsv.gz \
	funnel/ranked1.tsv.gz
ratio=$(awk -F'\t' '$1 == "best-of-ranked1" { print $3 }' summary.tsv)
/usr/bin/python3 "$root/bench/order_loss.py" . order.ranked150.tsv.gz order.features150.tsv.gz "$ratio" |
	column -t -s "$(printf '\t')"

#!/bin/sh
# What the true share probability of the first stage's 150 rows is made
# of, and how well ig-rank's features know each part
# (bench/order_components.py says what each column measures).
#
#   sh bench/closed_loop.sh SEED && sh bench/order_components.sh [SEED]   (default 2)
# Reads bench/closed_loop.sh's folder (OUT=DIR, [bench/out/closed_loop.SEED]);
# BIN=DIR picks the binaries. Needs /usr/bin/python3 with numpy.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seed=${1:-2}
. "$root/bench/closed_loop_run.sh"
# The 150 rows' features as serving computes them (no labels: an empty
# label stream), as bench/order_loss.sh.
zcat world/events.tsv.gz | head -n 1 >order.nolabels.tsv
# shellcheck disable=SC2086
ig-rank features -@ 2 -q --history world/events.tsv.gz --items world/items.tsv.gz \
	--follows world/follows.tsv.gz --topics world/topics.tsv.gz --neighbors $w/all.nbrs.tsv.gz \
	--vectors $w/all.vec.gz --positives view,like,comment,share,save,follow \
	--labels order.nolabels.tsv --heads like -o order.features150.tsv.gz funnel/ranked1.tsv.gz
/usr/bin/python3 "$root/bench/order_components.py" . order.features150.tsv.gz | column -t -s "$(printf '\t')"

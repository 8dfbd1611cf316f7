#!/bin/sh
# A quick A/B of the second stage's training options on the same rows:
# ig-funnel's ranking examples of a bench/closed_loop.sh run (made again
# by the ig-rank on PATH, as ig-funnel makes them, so that a change of
# the features is measured too) train the second stage with OPTIONS
# (ig-rank train) and each training seed of SEEDS; each model re-orders
# the same first stage's 150 rows, its top 50 is diversified as
# ig-funnel does, and the feed is responded to. Printed per seed: the
# true shares of the model's top 25 of the 150 over the best 25 of them,
# and the feed's shares per impression over the oracle's (ig-synth
# respond --table). The first stage and its rows stay the run's, so a
# few seeds say in minutes what a whole closed loop says in many.
#
#   sh bench/closed_loop.sh SEED && sh bench/second_stage_ab.sh SEED NAME "OPTIONS" ["SEEDS"]
# (SEEDS defaults to "1 2 3"; NAME names the files in the run's folder
# ab/, which a second call with the same NAME writes again; the examples
# are made once per NAME). OUT=DIR is closed_loop.sh's folder
# [bench/out/closed_loop.SEED]; BIN=DIR picks the binaries; EXAMPLES=NAME
# uses the examples an earlier call made under that name. The world is
# closed_loop.sh's default of 1000 users and 3000 items.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seed=${1:?usage: second_stage_ab.sh SEED NAME OPTIONS [SEEDS]}
name=${2:?usage: second_stage_ab.sh SEED NAME OPTIONS [SEEDS]}
topts=${3-}
seeds=${4:-1 2 3}
. "$root/bench/closed_loop_run.sh"
W="--users 1000 --items 3000 --days 7 --seed $seed"
side="--items world/items.tsv.gz --follows world/follows.tsv.gz --topics world/topics.tsv.gz"
pos="--positives view,like,comment,share,save,follow"
mkdir -p ab
ex=ab/${EXAMPLES:-$name}.examples.tsv.gz
if [ ! -e "$ex" ]; then
	# shellcheck disable=SC2086
	ig-rank features -q --fresh-sessions --history $w/fit.train.tsv.gz --impressions $w/fit.test.tsv.gz \
		--heads any,view,like,comment,share,save,follow,see_less,hide $side \
		--neighbors $w/fit.nbrs.tsv.gz --vectors $w/fit.vec.gz $pos -o "$ex"
fi
printf 'name\ttraining seed\ttop 25 of the 150 / their best 25\tfeed share/oracle\n'
for s in $seeds; do
	n=$name.$s
	# shellcheck disable=SC2086
	ig-rank train -q --seed "$s" $topts -o "ab/$n.model" "$ex"
	printf '%s\t%s\t%s\n' "$name" "$s" "$(judge "ab/$n.model" "ab/$n")"
done

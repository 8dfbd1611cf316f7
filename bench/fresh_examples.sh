#!/bin/sh
# Fresh ranking examples: does the second stage order its rows better when
# each impression of the examples' window gets features from the history
# up to its own session (as the feed gets them at serving), instead of
# from the history before the window (ig-funnel's examples before commit
# a4e7e2d, whose session and fatigue features are up to the window's
# length stale)? The window is
# split by session (bench/fresh_examples.py), each session's impressions
# featurised with its own history, and the second stage trained on them
# and on stale examples (the history before the window for every
# impression, ig-funnel's before commit a4e7e2d's) with training seeds
# SEEDS; "user" is the same split built into ig-rank features
# (--fresh-sessions, ig-funnel's examples since), the window's events
# added to the user's side only; "funnel" ig-funnel's own examples. Each model
# re-orders the same first stage's 150 rows of bench/closed_loop.sh's run;
# printed: the true shares of its top 25 over the best 25 of the 150, and
# the shares per impression of the diversified feed of its top 50 over the
# oracle's (ig-synth respond --table).
#
#   sh bench/closed_loop.sh SEED && sh bench/fresh_examples.sh [SEED] [SEEDS]
# (defaults 2, "1 2 3"; the world of 1000 users and 3000 items as
# closed_loop.sh's default). OUT=DIR is closed_loop.sh's folder
# [bench/out/closed_loop.SEED]; BIN=DIR picks the binaries; K the last
# session featurised on its own [8]; EXAMPLES the example sets compared
# ["stale fresh user"]. Needs /usr/bin/python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seed=${1:-2}
seeds=${2:-1 2 3}
. "$root/bench/closed_loop_run.sh"
W="--users 1000 --items 3000 --days 7 --seed $seed"
k=${K:-8}
side="--items world/items.tsv.gz --follows world/follows.tsv.gz --topics world/topics.tsv.gz"
pos="--positives view,like,comment,share,save,follow"
mkdir -p fresh
counts=$(/usr/bin/python3 "$root/bench/fresh_examples.py" $w/fit.train.tsv.gz $w/fit.test.tsv.gz fresh "$k")
echo "impressions of sessions 0..$k of the window (0: the session the split cut): $counts"
i=0
while [ $i -le "$k" ]; do
	# shellcheck disable=SC2086
	ig-rank features -q --history fresh/hist_$i.tsv.gz --impressions fresh/imp_$i.tsv.gz \
		--heads any,view,like,comment,share,save,follow,see_less,hide $side \
		--neighbors $w/fit.nbrs.tsv.gz --vectors $w/fit.vec.gz $pos -o fresh/ex_$i.tsv.gz
	i=$((i + 1))
done
{
	zcat fresh/ex_0.tsv.gz
	i=1
	while [ $i -le "$k" ]; do
		zcat fresh/ex_$i.tsv.gz | grep -v '^#'
		i=$((i + 1))
	done
} | gzip -1 >fresh/examples.tsv.gz
# The same built in: ig-rank features --fresh-sessions adds the window's
# earlier sessions to each user's side alone (the item tables stay on the
# history before the window), session by session without a cap; and
# stale, without it: every impression with the history before the window.
for ex in user stale; do
	opt=--fresh-sessions
	[ $ex = stale ] && opt=
	# shellcheck disable=SC2086
	ig-rank features -q $opt --history $w/fit.train.tsv.gz --impressions $w/fit.test.tsv.gz \
		--heads any,view,like,comment,share,save,follow,see_less,hide $side \
		--neighbors $w/fit.nbrs.tsv.gz --vectors $w/fit.vec.gz $pos -o fresh/$ex.tsv.gz
done

printf 'training seed\texamples\trows\ttop 25 of the 150 / their best 25\tfeed share/oracle\n'
for s in $seeds; do
	for ex in ${EXAMPLES:-stale fresh user}; do
		case $ex in
		funnel) f=$w/examples.tsv.gz ;;
		fresh) f=fresh/examples.tsv.gz ;;
		*) f=fresh/$ex.tsv.gz ;;
		esac
		ig-rank train -q --seed "$s" -o "fresh/$ex.$s.model" "$f"
		printf '%s\t%s\t%s\t%s\n' "$s" "$ex" "$(zcat "$f" | grep -vc '^#')" "$(judge "fresh/$ex.$s.model" "fresh/$ex.$s")"
	done
done

#!/bin/sh
# Two builds' feeds on one validation cut, paired: the events of INPUT
# ingested with INGEST_OPTS, split as the README does (each user's last
# 20% the test part), then each user's last 20% of the train part held out
# as the validation events (as ig-funnel tune cuts them); ig-funnel -@ 1
# runs with the binaries of A and of B on the rest, for those users, and
# ig-eval compare gives NDCG@20 and recall@20 of A - B with their paired
# intervals. Nothing of the test part is read.
#
#   A=DIR B=DIR sh bench/funnel_ab.sh NAME 'INGEST_OPTS' INPUT POSITIVES ['SPLIT_OPTS'] ['FUNNEL_OPTS']
#   e.g. A=bin B=old/bin sh bench/funnel_ab.sh ml100k '-p ml-100k' u.data.gz view,like,see_less
#        ... lastfm '-p lastfm-artists' user_artists.dat.gz view --shuffle-ties
# OUT=DIR the work folder [bench/out/funnel_ab.NAME].
set -eu
[ $# -ge 4 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
name=$1 ingest=$2 input=$3 pos=$4 split=${5:-} funnel=${6:-}
a=$(cd "${A:?A=DIR of the binaries}" && pwd) b=$(cd "${B:?B=DIR of the other binaries}" && pwd)
case $input in /*) ;; *) input=$PWD/$input ;; esac
out=${OUT:-$root/bench/out/funnel_ab.$name}
mkdir -p "$out"
cd "$out"
# shellcheck disable=SC2086
PATH=$a:$PATH ig-ingest -q $ingest -o events.tsv.gz "$input"
# shellcheck disable=SC2086
PATH=$a:$PATH ig-eval split -q $split --holdout 20% --positives "$pos" -o data events.tsv.gz
# shellcheck disable=SC2086
PATH=$a:$PATH ig-eval split -q $split --seed 1 --holdout 20% --positives "$pos" -o valid data.train.tsv.gz
for v in a b; do
	eval "bin=\$$v"
	# shellcheck disable=SC2086
	PATH=$bin:$PATH nice -n 5 ig-funnel -@ 1 $funnel --positives "$pos" valid.train.tsv.gz valid.test.tsv.gz "$v" 2>"$v.log" ||
		{ cat "$v.log" >&2; exit 1; }
done
PATH=$a:$PATH ig-eval compare -u -t valid.test.tsv.gz --train valid.train.tsv.gz --positives "$pos" -k 20 \
	a/feed.tsv.gz b/feed.tsv.gz 2>/dev/null | awk -F'\t' '/^#ig:/ || $1 == "ndcg" || $1 == "recall"' | column -t

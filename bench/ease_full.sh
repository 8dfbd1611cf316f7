#!/bin/sh
# Full EASE (bench/ease_full.py: every item scored, not ig-cooccur's
# neighbour lists) as the baseline a user might pick instead of the
# funnel: the events of INPUT ingested with INGEST_OPTS and split as the
# README does (each user's last 20% the test part); EASE's L2 weight
# chosen by NDCG@20 on a validation cut inside the train part (each
# user's last 20% of it, as ig-funnel tune cuts it), then EASE trained on
# the whole train part once with it and measured on the test part.
# With FEED=FILE (the recipe's feed on the same split) ig-eval compare
# gives the feed minus EASE, paired over users, with its interval.
#
#   sh bench/ease_full.sh NAME 'INGEST_OPTS' INPUT POSITIVES ['SPLIT_OPTS']
#   e.g. sh bench/ease_full.sh ml100k '-p ml-100k' u.data.gz view,like,see_less
#        sh bench/ease_full.sh lastfm '-p lastfm-artists' user_artists.dat.gz view --shuffle-ties
# OUT=DIR the work folder [bench/out/ease_full.NAME]; LAMBDAS the grid
# [10 30 100 300 1000 3000]; BIN the binaries [bin]; EASE_FORM the form
# of ease_full.py [auto]. Where the train part has fewer users than
# items (all four data sets of the README) EASE is computed in the dual,
# through a users x users inverse and X's nonzeros, never an items x
# items matrix: 11 s of CPU and 216 MB a weight for Last.fm's 1892 users
# and 15409 artists under the reference BLAS that python3-numpy pulls in.
# The primal (EASE_FORM=primal, or more users than items) inverts items x
# items: 7 s for ML-100K's 1612 items, about a minute for DIGINETICA's
# 5352, items^3 beyond.
set -eu
[ $# -ge 4 ] || { sed -n '2,24p' "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
name=$1 ingest=$2 input=$3 pos=$4 split=${5:-}
bin=$(cd "${BIN:-$root/bin}" && pwd)
py=/usr/bin/python3
case $input in /*) ;; *) input=$PWD/$input ;; esac
case ${FEED:-} in '' | /*) ;; *) FEED=$PWD/$FEED ;; esac
out=${OUT:-$root/bench/out/ease_full.$name}
mkdir -p "$out"
cd "$out"
PATH=$bin:$PATH
# shellcheck disable=SC2086
ig-ingest -q $ingest -o events.tsv.gz "$input"
# shellcheck disable=SC2086
ig-eval split -q $split --holdout 20% --positives "$pos" -o data events.tsv.gz
# shellcheck disable=SC2086
ig-eval split -q $split --seed 1 --holdout 20% --positives "$pos" -o valid data.train.tsv.gz
at20() { # LIST TRAIN TEST: NDCG@20 and recall@20, from one ig-eval run
	ig-eval metrics -q -u -t "$3" --train "$2" --positives "$pos" -k 20 "$1" |
		awk -F'\t' '$2 == 20 && $1 == "ndcg" { n = $3 } $2 == 20 && $1 == "recall" { r = $3 }
			END { print n, r }'
}
best= bestv=-1
for l in ${LAMBDAS:-10 30 100 300 1000 3000}; do
	$py "$root/bench/ease_full.py" "$l" "$pos" valid.train.tsv.gz valid.test.tsv.gz "valid.$l.tsv.gz"
	v=$(at20 "valid.$l.tsv.gz" valid.train.tsv.gz valid.test.tsv.gz | cut -d' ' -f1)
	printf '%s\tvalidation NDCG@20 with lambda %s: %s\n' "$name" "$l" "$v"
	if awk -v a="$v" -v b="$bestv" 'BEGIN { exit !(a > b) }'; then best=$l bestv=$v; fi
done
start=$(date +%s)
$py "$root/bench/ease_full.py" "$best" "$pos" data.train.tsv.gz data.test.tsv.gz ease.tsv.gz
secs=$(($(date +%s) - start))
set -- $(at20 ease.tsv.gz data.train.tsv.gz data.test.tsv.gz)
printf '%s\tEASE, lambda %s: test NDCG@20 %s, recall@20 %s (%s s)\n' "$name" "$best" "$1" "$2" "$secs"
[ -z "${FEED:-}" ] || ig-eval compare -u -t data.test.tsv.gz --train data.train.tsv.gz --positives "$pos" -k 20 \
	"$FEED" ease.tsv.gz 2>/dev/null | awk -F'\t' '/^#ig:/ || $1 == "ndcg" || $1 == "recall"' | column -t

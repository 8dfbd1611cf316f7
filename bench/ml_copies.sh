#!/bin/sh
# The README's MovieLens recipe on a larger data set of the same kind:
# ML-100K's 943 users copied COPIES times over (user u of copy k is
# u + 943 k; the same items, ratings and times), so that the cost of each
# stage can be read at COPIES x 100000 ratings. Past ig-funnel's
# --max-examples the ranking examples come from a user shard. Prints
# ig-funnel's stage table (items per user, real and CPU seconds, peak
# memory), the whole run's CPU and peak memory, and the feed's NDCG@20
# and recall@20 against the held-out 20%.
#
#   sh bench/ml_copies.sh [COPIES] [THREADS]     # 10 and 2
# Needs ../shared/data/movielens-100k; OUT=DIR the work folder
# [bench/out/ml_copies].
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
copies=${1:-10}
threads=${2:-2}
data=${DATA:-$root/../shared/data/movielens-100k/u.data.gz}
make -s -C "$root" all
PATH=$root/bin:$PATH
export PATH
out=${OUT:-$root/bench/out/ml_copies}
rm -rf "$out"
mkdir -p "$out"
cd "$out"
P=view,like,see_less
gzip -dc "$data" | awk -F'\t' -v k="$copies" -v OFS='\t' '
	{ for (c = 0; c < k; c++) { u = $1 + 943 * c; print u, $2, $3, $4 } }' | gzip -1 >u.data.gz
ig-ingest -q -p ml-100k -o ev.tsv.gz u.data.gz
ig-eval split -q --holdout 20% --positives $P -o ml ev.tsv.gz
/usr/bin/time -f 'whole run: %U s user, %S s system CPU, %M kB peak' \
	ig-funnel -@ "$threads" --positives $P ml.train.tsv.gz ml.test.tsv.gz funnel
ig-eval metrics -q -t ml.test.tsv.gz --train ml.train.tsv.gz --positives $P -k 20 --table \
	funnel/feed.tsv.gz | grep -E '^(ndcg|recall) '

#!/bin/sh
# Users per second of ig-retrieve's default mix on an ig-synth world, with
# peak memory (the summary line). SHARD=I/N serves one user shard (the
# pass over the events for popularity and clusters is still whole); a
# run of a tiny shard (0/100000) measures that fixed cost, so that the
# per-user rate excludes it. THREADS lists the thread counts [2 1].
#   sh bench/retrieve_speed.sh [USERS] [ITEMS] [DAYS]
#   WORK=/work/retrieve-data SHARD=0/20 THREADS=2 sh bench/retrieve_speed.sh
set -eu
users=${1:-1000000}
items=${2:-100000}
days=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/retrieve_speed.XXXXXX")}
PATH=$root/bin:$PATH
cd "$work"
t0=$(date +%s)
[ -f w/events.tsv.gz ] || ig-synth -@ 2 -l 1 --users "$users" --items "$items" --days "$days" --seed 5 \
	--streams events,items,topics,follows -o w
ev=w/events.tsv.gz
[ -f vec.hnsw ] || {
	ig-cooccur -@ 2 -l 1 -k 50 -o nbrs.tsv.gz $ev
	ig-cooccur -@ 2 -l 1 -k 20 --entity author --items w/items.tsv.gz -o anbrs.tsv.gz $ev
	ig-train-w2v -@ 2 --min-count 2 -o vec.gz $ev
	ig-retrieve index -@ 2 vec.gz vec.hnsw
}
echo "inputs ready in $(($(date +%s) - t0)) s"
in="--items w/items.tsv.gz --topics w/topics.tsv.gz --follows w/follows.tsv.gz --neighbors nbrs.tsv.gz
 --account-neighbors anbrs.tsv.gz --vectors vec.gz --index vec.hnsw"
summary() { # the numbers of ig-retrieve's summary line: users CPU-seconds real-seconds MB
	sed -n 's/.* events, \([0-9]*\) users .*; \([0-9.]*\) s real, \([0-9.]*\) s CPU, \([0-9.]*\) MB peak.*/\1 \3 \2 \4/p' "$1"
}
shard=${SHARD:+--shard $SHARD}
for t in ${THREADS:-2 1}; do
	ig-retrieve -@ $t -l 1 $in --shard 0/100000 -o /dev/null $ev 2>fixed.$t.log
	ig-retrieve -@ $t -l 1 $in $shard -o cand.$t.tsv.gz $ev 2>run.$t.log
	set -- $(summary fixed.$t.log) $(summary run.$t.log)
	awk -v t=$t -v fu=$1 -v fc=$2 -v fr=$3 -v u=$5 -v c=$6 -v r=$7 -v mb=$8 -v sh="${SHARD:-all}" 'BEGIN {
		printf "-@ %d, shard %s: %d users, %.1f s real, %.1f s CPU, %.0f MB peak; loading (popularity and clusters, inputs) %.1f s CPU\n", t, sh, u, r, c, mb, fc
		printf "  %.0f users/s per CPU second after loading, %.0f users/s wall after loading, %.0f users/s wall overall\n", (u - fu) / (c - fc), (u - fu) / (r - fr), u / r
	}'
done
echo "work files in $work"

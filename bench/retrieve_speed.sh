#!/bin/sh
# Users per second of ig-retrieve's default mix on an ig-synth world, on 1
# and 2 threads in the same run, with peak memory (the summary line).
#   sh bench/retrieve_speed.sh [USERS] [ITEMS] [DAYS]
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
for t in ${THREADS:-2 1}; do
	/usr/bin/time -f "ig-retrieve -@ $t: %e s real, %M KB peak" ig-retrieve -@ $t -l 1 $in -o cand.$t.tsv.gz $ev
done
echo "work files in $work"

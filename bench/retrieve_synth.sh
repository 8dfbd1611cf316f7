#!/bin/sh
# ig-retrieve on an ig-synth world against its ground truth (truth_interests):
# the default mix and each source alone, 500 candidates a user, with the
# score of random and popular items from the same run for scale.
#   sh bench/retrieve_synth.sh [USERS]
set -eu
users=${1:-2000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/retrieve_synth.XXXXXX")}
PATH=$root/bin:$PATH
cd "$work"
[ -f w/events.tsv.gz ] || ig-synth -q -@ 2 --users "$users" --seed 3 -o w
ev=w/events.tsv.gz
[ -f vec.hnsw ] || {
	ig-cooccur -q -@ 2 -k 50 -o nbrs.tsv.gz $ev
	ig-cooccur -q -@ 2 -k 20 --entity author --items w/items.tsv.gz -o anbrs.tsv.gz $ev
	ig-train-w2v -q -@ 2 --min-count 1 -o vec.gz $ev
	ig-retrieve index -q -@ 2 vec.gz vec.hnsw
}
in="--items w/items.tsv.gz --topics w/topics.tsv.gz --follows w/follows.tsv.gz --neighbors nbrs.tsv.gz
 --account-neighbors anbrs.tsv.gz --vectors vec.gz --index vec.hnsw"
ig-retrieve -q -@ 2 $in -o mix.tsv.gz $ev
files=mix.tsv.gz
for s in $(ig-retrieve --print-spec | awk -F: '/^[a-z]+:/ { print $1 }'); do
	ig-retrieve --print-spec | awk -v s="$s:" '$1 == s' >one.spec
	ig-retrieve -q -@ 2 $in -n 500 --spec one.spec -o $s.tsv.gz $ev
	files="$files $s.tsv.gz"
done
/usr/bin/python3 "$root/bench/retrieve_truth.py" w $files
echo "work files in $work"

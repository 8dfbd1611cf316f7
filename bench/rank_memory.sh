#!/bin/sh
# ig-rank score's peak memory and CPU holding the whole history and with
# --shard 0/SHARDS, on an ig-synth world cut at 80% of its time (the fit
# part is the history); the candidates are ig-retrieve's for the test
# users of shard 0/SHARDS, the model a first stage trained on the same
# shard's impressions. A third run with a history of one impression gives
# what the side inputs and the model hold. The rows of the two runs must
# be the same bytes. Prints: run, peak MB, CPU s, history events.
#
#   sh bench/rank_memory.sh [USERS] [ITEMS] [DAYS] [SHARDS] [WORKDIR]
# IG_BIN=DIR runs the binaries of DIR.
set -eu
users=${1:-20000}
items=${2:-50000}
days=${3:-7}
shards=${4:-16}
dir=${5:-$(mktemp -d "${TMPDIR:-/tmp}/rank_memory.XXXXXX")}
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=${IG_BIN:-$root/bin}:$PATH
mkdir -p "$dir"
cd "$dir"
ig-synth -q --users "$users" --items "$items" --days "$days" --seed 1 -l 1 -o w
ig-eval split -q --at-fraction 0.8 --test-all -l 1 -o s w/events.tsv.gz
ig-cooccur -q -k 20 -l 1 -o nbrs.tsv.gz s.train.tsv.gz
ctx="--items w/items.tsv.gz --follows w/follows.tsv.gz --topics w/topics.tsv.gz --neighbors nbrs.tsv.gz"
ig-rank features -q --shard "0/$shards" --history s.train.tsv.gz $ctx --impressions s.test.tsv.gz -l 1 -o ex.tsv.gz
ig-rank train -q --stage first -o first.model ex.tsv.gz
ig-retrieve -q --shard "0/$shards" -n 500 --items w/items.tsv.gz --neighbors nbrs.tsv.gz \
	--users s.test.tsv.gz -l 1 -o cand.tsv.gz s.train.tsv.gz
zcat s.train.tsv.gz | awk -F'\t' 'NR <= 2 || (!/^#/ && $4 == "impression" && !seen++)' >one.tsv
events=$(zcat s.train.tsv.gz | grep -vc '^#')
run() { # NAME HISTORY OPTION EVENTS
	/usr/bin/time -f '%M %U %S' -o "time.$1" ig-rank score -q -@ 1 -m first.model --history "$2" $ctx $3 \
		--keep 150 -u -o "out.$1.tsv" cand.tsv.gz
	awk -v n="$1" -v e="$4" '{ printf "%s\t%.0f MB\t%.2f s CPU\t%s events\n", n, $1 * 1024 / 1e6, $2 + $3, e }' "time.$1"
}
run whole s.train.tsv.gz "" "$events"
run shard s.train.tsv.gz "--shard 0/$shards" "$events"
run one-event one.tsv "" 1
grep -v '^##' out.shard.tsv >shard.rows
grep -v '^##' out.whole.tsv | cmp - shard.rows && echo "whole and shard 0/$shards: the same rows"

#!/bin/sh
# How well ig-rank's item and author features estimate what ig-synth
# planted: each item_* feature against item quality and each author_*
# feature against author popularity (Spearman), computed as when serving
# (history = the world's whole event stream), on one row per item.
#
#   sh bench/rate_truth.sh [SEED] [USERS] [ITEMS]      (default 2 1000 3000)
# The world is bench/closed_loop.sh's (7 days). BIN=DIR picks the
# binaries; OUT=DIR the work folder [bench/out/rate_truth.SEED].
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seed=${1:-2}
users=${2:-1000}
items=${3:-3000}
bin=${BIN:-$root/bin}
[ -n "${BIN:-}" ] || make -s -C "$root" all
PATH=$bin:$PATH
export PATH
out=${OUT:-$root/bench/out/rate_truth.$seed}
rm -rf "$out"
mkdir -p "$out"
cd "$out"
# shellcheck disable=SC2086
ig-synth --users $users --items $items --days 7 --seed $seed -q --streams events,items,truth_items -o world
# One impression per item, just after the history ends.
ts=$(zcat world/events.tsv.gz | awk -F'\t' '!/^#/ && $1 > m { m = $1 } END { print m + 1 }')
user=$(zcat world/events.tsv.gz | awk -F'\t' '!/^#/ { print $2; exit }')
{
	printf '#ig:events/1\tts\tuser\titem\tevent\tvalue\n'
	zcat world/items.tsv.gz | awk -F'\t' -v ts="$ts" -v u="$user" '!/^#/ { print ts "\t" u "\t" $1 "\timpression\t" }'
} >one.tsv
ig-rank features -q --history world/events.tsv.gz --impressions one.tsv --items world/items.tsv.gz \
	-u -o ex.tsv
/usr/bin/python3 "$root/bench/rate_truth.py" ex.tsv world/truth_items.tsv.gz world/items.tsv.gz |
	column -t -s "$(printf '\t')"

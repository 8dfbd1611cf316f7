#!/bin/sh
# Tunes the value model's weights offline: the coordinate search of
# 'ig-funnel tune' (cmd/ig-funnel.sh, search_value) over the heads of a
# ranked stream (ig-rank score output, with --keep 0 or a long list),
# each setting re-scored by 'ig-rank value' and measured on its top K by
# 'ig-eval metrics' against held-out events of a validation cut (never
# the test), without ig-diversify. Prints every improvement, then the
# best spec with its metric. ig-funnel tune does the same on the
# funnel's own lists, through ig-diversify, and the diversity knobs too.
#
#   sh bench/rank_value_search.sh RANKED VALID_EVENTS FIT_EVENTS [POSITIVES] [METRIC] [K] [START]
# e.g. RANKED: candidates of the valid users scored on the fit history by a
# model trained on an earlier window; METRIC ndcg (default) or recall; K 20;
# START the first spec [ig-rank's default, restricted to the stream's heads].
# (Before ig-funnel tune, a head at 0 tried 0.25, 0.5, 2 and 4 but not -1;
# ig-rank(1)'s VALUE=search figures of bench/rank_lists.sh were so.)
set -eu
ranked=$1 valid=$2 fit=$3
P=${4:-default}
metric=${5:-ndcg}
k=${6:-20}
bin=${IG_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
PATH=$bin:$PATH
# shellcheck source=../cmd/ig-funnel.sh
IG_FUNNEL_LIB=1 . "$bin/ig-funnel"
spec=$(full_spec "${7:-}" "$(stream_heads "$ranked")")
heads=$(stream_heads "$ranked" varying) # a head constant over the rows moves no order
knobs=''
tried=$(mktemp "${TMPDIR:-/tmp}/rank_value_search.XXXXXX")
trap 'rm -f "$tried"' EXIT
measure() { # SEARCH SPEC KNOBS
	grep -qxF "$2" "$tried" && return 1
	printf '%s\n' "$2" >>"$tried"
	m=$(ig-rank value -q -u --value "$2" --keep "$k" "$ranked" |
		ig-eval metrics -q -u --tsv --bootstrap 0 -k "$k" --positives "$P" -t "$valid" --train "$fit" |
		awk -v m="$metric" '$1 == m { print $3 }')
	if [ "$1" != start ] && better "$m" "$best"; then echo "improved	$2	$metric@$k=$m"; fi
}
best=0
measure start "$spec" ''
best=$m
echo "start	$spec	$metric@$k=$best"
search_value "$heads"
echo "best	$spec	$metric@$k=$best"

#!/bin/sh
# Tunes the value model's weights offline: a coordinate search over the
# heads of a ranked stream (ig-rank score output, with --keep 0 or a long
# list), each setting re-scored by 'ig-rank value' and measured by
# 'ig-eval metrics' against held-out events of a validation cut (never the
# test). Prints every improvement, then the best spec with its metric.
#
#   sh bench/rank_value_search.sh RANKED VALID_EVENTS FIT_EVENTS [POSITIVES] [METRIC] [K] [START]
# e.g. RANKED: candidates of the valid users scored on the fit history by a
# model trained on an earlier window; METRIC ndcg (default) or recall; K 20;
# START the first spec [ig-rank's default, restricted to the stream's heads].
set -eu
ranked=$1 valid=$2 fit=$3
P=${4:-default}
metric=${5:-ndcg}
k=${6:-20}
bin=${IG_BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
PATH=$bin:$PATH
heads=$(zcat -f "$ranked" | head -1 | tr '\t' '\n' | sed -n 's/^p_//p')
default="share=4 save=3 comment=2 follow=2 like=1 view=0.5 see_less=-4 hide=-10 any=1"
spec=${7:-}
if [ -z "$spec" ]; then
	for h in $heads; do
		w=$(echo "$default" | tr ' ' '\n' | sed -n "s/^$h=//p")
		spec="$spec${spec:+,}$h=${w:-0}"
	done
fi
# every head of the stream has a weight to search from
for h in $heads; do
	echo "$spec" | tr ',' '\n' | grep -q "^$h=" || spec="$spec,$h=0"
done
measure() {
	ig-rank value -q -u --value "$1" --keep "$k" "$ranked" |
		ig-eval metrics -q -u --tsv --bootstrap 0 -k "$k" --positives "$P" -t "$valid" --train "$fit" |
		awk -v m="$metric" '$1 == m { print $3 }'
}
best=$(measure "$spec")
echo "start	$spec	$metric@$k=$best"
for pass in 1 2; do
	for h in $heads; do
		cur=$(echo "$spec" | tr ',' '\n' | sed -n "s/^$h=//p")
		for f in 0 0.25 0.5 2 4 -1; do
			w=$(echo "$cur * $f" | bc -l | sed 's/^\./0./; s/^-\./-0./; s/\.*0*$//')
			[ -z "$w" ] && w=0
			[ "$cur" = 0 ] && [ "$f" != -1 ] && w=$(echo "$f" | sed 's/^-1$/-1/')
			try=$(echo "$spec" | tr ',' '\n' | sed "s/^$h=.*/$h=$w/" | paste -sd, -)
			v=$(measure "$try")
			# awk, not bc: a metric can print as 6.6e-05
			if awk -v a="$v" -v b="$best" 'BEGIN { exit !(a + 0 > b + 0) }'; then
				best=$v spec=$try
				echo "pass $pass	$spec	$metric@$k=$best"
			fi
		done
	done
done
echo "best	$spec	$metric@$k=$best"

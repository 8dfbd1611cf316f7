#!/bin/sh
# Does the multi-round loop's ranking learn worse from its own feeds? Each
# round's candidates are ranked again by round 1's models (trained on the
# logging policy's impressions alone) and by the round's own (trained on
# the earlier rounds' feeds too), and round 1's candidates by the last
# round's models; each through both ranking stages and ig-diversify with
# the options of the round's run (its OUT/rerank.sh), on the history the
# round saw. Prints shares per impression over the oracle's and the
# unseen oracle's (ig-synth respond --table after the earlier rounds).
# A model that orders worse does worse on the same candidates, whatever
# the round; a pool of unseen items that the rounds have stripped of what
# the ranking finds does worse for every model.
#
#   FUNNEL=--keep-intermediate sh bench/loop.sh 4 1000 3000 1 && sh bench/loop_models.sh
# OUT=DIR is loop.sh's folder [bench/out/loop]; BIN=DIR the binaries.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/bin}
PATH=$bin:$PATH
export PATH
cd "${OUT:-$root/bench/out/loop}"
[ -f f1/rerank.sh ] || { echo "loop_models.sh: no f1/rerank.sh: run bench/loop.sh with FUNNEL=--keep-intermediate" >&2; exit 1; }
W=$(sed -n '1s/.*; world \(.*\); ig-funnel.*/\1/p' rounds.tsv)
last=$(tail -n +3 rounds.tsv | wc -l)

# history_before R: the world's events and the responses of the rounds before R
history_before() {
	k=1
	: >prior.raw
	while [ "$k" -lt "$1" ]; do
		zcat "resp$k.tsv.gz" | grep -v '^#' >>prior.raw
		k=$((k + 1))
	done
	zcat world/events.tsv.gz | grep -v '^#' | cat - prior.raw | ig-ingest -q -o "xm.train$1.tsv.gz"
	ig-ingest -q -o "xm.prior$1.tsv.gz" prior.raw
}

# rank R M: round R's candidates through round M's models, with round R's
# options and side inputs, into xm.R.M.feed.tsv.gz; prints the table row
rank() {
	r=$1 m=$2
	# shellcheck disable=SC2034 # the commands of rerank.sh read them
	here=f$r history=xm.train$r.tsv.gz
	second=$(grep '^ig-rank score' "f$r/rerank.sh")
	# the first stage: the same options, round M's first model, 150 kept
	# (ig-funnel's --keep1) of the candidates
	ranked=xm.$r.$m.r1.tsv.gz
	eval "$(echo "$second" | sed "s#\"\$here\"'/second.model'#f$m/first.model#; s#--keep 50#--keep 150#;
		s#\"\$here\"'/ranked1.tsv.gz'#f$r/candidates.tsv.gz#") -q"
	# shellcheck disable=SC2034
	ranked=xm.$r.$m.r2.tsv.gz
	eval "$(echo "$second" | sed "s#\"\$here\"'/second.model'#f$m/second.model#;
		s#\"\$here\"'/ranked1.tsv.gz'#xm.$r.$m.r1.tsv.gz#") -q"
	feed=xm.$r.$m.feed.tsv.gz
	eval "$(grep '^ig-diversify' "f$r/rerank.sh") -q"
	# shellcheck disable=SC2086
	ig-synth respond $W -@ 2 -q --after "xm.prior$r.tsv.gz" --table "$feed" |
		awk -v r="$r" -v m="$m" '$1 == "share" { printf "%s\t%s\t%.3f\t%.3f\n", r, m, $5, $8 }'
}

printf 'candidates of round\tmodels of round\tshare/oracle\tshare/unseen\n' >models.tsv
r=1
while [ "$r" -le "$last" ]; do
	history_before "$r"
	rank "$r" "$r" >>models.tsv
	[ "$r" = 1 ] || rank "$r" 1 >>models.tsv
	[ "$r" != 1 ] || [ "$last" = 1 ] || rank 1 "$last" >>models.tsv
	r=$((r + 1))
done
column -t -s "$(printf '\t')" models.tsv

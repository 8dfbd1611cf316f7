#!/bin/sh
# The multi-round closed loop: ig-funnel trains on the world's history and
# the responses so far, its feed is shown, ig-synth respond --sample draws
# the users' responses (deterministic per round seed) and they are
# appended to the events; then the next round. Per round: the expected
# shares and value per impression (ig-synth respond --table, against the
# logging policy, the oracle and the oracle of unseen items), the sampled see_less rate per
# impression, and topic coverage (distinct leaf topics in the feed per
# user). Run once with the funnel's default exploration and once with
# --epsilon 0 to see what exploration does.
#
#   sh bench/loop.sh [ROUNDS] [USERS] [ITEMS] [SEED]    (default 3 300 1000 1)
# FUNNEL="options" are passed to ig-funnel, e.g. FUNNEL="--epsilon 0";
# BIN=DIR the binaries; OUT=DIR the work folder [bench/out/loop].
# With FUNNEL=--keep-intermediate, bench/loop_models.sh then ranks each
# round's candidates with round 1's models.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
users=${2:-300}
items=${3:-1000}
seed=${4:-1}
bin=${BIN:-$root/bin}
[ -n "${BIN:-}" ] || make -s -C "$root" all
PATH=$bin:$PATH
export PATH
out=${OUT:-$root/bench/out/loop}
rm -rf "$out"
mkdir -p "$out"
cd "$out"
W="--users $users --items $items --days 5 --seed $seed"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)

# shellcheck disable=SC2086
ig-synth $W -q -o world
side="--items world/items.tsv.gz --follows world/follows.tsv.gz --topics world/topics.tsv.gz"
zcat world/events.tsv.gz | grep -v '^#' >history.raw
: >rounds.raw
printf '# commit %s; world %s; ig-funnel %s\n' "$commit" "$W" "${FUNNEL:-(defaults)}" >rounds.tsv
printf 'round\tshare\tshare/oracle\tshare/unseen\tshare/logging\tvalue/oracle\tsee_less/impression\ttopics/user\n' >>rounds.tsv
r=1
while [ $r -le "$rounds" ]; do
	cat history.raw rounds.raw | ig-ingest -q -o train.tsv.gz
	ig-ingest -q -o rounds.tsv.gz rounds.raw
	eval "set -- ${FUNNEL:-}"
	# shellcheck disable=SC2086
	ig-funnel -@ 2 --seed $r "$@" $side train.tsv.gz train.tsv.gz f$r 2>f$r.log ||
		{ cat f$r.log; exit 1; }
	# shellcheck disable=SC2086
	ig-synth respond $W -@ 2 -q --after rounds.tsv.gz --table f$r/feed.tsv.gz >table$r.txt
	# shellcheck disable=SC2086
	ig-synth respond $W -@ 2 -q --after rounds.tsv.gz --sample $r -o resp$r.tsv.gz f$r/feed.tsv.gz
	zcat resp$r.tsv.gz | grep -v '^#' >>rounds.raw
	sl=$(zcat resp$r.tsv.gz | awk -F'\t' '!/^#/ { n[$4]++ } END { printf "%.4f", n["see_less"] / n["impression"] }')
	zcat f$r/feed.tsv.gz >feed$r.tsv
	cov=$(zcat world/items.tsv.gz | awk -F'\t' 'NR == FNR { if (!/^#/) t[$1] = $5; next }
		!/^#/ { split(t[$3], a, ","); for (i in a) if (!(($1, a[i]) in s)) { s[$1, a[i]] = 1; n++ } u[$1] = 1 }
		END { k = 0; for (x in u) k++; printf "%.2f", k ? n / k : 0 }' - feed$r.tsv)
	awk -v r=$r -v sl="$sl" -v cov="$cov" '$1 == "share" { s = $2; so = $5; sg = $6; su = $8 } $1 == "value" { vo = $5 }
		END { printf "%d\t%.4f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t%s\n", r, s, so, su, sg, vo, sl, cov }' table$r.txt >>rounds.tsv
	r=$((r + 1))
done
head -n 1 rounds.tsv
tail -n +2 rounds.tsv | column -t -s "$(printf '\t')"

#!/bin/sh
# The closed loop: what the users of an ig-synth world are expected to do
# with the default funnel's feed, against the world's logging policy, the
# oracle and the unseen oracle (ig-synth respond --table; the best feed of
# the items the user has no event with, the most a funnel that shows no
# item twice can reach) and an item-kNN feed cut to the feed's length.
# Then where the funnel loses against the oracle: the best feed of all
# the items under the feed's hard rules (author window, media run;
# ig-synth's oracles apply neither), the best feed of the unseen items
# under those rules, and for the output of each stage
# (candidates, first and second ranking stage), the best feed of the same
# length that a perfect ranker could pick from it (its items of largest
# true expected value, from ig-synth respond), next to the second stage's
# own top and the diversified feed.
#
#   sh bench/closed_loop.sh [SEED] [USERS] [ITEMS]      (default 1 1000 3000)
# Tune on one seed (a validation world), report on another. BIN=DIR picks
# the binaries; OUT=DIR the work folder [bench/out/closed_loop.SEED];
# FUNNEL="options" are passed to ig-funnel (e.g. --value share=1 or
# --epsilon 0); CEILINGS=0 skips the best feeds of all the items (the
# slow part, which does not depend on the funnel). Prints one table per
# feed and a summary of shares and value per impression as ratios to the
# oracle and to the logging policy, and of shares to the unseen oracle.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seed=${1:-1}
users=${2:-1000}
items=${3:-3000}
bin=${BIN:-$root/bin}
[ -n "${BIN:-}" ] || make -s -C "$root" all
PATH=$bin:$PATH
export PATH
out=${OUT:-$root/bench/out/closed_loop.$seed}
rm -rf "$out"
mkdir -p "$out"
cd "$out"
W="--users $users --items $items --days 7 --seed $seed"
n=25
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)

# The whole history trains the funnel; the feed is the next session.
# shellcheck disable=SC2086
ig-synth $W -q -o world
# FUNNEL is shell words: quotes inside it group (--diversify '--lambda 0.7').
eval "set -- ${FUNNEL:-}"
# (--keep-intermediate: each stage's output is judged below, and
# closed_loop_run.sh, fresh_examples.sh and order_*.sh read them)
ig-funnel -@ 2 -n $n --keep-intermediate "$@" --items world/items.tsv.gz --follows world/follows.tsv.gz \
	--topics world/topics.tsv.gz world/events.tsv.gz world/events.tsv.gz funnel 2>funnel.log ||
	{ cat funnel.log; exit 1; }
ig-eval baseline itemknn -q --train world/events.tsv.gz -n $n -o itemknn.tsv.gz

# A stage's ceiling: its N items of largest true expected value per user
# (each list responded to as one session; its feedback within the session
# slightly lowers the later items' values).
best() { # RESPONSES -> user item value, the N best per user
	awk -F'\t' '!/^#/ { print $1 "\t" $3 "\t" $15 }' "$1" |
		LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k3,3gr -k2,2 |
		awk -F'\t' -v n=$n '{ if ($1 != u) { u = $1; k = 0 } if (++k <= n) print }'
}
for st in candidates ranked1 ranked; do
	# shellcheck disable=SC2086
	ig-synth respond $W -@ 2 -q -u "funnel/$st.tsv.gz" >"$st.resp"
	best "$st.resp" >"best-of-$st.tsv"
done
if [ "${CEILINGS:-1}" = 1 ]; then
	# The items a user has no event with (ig-retrieve drops the others;
	# the oracle does not), responded in lists of 150 per user, for the
	# best N of them under the feed's rules below. Their best N without
	# the rules is the unseen oracle of ig-synth respond --table (this
	# script's own best-of-unseen, dropped for it, had 1.0005 of its
	# shares and 0.99995 of its value on seed 1).
	zcat world/events.tsv.gz | awk -F'\t' '!/^#/ { print $2 "\t" $3 }' | LC_ALL=C sort -u >seen.pairs
	mkdir -p unseen
	zcat funnel/feed.tsv.gz | awk -F'\t' '!/^#/ && !u[$1]++ { print $1 }' >feed.users
	zcat world/items.tsv.gz | awk -F'\t' '!/^#/ { print $1 }' >items.ids
	awk -F'\t' 'NR == FNR { s[$1 "\t" $2] = 1; next } FILENAME == "items.ids" { it[++ni] = $1; next }
		{ k = 0; for (i = 1; i <= ni; i++) if (!(($1 "\t" it[i]) in s)) { print $1 "\t" it[i] > ("unseen/" int(k / 150)); k++ } }' \
		seen.pairs items.ids feed.users
	for f in unseen/*; do
		# shellcheck disable=SC2086
		ig-synth respond $W -@ 2 -q -u "$f"
	done >unseen.resp
	# The oracle "under the same diversity rules" (issue 13): the feed's hard
	# rules are ig-diversify's author window and media run (ig-funnel passes
	# --author-window 2; the media run is 3), which ig-synth's oracle does not
	# apply. The best N under them, greedily (the best item that breaks no
	# rule, in order), of all items (the seen ones responded as the unseen)
	# and of the unseen ones alone.
	mkdir -p seen
	awk -F'\t' 'NR == FNR { u[$1] = 1; next } ($1 in u) { if ($1 != last) { last = $1; k = 0 }
		print $1 "\t" $2 > ("seen/" int(k / 150)); k++ }' feed.users seen.pairs
	for f in seen/*; do
		# shellcheck disable=SC2086
		ig-synth respond $W -@ 2 -q -u "$f"
	done >seen.resp
	ruled() { # RESPONSES... -> the best N per user under the feed's hard rules
		cat "$@" | awk -F'\t' '!/^#/ { print $1 "\t" $3 "\t" $15 }' |
			LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k3,3gr -k2,2 |
			awk -F'\t' -v n=$n -v window=${AUTHOR_WINDOW:-2} -v run=${MEDIA_RUN:-3} '
			NR == FNR { if (!/^#/) { a[$1] = $2; m[$1] = $3 } next }
			function flush(   k, i, j, ok, rl) {
				for (k = 0; k < n && k < c; k++) {
					for (i = 1; i <= c; i++) {
						if (used[i]) continue
						ok = 1
						for (j = k - window + 1; j < k && ok; j++) if (j >= 0 && a[pick[j]] == a[it[i]]) ok = 0
						rl = 0
						for (j = k - 1; j >= 0 && m[pick[j]] == m[it[i]]; j--) rl++
						if (rl >= run) ok = 0
						if (ok) break
					}
					if (i > c) for (i = 1; used[i]; i++) ;
					used[i] = 1; pick[k] = it[i]
					print u "\t" it[i] "\t" val[i]
				}
				delete used; c = 0
			}
			{ if ($1 != u) { if (c) flush(); u = $1 } it[++c] = $2; val[c] = $3 }
			END { if (c) flush() }' items.authors -
	}
	zcat world/items.tsv.gz | awk -F'\t' '!/^#/ { print $1 "\t" $2 "\t" $3 }' >items.authors
	ruled unseen.resp seen.resp >oracle-rules.tsv
	ruled unseen.resp >best-of-unseen-rules.tsv
fi
zcat funnel/ranked.tsv.gz | awk -F'\t' -v n=$n '!/^#/ { if ($1 != u) { u = $1; k = 0 }
	if (++k <= n) print $1 "\t" $2 "\t" $4 }' >second-stage-top.tsv

printf '# commit %s; world %s\n' "$commit" "$W" >summary.tsv
printf 'feed\tshare\tshare/oracle\tshare/unseen\tshare/logging\tvalue/oracle\tvalue/logging\tsee_less/logging\n' >>summary.tsv
# shellcheck disable=SC2086
ig-synth respond $W -@ 2 -q --table funnel/feed.tsv.gz >feed.table
for f in oracle-rules.tsv oracle-unseen best-of-unseen-rules.tsv best-of-candidates.tsv best-of-ranked1.tsv best-of-ranked.tsv second-stage-top.tsv funnel/feed.tsv.gz itemknn.tsv.gz; do
	if [ "$f" = oracle-unseen ]; then
		# The unseen oracle's row, from the columns of the feed's table.
		awk '$1 == "share" { s = $7; so = $7 / $4; sl = $7 / $3 } $1 == "value" { vo = $7 / $4; vl = $7 / $3 }
			$1 == "see_less" { nl = $7 / $3 }
			END { printf "oracle-unseen\t%.4f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", s, so, 1, sl, vo, vl, nl }' \
			feed.table >>summary.tsv
		continue
	fi
	[ -e "$f" ] || continue
	name=$(basename "$f" | sed 's/\.tsv.*//')
	# shellcheck disable=SC2086
	[ "$name" = feed ] || ig-synth respond $W -@ 2 -q --table "$f" >"$name.table"
	awk -v f="$name" '$1 == "share" { s = $2; so = $5; sl = $6; su = $8 } $1 == "value" { vo = $5; vl = $6 }
		$1 == "see_less" { nl = $6 }
		END { printf "%s\t%.4f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", f, s, so, su, sl, vo, vl, nl }' "$name.table" >>summary.tsv
done
# How well the second stage's share head knows the planted shares, on its
# own rows: p_share against the true expected shares of the same rows
# (ranked.resp). AUC against the true probability as a soft label
# (sum over pairs of t_i (1 - t_j) [p_i > p_j], ties half), next to the
# same AUC of the truth itself, the most any predictor can reach; and the
# means (calibration: 1 when p_share is per impression).
zcat funnel/ranked.tsv.gz | awk -F'\t' 'NR == FNR { if (!/^#/) t[$1 "\t" $3] = $8; next }
	/^#ig/ { for (i = 2; i <= NF; i++) if ($i == "p_share") c = i - 1; next }
	/^#/ { next }
	c && (($1 "\t" $2) in t) { print $c "\t" t[$1 "\t" $2] }' ranked.resp - >p_share.tsv
soft_auc() { # column of the score in p_share.tsv (the truth is column 2)
	LC_ALL=C sort -t "$(printf '\t')" -k"$1","$1"g p_share.tsv |
		awk -F'\t' -v c="$1" 'function flush() { num += gp * (neg + gn / 2); neg += gn; gp = gn = 0 }
		{ if (NR > 1 && $c != last) flush(); last = $c; gp += $2; gn += 1 - $2; tp += $2; tn += 1 - $2 }
		END { flush(); printf "%.3f", tp && tn ? num / (tp * tn) : 0 }'
}
awk -F'\t' -v a="$(soft_auc 1)" -v best="$(soft_auc 2)" '{ p += $1; t += $2; n++ }
	END { printf "p_share\t%d\t%.3f\t%.3f\t%.5f\t%.5f\n", n, a, best, p / n, t / n }' p_share.tsv >p_share.summary
echo "== the funnel's feed (ig-synth respond --table)"
cat feed.table
echo "== the second stage's p_share against the true shares of its rows"
printf 'head\trows\tAUC\tAUC of the truth\tmean p\tmean true\n' | cat - p_share.summary | column -t -s "$(printf '\t')"
echo "== shares and value per impression, against the oracle and the logging policy"
head -n 1 summary.tsv
tail -n +2 summary.tsv | column -t -s "$(printf '\t')"

#!/bin/sh
# Where the oracle's expected shares come from, by what the user's history
# holds of each item: never shown, shown but never engaged with (only
# impression, view, skip; then with see_less too), or engaged with before
# (like, comment, share, save). The oracle (ig-synth respond --table) ranks
# all the items created by then, seen or not, and the world has no per-item
# fatigue, so its list re-shows items; a funnel that shows no item twice
# can reach only the never-shown part.
#
#   sh bench/closed_loop_sources.sh DIR [SEED] [USERS] [ITEMS]
# DIR is the work folder of a `CEILINGS=1 sh bench/closed_loop.sh` run of
# the same world (its seen.resp, unseen.resp, oracle-rules.tsv and feed).
# The oracle's list is rebuilt from those responses (the best N of all
# items by value, each responded in lists of 150: within-list feedback
# makes it a close approximation, checked against the table's oracle) and
# responded again as one list; each row's expected shares are summed by
# the item's class. The same for the best N under the feed's rules
# (oracle-rules.tsv) and for the best N when re-shows are allowed only of
# items shown but never engaged with. Needs ig-synth on PATH (BIN=DIR).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
seed=${2:-1}
users=${3:-1000}
items=${4:-3000}
n=25
[ -n "${BIN:-}" ] && PATH=$BIN:$PATH
cd "$dir"
W="--users $users --items $items --days 7 --seed $seed"

# user item class, for every pair with an event; class: engaged (like,
# comment, share, save), negative (see_less, hide or report, not engaged),
# shown (anything else: impression, view, skip), with the impressions.
zcat world/events.tsv.gz | awk -F'\t' '!/^#/ { k = $2 "\t" $3
		if ($4 ~ /^(like|comment|share|save)$/) e[k] = 1
		else if ($4 ~ /^(see_less|hide|report)$/) g[k] = 1
		if ($4 == "impression") im[k]++; else if (!(k in im)) im[k] += 0 }
	END { for (k in im) print k "\t" ((k in e) ? "engaged" : (k in g) ? "negative" : "shown") "\t" im[k] }' |
	LC_ALL=C sort >classes.tsv

top() { # RESPONSES... -> the best N per user by value (user item value)
	cat "$@" | awk -F'\t' '!/^#/ { print $1 "\t" $3 "\t" $15 }' |
		LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k3,3gr -k2,2 |
		awk -F'\t' -v n=$n '{ if ($1 != u) { u = $1; k = 0 } if (++k <= n) print }'
}
top unseen.resp seen.resp >oracle-approx.tsv
# The re-show of impressed-but-never-engaged items only: the seen pairs
# that are engaged or negative are dropped.
awk -F'\t' 'NR == FNR { if ($3 != "shown") bad[$1 "\t" $2] = 1; next }
	/^#/ || !(($1 "\t" $3) in bad)' classes.tsv seen.resp >seen-shown.resp
top unseen.resp seen-shown.resp >best-reshow-shown.tsv

# LIST -> per class: shares, share of the list's shares, rows
split_by_class() {
	# shellcheck disable=SC2086
	ig-synth respond $W -@ 2 -q -u "$1" >split.resp
	awk -F'\t' 'NR == FNR { c[$1 "\t" $2] = $3; im[$1 "\t" $2] = $4; next } /^#/ { next }
		{ k = $1 "\t" $3; cl = (k in c) ? c[k] : "never-shown"; s[cl] += $8; r[cl]++; t += $8; rows++
		  if (cl == "shown") { imp += im[k]; if (im[k] >= 2) s2 += $8 } }
		END { for (cl in s) printf "%s\t%.5f\t%.3f\t%.3f\n", cl, s[cl] / rows, s[cl] / t, r[cl] / rows
		      printf "all\t%.5f\t1\t1\n", t / rows
		      if (r["shown"]) printf "# shown: %.2f impressions per row; the shown rows impressed twice or more hold %.3f of the shares\n", imp / r["shown"], s2 / t }' \
		classes.tsv split.resp
}
{
	printf '# commit %s; world %s\n' "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$W"
	for f in oracle-approx.tsv oracle-rules.tsv best-reshow-shown.tsv best-of-unseen-rules.tsv funnel/feed.tsv.gz; do
		[ -e "$f" ] || continue
		printf '== %s\nclass\tshares/impression\tof the list\tof the rows\n' "$f"
		split_by_class "$f"
	done
	# shellcheck disable=SC2086
	printf '== the table oracle (check of oracle-approx.tsv): %s\n' \
		"$(ig-synth respond $W -@ 2 -q --table oracle-approx.tsv | awk '$1 == "share" { print "share " $4 ", approx/oracle " $5 }')"
	for f in best-reshow-shown.tsv oracle-rules.tsv; do
		# shellcheck disable=SC2086
		printf '%s: share/oracle %s\n' "$f" "$(ig-synth respond $W -@ 2 -q --table $f | awk '$1 == "share" { print $5 }')"
	done
} | tee sources.txt

#!/bin/sh
# Could re-showing the items a user already engaged with carry the feed
# to 0.8 of the oracle's shares? The oracle of ig-synth respond --table
# may re-show them (the world has no per-item fatigue) and about a
# quarter of its shares come from them (bench/closed_loop_sources.sh).
# Here K of the user's engaged items (like, comment, share or save, and
# no see_less, hide or report) go in front of the funnel's feed, which
# fills the rest of the 25 in its own order, and the list is responded
# to as one session. Two ways to pick the K:
#   count  the most engaged (share 8, save 3, comment 3, like 1 a time),
#          what the history alone tells;
#   truth  the K of largest true expected value now (ig-synth respond of
#          every engaged item): no ranker can pick better, so it bounds
#          what a re-show feature could add to this feed.
#
#   sh bench/closed_loop_reshow.sh DIR [SEED] [USERS] [ITEMS] [KS]
# DIR is the work folder of a `sh bench/closed_loop.sh SEED` run of the
# same world (its world/ and funnel/feed.tsv.gz); KS the list of K
# ['3 6 10']. Prints share/oracle and share/unseen per variant. Needs
# the binaries of bin/ (BIN=DIR picks others).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
seed=${2:-1}
users=${3:-1000}
items=${4:-3000}
ks=${5:-3 6 10}
n=25
PATH=${BIN:-$root/bin}:$PATH
cd "$dir"
W="--users $users --items $items --days 7 --seed $seed"
tab=$(printf '\t')

# user item score: the engaged items' share-weighted counts
zcat world/events.tsv.gz | awk -F'\t' '!/^#/ { k = $2 "\t" $3
		if ($4 ~ /^(see_less|hide|report)$/) bad[k] = 1
		w = $4 == "share" ? 8 : $4 == "save" || $4 == "comment" ? 3 : $4 == "like" ? 1 : 0
		if (w > 0) s[k] += w }
	END { for (k in s) if (!(k in bad)) print k "\t" s[k] }' |
	LC_ALL=C sort >reshow.count
# user item value: the same items' true expected value (column 15)
{
	printf '#ig:candidates/1\tuser\titem\tsources\tscore\n'
	awk -F'\t' '{ print $1 "\t" $2 "\tengaged\t1" }' reshow.count
} | gzip >reshow.cands.gz
# shellcheck disable=SC2086
ig-synth respond $W -@ 2 -q -u reshow.cands.gz |
	awk -F'\t' '!/^#/ { print $1 "\t" $3 "\t" $15 }' >reshow.truth

top() { # FILE K -> user item, the K of largest third column per user
	LC_ALL=C sort -t "$tab" -k1,1 -k3,3gr -k2,2 "$1" |
		awk -F'\t' -v k="$2" '{ if ($1 != u) { u = $1; j = 0 } if (++j <= k) print $1 "\t" $2 }'
}
# The K items in front, then the feed's own items not among them.
merge() { # PICKS -> feed/1 on stdout
	zcat funnel/feed.tsv.gz | awk -F'\t' -v OFS='\t' -v n=$n '
		NR == FNR { pick[$1] = pick[$1] " " $2; has[$1 SUBSEP $2] = 1; next }
		/^#ig:/ { print; next }
		/^#/ { next }
		{
			if (!($1 in done)) {
				done[$1] = 1; r = 0; m = split(pick[$1], p, " ")
				for (i = 1; i <= m; i++) print $1, ++r, p[i], 1, "reshow", ""
			}
			if (r < n && !(($1 SUBSEP $3) in has)) print $1, ++r, $3, $4, $5, $6
		}' "$1" -
}
row() { # NAME FEED
	# shellcheck disable=SC2086
	ig-synth respond $W -@ 2 -q --table "$2" |
		awk -v name="$1" '$1 == "share" { printf "%-12s %.4f  %.3f         %.3f\n", name, $2, $5, $8 }'
}
echo "# world $W; the feed with K engaged items in front"
echo "feed         share   share/oracle  share/unseen"
row feed funnel/feed.tsv.gz
for k in $ks; do
	for how in count truth; do
		top "reshow.$how" "$k" >"picks.$how.$k"
		merge "picks.$how.$k" | gzip >"feed.$how.$k.tsv.gz"
		row "$how K=$k" "feed.$how.$k.tsv.gz"
	done
done

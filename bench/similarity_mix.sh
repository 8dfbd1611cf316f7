#!/bin/sh
# ig-funnel with one list of item neighbours in retrieval and the other
# in the ranking features (ig-rank --neighbors), on the validation cuts
# that bench/similarity_auto.sh left in OUT/SET (run it first): a copy
# of cmd/ig-funnel.sh whose models() also makes RANK's list and whose
# ig-rank steps read it (not an option of ig-funnel), -@ 1, against the
# feeds of --similarity ease and cosine there (NDCG@20, ig-eval compare).
#
#   sh bench/similarity_mix.sh RETRIEVE RANK SET...   # e.g. cosine ease yoochoose
# OUT=DIR [/tmp/similarity_auto]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH
export PATH
out=${OUT:-/tmp/similarity_auto}
ret=$1 rsim=$2
shift 2
f=$out/ig-funnel-mix
/usr/bin/python3 - "$root/cmd/ig-funnel.sh" "$f" <<'PY'
import sys
s = open(sys.argv[1]).read()
old = '''			--max-history "$hist" -o "$w/$p.nbrs.tsv.gz" "$ev"
	vec='' acc=\'\''''
new = '''			--max-history "$hist" -o "$w/$p.nbrs.tsv.gz" "$ev"
	rw=''
	[ "$RSIM" != ease ] || rw=$easew
	step "$p.cooccur-r" ig-cooccur -@ "$threads" -k 100 --score "$RSIM" ${rw:+--weights "$rw"} \\
		--max-history "$hist" -o "$w/$p.rnbrs.tsv.gz" "$ev"
	vec='' acc=\'\''''
old2 = '''--neighbors "$w/$rp.nbrs.tsv.gz" ${vec:+--vectors "$vec"} \\
		--positives "$positives" "$@"'''
assert old in s and old2 in s, "cmd/ig-funnel.sh changed: patch this script"
s = s.replace(old, new).replace(old2, old2.replace('$rp.nbrs', '$rp.rnbrs'))
open(sys.argv[2], 'w').write(s)
PY
for set in "$@"; do
	d=$out/$(printf '%s' "$set" | tr ':' '-')
	case $set in ml-* | amazon* | book-crossing*) P=view,like,see_less ;; retailrocket*) P=view,save,share ;; *) P=view ;; esac
	(
		cd "$d"
		x=x.$ret.$rsim
		RSIM=$rsim sh "$f" -@ 1 --keep-intermediate --similarity "$ret" --positives $P s.fit.tsv.gz s.valid.tsv.gz $x 2>$x.log
		rm -rf $x/work $x/candidates.tsv.gz $x/ranked1.tsv.gz
		for b in ease cosine; do
			r=$(ig-eval compare -u --tsv --bootstrap 1000 -k 20 --positives $P -t s.valid.tsv.gz --train s.fit.tsv.gz \
				$x/feed.tsv.gz v.$b/feed.tsv.gz 2>/dev/null |
				awk -F'\t' '$1 == "ndcg" && $2 == 20 { printf "%.4f - %.4f = %+.4f [%.4f, %.4f]", $3, $4, $5, $6, $7 }')
			printf '%s\tretrieve=%s rank=%s\tminus %s: %s\n' "$set" "$ret" "$rsim" $b "$r"
		done
	)
done

#!/bin/sh
# ig-funnel --similarity RETRIEVE,RANK (one list of item neighbours in
# retrieval, the other in the ranking features, ig-rank --neighbors) on
# the validation cuts that bench/similarity_auto.sh left in OUT/SET (run
# it first), -@ 1, against the feeds of --similarity ease and cosine
# there: NDCG@20, ig-eval compare (the paired difference and its 95%
# bootstrap interval); and the run's CPU seconds (user + sys of the
# children) beside those of the two runs.
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
for set in "$@"; do
	d=$out/$(printf '%s' "$set" | tr ':' '-')
	case $set in ml-* | amazon* | book-crossing*) P=view,like,see_less ;; retailrocket*) P=view,save,share ;; *) P=view ;; esac
	(
		cd "$d"
		x=x.$ret.$rsim
		cpu=$( (
			ig-funnel -@ 1 --keep-intermediate --similarity "$ret,$rsim" --positives $P s.fit.tsv.gz s.valid.tsv.gz $x 2>$x.log
			times
		) | awk 'END { split($0, t, /[ ms]+/); printf "%.1f", t[1] * 60 + t[2] + t[3] * 60 + t[4] }')
		rm -rf $x/work/*.hnsw $x/work/all.* $x/candidates.tsv.gz $x/ranked1.tsv.gz
		for b in ease cosine; do
			r=$(ig-eval compare -u --tsv --bootstrap 1000 -k 20 --positives $P -t s.valid.tsv.gz --train s.fit.tsv.gz \
				$x/feed.tsv.gz v.$b/feed.tsv.gz 2>/dev/null |
				awk -F'\t' '$1 == "ndcg" && $2 == 20 { printf "%.4f - %.4f = %+.4f [%+.4f, %+.4f]", $3, $4, $5, $6, $7 }')
			printf '%s\tretrieve=%s rank=%s\tminus %s: %s\n' "$set" "$ret" "$rsim" $b "$r"
		done
		printf '%s\tretrieve=%s rank=%s\tCPU %s s\n' "$set" "$ret" "$rsim" "$cpu"
	) | tee -a "$out/mix.tsv"
done

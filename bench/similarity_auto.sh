#!/bin/sh
# How ig-funnel --similarity auto should judge EASE's and cosine's item
# neighbours, on validation cuts only. Per data set: the README recipe's
# split with a validation cut inside train (ig-eval split --holdout 20%
# --valid 20%: s.fit + s.valid), then
#   truth: the feed of ig-funnel -@ 1 --similarity ease and cosine on
#     s.fit for s.valid's users, NDCG@20 against s.valid (ig-eval compare,
#     cosine - EASE);
#   criteria, on the funnel's own inner cut of s.fit (its fit part and
#     label window, kept by --keep-intermediate), cosine / EASE:
#     alone20   each list alone, -n 20, NDCG@20 (today's criterion)
#     alone200  each list alone, -n 200: recall@100, recall@200
#     cand500   the default retrieval spec with each list (the funnel's
#               fit candidates, 500 a user): recall@150 and recall@500
#     auc       the second ranking stage trained on those candidates: its
#               any head's AUC on ig-rank train's own validation users
# Prints one line per set; every file under OUT/SET.
#
#   sh bench/similarity_auto.sh SET...
# SET: ml-100k ml-latest lastfm diginetica, or PRESET[:ROWS] of
# bench/public_formats.py (60000 rows unless said), e.g. yoochoose:300000.
# OUT=DIR [/tmp/similarity_auto]; TEST=1 also scores both feeds of the
# recipe's train part on its test cut (measure test once, at the end).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH
export PATH
out=${OUT:-/tmp/similarity_auto}
data=${DATA:-/work/shared/data}
mkdir -p "$out"
cmp_row() { # A B TEST TRAIN K METRIC P: "a/b diff p"
	ig-eval compare -u --tsv --bootstrap "${BOOT:-0}" -k "$5" --positives "$7" -t "$3" --train "$4" "$1" "$2" |
		awk -F'\t' -v m="$6" -v k="$5" '$1 == m && $2 == k { printf "%.4f/%.4f %+.4f[%s,%s] p=%.2g", $3, $4, $5, $6, $7, $8 }'
}
for set in "$@"; do
	name=$(printf '%s' "$set" | tr ':' '-')
	d=$out/$name
	mkdir -p "$d"
	ties='' P=view
	case $set in
	ml-100k) ig-ingest -q -p ml-100k -o "$d/ev.tsv.gz" "$data/movielens-100k/u.data.gz"; P=view,like,see_less ;;
	ml-latest) ig-ingest -q -p ml-latest -o "$d/ev.tsv.gz" "$data/movielens-latest-small/ratings.csv.gz"; P=view,like,see_less ;;
	lastfm) ig-ingest -q -p lastfm-artists -o "$d/ev.tsv.gz" "$data/lastfm-hetrec2011-2k/user_artists.dat.gz"; ties=--shuffle-ties ;;
	diginetica) ig-ingest -q -p diginetica -o "$d/ev.tsv.gz" "$data/diginetica-sample/sample_train-item-views.csv" ;;
	*)
		p=${set%%:*} rows=60000
		[ "$p" = "$set" ] || rows=${set#*:}
		case $p in
		ml-1m) f=ratings.dat P=view,like,see_less ;;
		amazon) f=ratings_Books.csv P=view,like,see_less ties=--shuffle-ties ;;
		book-crossing) f=BX-Book-Ratings.csv P=view,like,see_less ties=--shuffle-ties ;;
		yoochoose) f=yoochoose-clicks.dat ;;
		retailrocket) f=events.csv P=view,save,share ;;
		gowalla) f=loc-gowalla_totalCheckins.txt ;;
		*) echo "similarity_auto.sh: no set $set" >&2; exit 2 ;;
		esac
		/usr/bin/python3 "$root/bench/public_formats.py" "$p" "$rows" "${SEED:-1}" >"$d/$f"
		ig-ingest -q -p "$p" -o "$d/ev.tsv.gz" "$d/$f"
		rm -f "$d/$f"
		;;
	esac
	(
		cd "$d"
		ig-eval split -q --holdout 20% --valid 20% --positives $P $ties -o s ev.tsv.gz
		for sim in ease cosine; do
			ig-funnel -@ 1 --keep-intermediate --similarity $sim --positives $P s.fit.tsv.gz s.valid.tsv.gz v.$sim 2>v.$sim.log
			w=v.$sim/work
			ig-retrieve -q -n 20 -S 'cooccur: recent(n=50).cooccur(100) weight=1 quota=20' --neighbors $w/fit.nbrs.tsv.gz \
				--users $w/fit.test.tsv.gz -o a20.$sim.tsv.gz $w/fit.train.tsv.gz
			ig-retrieve -q -n 200 -S 'cooccur: recent(n=50).cooccur(100) weight=1 quota=200' --neighbors $w/fit.nbrs.tsv.gz \
				--users $w/fit.test.tsv.gz -o a200.$sim.tsv.gz $w/fit.train.tsv.gz
		done
		w=v.ease/work
		ft=$w/fit.test.tsv.gz fr=$w/fit.train.tsv.gz
		# the inner cut is the same in both runs
		gzip -dc "$ft" | grep -v '^##' >inner.ease
		gzip -dc v.cosine/work/fit.test.tsv.gz | grep -v '^##' >inner.cosine
		cmp -s inner.ease inner.cosine || echo "similarity_auto.sh: $set: the inner cuts differ" >&2
		rm -f inner.ease inner.cosine
		a20=$(cmp_row a20.cosine.tsv.gz a20.ease.tsv.gz $ft $fr 20 ndcg $P)
		r100=$(cmp_row a200.cosine.tsv.gz a200.ease.tsv.gz $ft $fr 100 recall $P)
		r200=$(cmp_row a200.cosine.tsv.gz a200.ease.tsv.gz $ft $fr 200 recall $P)
		c150=$(cmp_row v.cosine/work/fit.cand.tsv.gz v.ease/work/fit.cand.tsv.gz $ft $fr 150 recall $P)
		c500=$(cmp_row v.cosine/work/fit.cand.tsv.gz v.ease/work/fit.cand.tsv.gz $ft $fr 500 recall $P)
		feed=$(BOOT=1000 cmp_row v.cosine/feed.tsv.gz v.ease/feed.tsv.gz s.valid.tsv.gz s.fit.tsv.gz 20 ndcg $P)
		auc() { awk '$1 == "any" { printf "%s", $4 }' v.$1/logs/train-second.log; }
		printf '%s\tfeed_valid_ndcg20 %s\talone_ndcg20 %s\talone_r100 %s\talone_r200 %s\tcand_r150 %s\tcand_r500 %s\tauc %s/%s\n' \
			"$set" "$feed" "$a20" "$r100" "$r200" "$c150" "$c500" "$(auc cosine)" "$(auc ease)" | tee result.tsv
		rm -rf v.ease/work/*.hnsw v.cosine/work/*.hnsw v.*/work/all.* v.*/candidates.tsv.gz v.*/ranked1.tsv.gz
		if [ "${TEST:-0}" = 1 ]; then
			for sim in ease cosine; do
				ig-funnel -@ 1 --similarity $sim --positives $P s.train.tsv.gz s.test.tsv.gz t.$sim 2>t.$sim.log
			done
			t=$(BOOT=1000 cmp_row t.cosine/feed.tsv.gz t.ease/feed.tsv.gz s.test.tsv.gz s.train.tsv.gz 20 ndcg $P)
			printf '%s\tfeed_test_ndcg20 %s\n' "$set" "$t" | tee test.tsv
		fi
	)
done

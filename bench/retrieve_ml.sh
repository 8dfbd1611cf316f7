#!/bin/sh
# Candidate recall@500 of ig-retrieve on MovieLens 100K, every rating an
# interaction (ig-eval split --positives view,like,see_less), per source and
# for the default mix, with ig-eval's itemknn top-500 from the same run.
#   sh bench/retrieve_ml.sh valid   # tune: fit -> valid, a cut inside train
#   sh bench/retrieve_ml.sh test    # report once: train -> test
# Other data sets, with an ig-ingest preset:
#   PRESET=ml-latest DATA=../shared/data/movielens-latest-small/ratings.csv.gz sh bench/retrieve_ml.sh test
#   PRESET=lastfm-artists DATA=../shared/data/lastfm-hetrec2011-2k/user_artists.dat.gz sh bench/retrieve_ml.sh test
# Needs the binaries in bin/ and ../shared/data/movielens-100k.
set -eu
part=${1:-valid}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$root/../shared/data/movielens-100k/u.data.gz}
preset=${PRESET:-ml-100k}
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/retrieve_ml.XXXXXX")}
PATH=$root/bin:$PATH
pos=view,like,see_less
cd "$work"
[ -f ml.test.tsv.gz ] || {
	ig-ingest -q -p $preset -o ml.events.tsv.gz "$data"
	ig-eval split -q --holdout 20% --valid 20% --positives $pos -o ml ml.events.tsv.gz
}
case $part in
valid) hist=ml.fit.tsv.gz truth=ml.valid.tsv.gz ;;
test) hist=ml.train.tsv.gz truth=ml.test.tsv.gz ;;
*) echo "usage: retrieve_ml.sh valid|test" >&2; exit 2 ;;
esac
[ -f $part.hnsw ] || {
ig-cooccur -q -s cosine -k 300 -o $part.nbrs.tsv.gz $hist
ig-train-w2v -q --item2vec --min-count 1 --seed 1 -@ 1 -o $part.vec.gz $hist
ig-retrieve index -q $part.vec.gz $part.hnsw
}
recall() {
	ig-eval metrics -q -t $truth --train $hist --positives $pos -k 500 --bootstrap 0 --tsv -u "$1" |
		awk -F'\t' '$1 == "recall" { print $3 }'
}
in="--neighbors $part.nbrs.tsv.gz --vectors $part.vec.gz --index $part.hnsw"
printf '%-34s %s\n' "candidates ($part)" "recall@500"
ig-eval baseline itemknn -q -n 500 --positives $pos --train $hist --users $truth -o knn.tsv.gz
printf '%-34s %s\n' "ig-eval baseline itemknn" "$(recall knn.tsv.gz)"
ig-retrieve -q $in -o mix.tsv.gz $hist
printf '%-34s %s\n' "ig-retrieve default mix" "$(recall mix.tsv.gz)"
for s in 'recent(n=50).users(200)' 'recent(n=50).cooccur(300)' 'profile(200).cooccur(300)' 'pop(cluster,500)' 'profile(50).knn(20)' 'knn(user,500)' \
	'pop(global,500)' 'trending(500)'; do
	ig-retrieve -q $in -n 500 -S "$s" -o one.tsv.gz $hist
	printf '%-34s %s\n' "$s" "$(recall one.tsv.gz)"
done
echo "work files in $work"

#!/bin/sh
# The README's recipe, as a new user runs it, on a synthetic file in the
# raw format of each public data set that ig-ingest has a preset for and
# ../shared/data lacks (bench/public_formats.py writes them: power-law
# popularity, taste communities, ties, duplicates and the odd rows of the
# real files; no real data). Per preset: ig-ingest -p, ig-eval split
# --holdout 20% with the README table's --positives and split options,
# ig-funnel, ig-eval metrics, against ig-eval baseline pop and itemknn.
# Prints one line per preset: events, users tested, the funnel's CPU
# seconds and peak MB, and NDCG@20 / recall@20 of the feed, pop and
# itemknn.
#
#   sh bench/public_recipes.sh [ROWS] [THREADS] [PRESET...]   # 60000, 1, all
# OUT=DIR the work folder [bench/out/public_recipes]; SEED [1].
# The README's Retailrocket-sized run (2.79M rows; about 35 min on the
# shared 2 cores, 1.3 GB of disk at the funnel's peak, OUT/retailrocket/
# out/summary.tsv its stages' CPU, memory and disk):
#   OUT=/tmp/rr nice -n 5 sh bench/public_recipes.sh 2700000 2 retailrocket
# peak_mb is the largest step's; the serving pipe's three steps run at
# once (their sum in summary.tsv).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-60000}
threads=${2:-1}
[ $# -lt 2 ] || shift 2
[ $# -gt 0 ] || set -- ml-1m amazon amazon-2018 book-crossing yoochoose retailrocket foursquare gowalla brightkite
make -s -C "$root" all
PATH=$root/bin:$PATH
export PATH
out=${OUT:-$root/bench/out/public_recipes}
mkdir -p "$out"
printf 'preset\tevents\ttested\tfunnel_cpu_s\tpeak_mb\tfeed ndcg/recall@20\tpop\titemknn\n'
for p in "$@"; do
	ties=
	case $p in
	ml-1m) f=ratings.dat P=view,like,see_less ;;
	amazon) f=ratings_Books.csv P=view,like,see_less ties=--shuffle-ties ;;
	amazon-2018) f=Books.csv P=view,like,see_less ties=--shuffle-ties ;;
	book-crossing) f=BX-Book-Ratings.csv P=view,like,see_less ties=--shuffle-ties ;;
	yoochoose) f=yoochoose-clicks.dat P=view ;;
	retailrocket) f=events.csv P=view,save,share ;;
	foursquare) f=dataset_TSMC2014_NYC.txt P=view ;;
	gowalla) f=loc-gowalla_totalCheckins.txt P=view ;;
	brightkite) f=loc-brightkite_totalCheckins.txt P=view ;;
	*) echo "public_recipes.sh: no preset $p" >&2; exit 2 ;;
	esac
	d=$out/$p
	rm -rf "$d"
	mkdir -p "$d"
	/usr/bin/python3 "$root/bench/public_formats.py" "$p" "$rows" "${SEED:-1}" >"$d/$f"
	pp=$p
	[ "$p" != brightkite ] || pp=gowalla
	(
		cd "$d"
		ig-ingest -q -p "$pp" -o ev.tsv.gz "$f"
		ig-eval split -q --holdout 20% --positives $P $ties -o s ev.tsv.gz
		ig-funnel -@ "$threads" --positives $P s.train.tsv.gz s.test.tsv.gz out 2>funnel.log
		ig-eval baseline pop -q --train s.train.tsv.gz --users s.test.tsv.gz --positives $P -o pop.tsv.gz
		ig-eval baseline itemknn -q --train s.train.tsv.gz --users s.test.tsv.gz --positives $P -o knn.tsv.gz
		m() {
			ig-eval metrics -q -t s.test.tsv.gz --train s.train.tsv.gz --positives $P -k 20 --table "$1" |
				awk '$1 == "ndcg" { n = $3 } $1 == "recall" { r = $3 } END { printf "%s/%s", n, r }'
		}
		ev=$(gzip -dc ev.tsv.gz | grep -vc '^#')
		tested=$(gzip -dc s.test.tsv.gz | grep -v '^#' | cut -f2 | uniq | wc -l)
		cost=$(awk -F'\t' 'NR > 1 { c += $5; if ($6 > m) m = $6 } END { printf "%.0f\t%.0f", c, m }' out/summary.tsv)
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$ev" "$tested" "$cost" "$(m out/feed.tsv.gz)" \
			"$(m pop.tsv.gz)" "$(m knn.tsv.gz)"
	)
done

#!/bin/sh
# The two-tower score in ig-funnel (ig-rank --tower: tower_score), on
# validation cuts only. Per set: the README recipe's split with a
# validation cut inside train (ig-eval split --holdout 20% --valid 20%:
# s.fit -> s.valid), ig-funnel -@ 1 --no-tower and ig-funnel -@ 1 --tower on
# s.fit for s.valid's users, NDCG@20 of the second feed minus the first's
# (ig-eval compare, 1000 bootstrap resamples) and each run's CPU seconds
# (user + system, /usr/bin/time).
#
#   sh bench/funnel_tower.sh SET...     # e.g. ml-100k lastfm diginetica
# SET: ml-100k lastfm diginetica, or PRESET of bench/public_formats.py
# (60000 rows, seed 1: yoochoose retailrocket ml-1m ...). OUT=DIR
# [/tmp/funnel_tower]; a set's cut and feed without --tower are reused.
# RANKVEC=1 runs, in place of ig-funnel --tower, a copy of it whose
# ig-rank steps take the tower's item vectors as --vectors (emb_* and
# user_dot of them, not of ig2vec's) in place of --tower: a variant tried and
# dropped (bench/events_only.md, The two-tower score). EARLYSTOP=1: a copy whose
# towers train with ig-train-tower's own early stopping (at most 50
# epochs, patience 5), in place of 10 epochs. SEED=N: the funnel's
# --seed (every step's; default 1), its runs in notower.sN and NAME.sN.
# The closed loop (seed 2, the validation world):
#   CEILINGS=0 FUNNEL="-@ 1" OUT=/tmp/cl.no sh bench/closed_loop.sh 2
#   CEILINGS=0 FUNNEL="-@ 1 --tower" OUT=/tmp/cl.tower sh bench/closed_loop.sh 2
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH
export PATH
out=${OUT:-/tmp/funnel_tower}
data=${DATA:-/work/shared/data}
mkdir -p "$out"
run="ig-funnel --tower" name=tower
# a copy of cmd/ig-funnel.sh with OLD replaced by NEW, run in place of
# ig-funnel as NAME
variant() { # NAME OLD NEW
	run="sh $out/ig-funnel-$1 --tower" name=$1
	/usr/bin/python3 - "$root/cmd/ig-funnel.sh" "$out/ig-funnel-$1" "$2" "$3" <<'PY'
import sys
s = open(sys.argv[1]).read()
assert sys.argv[3] in s, "cmd/ig-funnel.sh changed: patch bench/funnel_tower.sh"
open(sys.argv[2], 'w').write(s.replace(sys.argv[3], sys.argv[4]))
PY
}
# (ig-rank takes the last --vectors given)
[ "${RANKVEC:-0}" = 0 ] || variant rankvec '|| set -- --tower "$tower" "$@"' '|| set -- --vectors "$tower.items.vec" "$@"'
[ "${EARLYSTOP:-0}" = 0 ] || variant earlystop '--epochs 10 --patience 0' '--epochs 50 --patience 5'

cpu() { awk '{ printf "%.1f", $1 + $2 }' "$1"; }
seed=${SEED:-1} sfx=''
[ -z "${SEED:-}" ] || sfx=.s$SEED name=$name.s$SEED
for set in "$@"; do
	d=$out/$set
	mkdir -p "$d"
	ties='' P=view
	case $set in ml-*) P=view,like,see_less ;; retailrocket) P=view,save,share ;; esac
	if [ ! -f "$d/s.valid.tsv.gz" ]; then
		case $set in
		ml-100k) ig-ingest -q -p ml-100k -o "$d/ev.tsv.gz" "$data/movielens-100k/u.data.gz" ;;
		lastfm) ig-ingest -q -p lastfm-artists -o "$d/ev.tsv.gz" "$data/lastfm-hetrec2011-2k/user_artists.dat.gz"; ties=--shuffle-ties ;;
		diginetica) ig-ingest -q -p diginetica -o "$d/ev.tsv.gz" "$data/diginetica-sample/sample_train-item-views.csv" ;;
		*)
			case $set in
			ml-1m) raw=ratings.dat ;; yoochoose) raw=yoochoose-clicks.dat ;; retailrocket) raw=events.csv ;;
			amazon) raw=ratings_Books.csv ties=--shuffle-ties ;; gowalla) raw=loc-gowalla_totalCheckins.txt ;;
			*) echo "funnel_tower.sh: no set $set" >&2; exit 2 ;;
			esac
			/usr/bin/python3 "$root/bench/public_formats.py" "$set" 60000 1 >"$d/$raw"
			ig-ingest -q -p "$set" -o "$d/ev.tsv.gz" "$d/$raw"
			rm -f "$d/$raw"
			;;
		esac
		(cd "$d" && ig-eval split -q --holdout 20% --valid 20% --positives $P $ties -o s ev.tsv.gz)
	fi
	(
		cd "$d"
		no=notower$sfx
		if [ ! -f $no/feed.tsv.gz ]; then
			/usr/bin/time -f '%U %S' -o $no.time ig-funnel -@ 1 --no-tower --seed $seed --positives $P \
				s.fit.tsv.gz s.valid.tsv.gz $no 2>$no.log
		fi
		# shellcheck disable=SC2086
		/usr/bin/time -f '%U %S' -o $name.time $run -@ 1 --seed $seed --positives $P s.fit.tsv.gz s.valid.tsv.gz $name 2>$name.log
		r=$(ig-eval compare -u --tsv --bootstrap 1000 -k 20 --positives $P -t s.valid.tsv.gz --train s.fit.tsv.gz \
			$name/feed.tsv.gz $no/feed.tsv.gz 2>/dev/null |
			awk -F'\t' '$1 == "ndcg" && $2 == 20 { printf "%.4f - %.4f = %+.4f [%+.4f, %+.4f]", $3, $4, $5, $6, $7 }')
		printf '%s\t%s - no tower\tNDCG@20 %s\tCPU s %s (no tower %s)\n' "$set" "$name" "$r" "$(cpu $name.time)" "$(cpu $no.time)"
	)
done

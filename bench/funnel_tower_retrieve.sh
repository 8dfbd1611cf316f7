#!/bin/sh
# The two towers as a retrieval source of ig-funnel (ig-retrieve's tower
# source over the towers' own item vectors, --tower-vectors), on the
# validation cuts of bench/funnel_tower.sh (run it on SET first: its
# OUT/SET/s.fit.tsv.gz and s.valid.tsv.gz). Per set: ig-funnel -@ 1 as
# it is (the default: the two-tower score on, no tower source) and a copy
# of it whose retrieval steps are given the towers' vectors (the fit
# part's for the ranking examples, the whole train's for serving) and a
# --spec of the default's events-only sources plus SOURCE, both on s.fit
# for s.valid's users; NDCG@20 of the second feed minus the first's
# (ig-eval compare, 1000 bootstrap resamples) and each run's CPU seconds
# (user + system, /usr/bin/time). Tried and dropped (bench/
# events_only.md, The two-tower score).
#
#   sh bench/funnel_tower_retrieve.sh SET...   # e.g. ml-100k yoochoose
# OUT=DIR [/tmp/funnel_tower] as bench/funnel_tower.sh's; NAME [tsrc]: the
# runs' directory; SOURCE ['tower(200) weight=2 quota=200']; a set's
# default feed is reused.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH
export PATH
out=${OUT:-/tmp/funnel_tower}
name=${NAME:-tsrc}
source=${SOURCE:-tower(200) weight=2 quota=200}
mkdir -p "$out"
# the default spec's sources that run on events alone (ig-retrieve
# --print-spec without those that need --items or --follows), the tower's
# after knn
ig-retrieve --print-spec | awk -v src="tower:    $source" '
	$1 ~ /^(follow|account|poptopic|explore):$/ { next }
	{ print }
	$1 == "knn:" { print src }' >"$out/$name.spec"
/usr/bin/python3 - "$root/cmd/ig-funnel.sh" "$out/ig-funnel-$name" <<'PY'
import sys
s = open(sys.argv[1]).read()
for old, new in [
    # retrieval gets the towers' vectors
    ('--users "$3" -o "$4" "$2"',
     '${tower:+--user-vectors "$tower.users.vec" --tower-vectors "$tower.items.vec"} --users "$3" -o "$4" "$2"'),
    # and the --spec check assumes them trained, as the item vectors
    ('--index "$chk/vec.hnsw" -o /dev/null',
     '--index "$chk/vec.hnsw" --user-vectors "$chk/vec.txt" --tower-vectors "$chk/vec.txt" -o /dev/null'),
]:
    assert s.count(old) == 1, "cmd/ig-funnel.sh changed: patch bench/funnel_tower_retrieve.sh"
    s = s.replace(old, new)
open(sys.argv[2], 'w').write(s)
PY
cpu() { awk '{ printf "%.1f", $1 + $2 }' "$1"; }
for set in "$@"; do
	d=$out/$set
	[ -f "$d/s.valid.tsv.gz" ] || { echo "funnel_tower_retrieve.sh: no $d/s.valid.tsv.gz: run bench/funnel_tower.sh $set first" >&2; exit 2; }
	P=view
	case $set in ml-*) P=view,like,see_less ;; retailrocket) P=view,save,share ;; esac
	(
		cd "$d"
		if [ ! -f default/feed.tsv.gz ]; then
			/usr/bin/time -f '%U %S' -o default.time ig-funnel -@ 1 --positives $P \
				s.fit.tsv.gz s.valid.tsv.gz default 2>default.log
		fi
		/usr/bin/time -f '%U %S' -o $name.time sh "$out/ig-funnel-$name" -@ 1 --positives $P \
			--spec "$out/$name.spec" s.fit.tsv.gz s.valid.tsv.gz $name 2>$name.log
		r=$(ig-eval compare -u --tsv --bootstrap 1000 -k 20 --positives $P -t s.valid.tsv.gz --train s.fit.tsv.gz \
			$name/feed.tsv.gz default/feed.tsv.gz 2>/dev/null |
			awk -F'\t' '$1 == "ndcg" && $2 == 20 { printf "%.4f - %.4f = %+.4f [%+.4f, %+.4f]", $3, $4, $5, $6, $7 }')
		printf '%s\t%s - default\tNDCG@20 %s\tCPU s %s (default %s)\n' "$set" "$name" "$r" "$(cpu $name.time)" "$(cpu default.time)"
	)
done

#!/bin/sh
# ig-insights: events per CPU-second and peak memory on a large ig-synth
# world, against the stream reader on the same file in the same run: the
# reader alone (bench/readlines.c: lines and fields, as bench/reader.sh)
# and the events parser alone (bench/insights_read.c), the floor of any
# tool that reads events. Also Spearman's correlation of the measured
# shares per reach with the planted item quality and author popularity.
# Usage: bench/insights.sh [USERS]   (default 22000 users: about 10M events)
# BIN=DIR picks the binaries (default: the tree's bin/, built if needed).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
users=${1:-22000}
bin=${BIN:-$root/bin}
[ -n "${BIN:-}" ] || make -s -C "$root" "$bin/ig-insights" "$bin/ig-synth"
make -s -C "$root" build/libigfunnel.a
out=$root/bench/out
mkdir -p "$out"
for d in readlines insights_read; do
	cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/lib" -o "$out/$d" "$root/bench/$d.c" \
		"$root/build/libigfunnel.a" -lz -lm -lpthread
done
w=$out/insights-world-$users
if [ ! -f "$w/events.tsv.gz" ]; then
	echo "making the world ($users users, 20000 items, 7 days)..." >&2
	"$bin/ig-synth" -q --users "$users" --items 20000 --days 7 --seed 1 -l 1 \
		--streams events,items,follows,truth_items -o "$w"
fi
ls -l "$w/events.tsv.gz" >&2

# best of 3 by CPU time: prints "user+sys wall peak_kb" of "$@"
cpu() {
	b=
	for _ in 1 2 3; do
		/usr/bin/time -f '%U %S %e %M' -o "$out/insights-time" "$@" >/dev/null 2>"$out/insights-err" ||
			{ cat "$out/insights-err" >&2; exit 1; }
		t=$(awk '{ printf "%.2f %.2f %d", $1 + $2, $3, $4 }' "$out/insights-time")
		if [ -z "$b" ] || [ "$(echo "${t%% *} < ${b%% *}" | bc)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
events=$("$out/insights_read" "$w/events.tsv.gz" | cut -d' ' -f1)
echo "events: $events"
report() { # name "cpu wall kb" anchor_cpu
	set -- "$1" $2 "$3"
	printf '%-44s %6.2f s CPU %6.2f s wall %7.1f M events/CPU-s %6.1f MB peak  %5.2fx the reader'"'"'s CPU\n' \
		"$1" "$2" "$3" "$(echo "$events / $2 / 1000000" | bc -l)" "$(echo "$4 / 1024" | bc -l)" \
		"$(echo "$2 / $5" | bc -l)"
}
r=$(cpu "$out/readlines" "$w/events.tsv.gz")
report "reader (lines + fields)" "$r" "${r%% *}"
rc=${r%% *}
p=$(cpu "$out/insights_read" "$w/events.tsv.gz")
report "events parser (ig_events_next)" "$p" "$rc"
i=$(cpu "$bin/ig-insights" -q -o /dev/null "$w/events.tsv.gz")
report "ig-insights --by item" "$i" "$rc"
a=$(cpu "$bin/ig-insights" -q -o /dev/null --by item,author,topic,media \
	--items "$w/items.tsv.gz" --follows "$w/follows.tsv.gz" --window 2024-01-04,2024-01-08 "$w/events.tsv.gz")
report "ig-insights all levels, follows, window" "$a" "$rc"
"$bin/ig-insights" -q -o /dev/null --by item,author --items "$w/items.tsv.gz" \
	--follows "$w/follows.tsv.gz" --truth "$w/truth_items.tsv.gz" "$w/events.tsv.gz"

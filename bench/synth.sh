#!/bin/sh
# ig-synth: events generated per second, plain and gzip, one and two
# threads, against the reference of merely compressing the same bytes with
# `gzip -1` / `gzip -6` (how much of the time is generation).
# Usage: bench/synth.sh [USERS]   (default 22000 users: about 10M events)
# BIN=DIR picks the binaries (default: the tree's bin/, built if needed).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
users=${1:-22000}
bin=${BIN:-$root/bin}
[ -n "${BIN:-}" ] || make -s -C "$root" "$bin/ig-synth"
out=$root/bench/out
mkdir -p "$out"
world="--users $users --items 20000 --days 7 --seed 1 --stream events"

best() { # best of 3 wall-clock seconds of "$@", output to /dev/null
	b=
	for _ in 1 2 3; do
		s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}

"$bin/ig-synth" $world -u -o "$out/synth-events.tsv" 2>"$out/synth-summary.txt"
cat "$out/synth-summary.txt"
events=$(sed -n 's/.* impressions, \([0-9]*\) events.*/\1/p' "$out/synth-summary.txt")
bytes=$(wc -c <"$out/synth-events.tsv")
echo "events: $events, plain text: $bytes bytes"
rate() { echo "scale=2; $events / $1 / 1000000" | bc; }
for mode in "-u" "-l 1" "-l 6"; do
	for t in 1 2; do
		s=$(best "$bin/ig-synth" $world $mode -@ $t -q)
		echo "ig-synth $mode -@ $t: $s s, $(rate "$s") M events/s"
	done
done
for l in 1 6; do
	g=$(best sh -c "gzip -$l <'$out/synth-events.tsv'")
	s=$(best "$bin/ig-synth" $world -l $l -@ 1 -q)
	echo "reference gzip -$l of the same events: $g s, $(rate "$g") M events/s;" \
		"ig-synth -l $l -@ 1 / gzip -$l time: $(echo "scale=2; $s / $g" | bc)"
done
rm -f "$out/synth-events.tsv"

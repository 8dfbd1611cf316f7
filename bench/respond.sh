#!/bin/sh
# ig-synth respond: impressions responded to per second for a 25-item feed
# per user, one and two threads, against rebuilding the same users'
# histories alone (ig-synth writing only its small follows stream), the
# part of the work any replay of the world must do.
# Usage: bench/respond.sh [USERS]   (default 20000 users: 500000 impressions)
# BIN=DIR picks the binaries (default: the tree's bin/, built if needed).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
users=${1:-20000}
bin=${BIN:-$root/bin}
[ -n "${BIN:-}" ] || make -s -C "$root" "$bin/ig-synth"
out=$root/bench/out
mkdir -p "$out"
world="--users $users --items 100000 --days 7 --seed 1"

cpu() { # user + system CPU seconds of "$@", output to /dev/null
	/usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{ print $1 + $2 }'
}

# 25 items per user, uniformly at random (the worst case for respond's
# focus classes: items on every topic).
awk -v U="$users" 'BEGIN { OFS = "\t"; print "#ig:feed/1", "user", "rank", "item", "score", "reason", "propensity"
	s = 1
	for (u = 1; u <= U; u++) for (k = 1; k <= 25; k++) {
		s = (s * 1103515245 + 12345) % 2147483648
		printf "u%07d\t%d\ti%07d\t%d\t-\t1\n", u, k, 1 + s % 100000, 25 - k
	}
}' >"$out/respond-feed.tsv"
imp=$((users * 25))
base=$(cpu "$bin/ig-synth" $world -q -u --stream follows)
one=$(cpu "$bin/ig-synth" respond $world -q -u "$out/respond-feed.tsv")
two=$(cpu "$bin/ig-synth" respond $world -q -u -@ 2 "$out/respond-feed.tsv")
echo "histories alone: $base s CPU"
echo "respond, 1 thread: $one s CPU, $(echo "$imp / $one" | bc) impressions/s CPU, $(echo "scale=2; $one / $base" | bc)x the histories"
echo "respond, 2 threads: $two s CPU in all"

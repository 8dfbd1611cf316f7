#!/bin/sh
# The whole funnel at scale on one machine: an ig-synth world of about 100M
# events (216000 users of about 460 events each, 200000 items, 7 days) goes
# through ig-funnel. The models (split, co-occurrence, ig2vec, index) are
# learnt on all of it; the per-user steps (ranking examples, retrieve, both
# ranking stages, diversify) run for one user shard of N (--shard 0/N,
# default N 128), and their figures are extrapolated to every user by N
# (shards are independent: ig-funnel(1), tests/cli/funnel/shards).
# Prints per step: real and CPU seconds, peak memory, and for the per-user
# steps the CPU hours that all users would take; writes the same to
# bench/out/funnel_scale.tsv, with the machine's mean load average over the
# run (real time on a shared machine is inflated by the load: read the CPU
# column). Heavy: run alone, under nice.
#
#   sh bench/funnel_scale.sh [USERS] [SHARDS] [THREADS]
# BIN=DIR picks the binaries (default: the tree's bin/, built if needed);
# OUT=DIR the work folder [bench/out/scale].
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
users=${1:-216000}
shards=${2:-128}
threads=${3:-2}
bin=${BIN:-$root/bin}
[ -n "${BIN:-}" ] || make -s -C "$root" all
PATH=$bin:$PATH
export PATH
out=${OUT:-$root/bench/out/scale}
rm -rf "$out"
mkdir -p "$out"
cd "$out"
result=$root/bench/out/funnel_scale.tsv
mkdir -p "$root/bench/out"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)

# the 1-minute load average every 30 s, for the header
(while :; do cut -d' ' -f1 /proc/loadavg >>load.txt; sleep 30; done) &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT

/usr/bin/time -f '%e %U %S %M' -o synth.time \
	ig-synth --users "$users" --items 200000 --days 7 --seed 1 -@ "$threads" -l 1 -o world 2>synth.log
events=$(tail -n 1 synth.log | sed -n 's/.* impressions, \([0-9]*\) events .*/\1/p')
ig-funnel -@ "$threads" --shard "0/$shards" --items world/items.tsv.gz --follows world/follows.tsv.gz \
	--topics world/topics.tsv.gz world/events.tsv.gz world/events.tsv.gz funnel 2>funnel.log ||
	{ cat funnel.log; exit 1; }

# step, kind (below), real s, CPU s, peak MB
{
	awk -v n=1 '{ printf "ig-synth\t0\t%s\t%.2f\t%.0f\n", $1, $2 + $3, $4 / 1024 }' synth.time
	for s in split fit.cooccur fit.cooccur-authors fit.w2v fit.index fit.retrieve features \
		train-second train-first \
		all.cooccur all.cooccur-authors all.w2v all.index all.retrieve rank-first rank-second diversify; do
		# 1: per served user (scaled by N); 2: ranking examples of a
		# user sample (a deployment samples too: not scaled); 0: all events
		case $s in all.retrieve | rank-* | diversify) per=1 ;; fit.retrieve | features | train-*) per=2 ;; *) per=0 ;; esac
		# fit.retrieve runs only without impressions
		[ -f "funnel/logs/$s.log" ] || continue
		tail -n 1 "funnel/logs/$s.log" | sed -n \
			's/.*; \([0-9.]*\) s real, \([0-9.]*\) s CPU, \([0-9.]*\) MB peak$/\1 \2 \3/p' |
			awk -v s="$s" -v p="$per" '{ printf "%s\t%d\t%s\t%s\t%s\n", s, p, $1, $2, $3 }'
	done
} >steps.tsv
served=$(cut -f3 funnel/summary.tsv | sed -n 3p)
{
	printf '# commit %s; %s users, %s events; per-user steps on shard 0/%s (%s users); %s threads; load %s on %s cores\n' \
		"$commit" "$users" "$events" "$shards" "$served" "$threads" \
		"$(awk '{ s += $1 } END { printf "%.1f", NR ? s / NR : 0 }' load.txt)" "$(nproc)"
	printf 'step\tshard_real_s\tshard_cpu_s\tpeak_mb\tall_users_cpu_h\n'
	awk -F'\t' -v n="$shards" '{ h = ($2 == 1 ? $4 * n : $4) / 3600
		printf "%s\t%s\t%s\t%s\t%.2f\n", $1 ($2 == 0 ? " (all events)" : $2 == 2 ? " (sample)" : ""), $3, $4, $5, h }' steps.tsv
} >"$result"
head -n 1 "$result"
tail -n +2 "$result" | column -t -s "$(printf '\t')"

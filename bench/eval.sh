#!/bin/sh
# Benchmark of ig-eval metrics: USERS users x RECS recommendations against
# 5 test events per user, generated with awk (nothing from a dataset), both
# streams sorted by user. Then the same metrics on a sample of the users
# against a reference: scikit-learn's ndcg_score (binary and graded NDCG)
# and recall computed in numpy, user by user; and the time of both on that
# sample, with the ratio.
# Usage: bench/eval.sh [BINDIR]   (env: USERS=1000000 RECS=100 SAMPLE=3000
#        BOOT=200 PYTHON=/usr/bin/python3 TMPDIR)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=${1:-$root/bin}
eval_bin=$bindir/ig-eval
USERS=${USERS:-1000000}
RECS=${RECS:-100}
SAMPLE=${SAMPLE:-3000}
BOOT=${BOOT:-200}
PYTHON=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/igbench-eval.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "== generating $USERS users x $RECS recommendations in $work"
# Lists are distinct items base + r * step (mod a prime), scored by rank;
# test positives hit the list 30% of the time, graded by event type.
awk -v users="$USERS" -v recs="$RECS" -v cand="$work/cand.tsv" -v test="$work/test.tsv" '
BEGIN {
	srand(42)
	n = 100003
	split("like comment share save like like", types, " ")
	printf "#ig:candidates/1\tuser\titem\tsources\tscore\n" >cand
	printf "#ig:events/1\tts\tuser\titem\tevent\tvalue\n" >test
	for (u = 1; u <= users; u++) {
		user = sprintf("u%07d", u)
		base = int(rand() * n)
		step = 1 + int(rand() * (n - 1))
		for (r = 0; r < recs; r++)
			printf "%s\ti%d\t%s\t%d\n", user, (base + r * step) % n, (r % 3 ? "emb" : "cooc"), recs - r >cand
		for (e = 0; e < 5; e++) {
			if (rand() < 0.3)
				item = (base + int(rand() * recs) * step) % n
			else
				item = int(rand() * n)
			printf "%d\t%s\ti%d\t%s\t\n", 1700000000 + e, user, item, types[1 + int(rand() * 6)] >test
		}
	}
}'
ls -l "$work"/cand.tsv "$work"/test.tsv | awk '{ print $5, $NF }'

echo "== ig-eval metrics, $USERS users, no bootstrap"
"$eval_bin" metrics -t "$work/test.tsv" -k 10,20,50 --bootstrap 0 -u -o "$work/m0.tsv" "$work/cand.tsv"
echo "== ig-eval metrics, $USERS users, $BOOT bootstrap replicates"
"$eval_bin" metrics -t "$work/test.tsv" -k 10,20,50 --bootstrap "$BOOT" --table -o "$work/m1.txt" "$work/cand.tsv"
grep -e '^recall' -e '^ndcg ' "$work/m1.txt"

echo "== reference check on the first $SAMPLE users"
lim=$(printf 'u%07d' "$SAMPLE")
awk -v lim="$lim" -F'\t' 'NR == 1 || $1 <= lim' "$work/cand.tsv" >"$work/cand.s.tsv"
awk -v lim="$lim" -F'\t' 'NR == 1 || $2 <= lim' "$work/test.tsv" >"$work/test.s.tsv"
t0=$(date +%s.%N)
"$eval_bin" metrics -q -t "$work/test.s.tsv" -k 10,20,50 --bootstrap 0 -u --by-user -o "$work/by.tsv" "$work/cand.s.tsv"
t1=$(date +%s.%N)
"$PYTHON" - "$work/cand.s.tsv" "$work/test.s.tsv" "$work/by.tsv" "$t0" "$t1" <<'EOF'
import sys, time, collections
import numpy as np
from sklearn.metrics import ndcg_score

cand, test, by, t0, t1 = sys.argv[1:6]
start = time.time()
weight = {"like": 2, "comment": 2, "share": 3, "save": 3}
rel = collections.defaultdict(dict)
with open(test) as f:
    next(f)
    for line in f:
        ts, user, item, ev, val = line.rstrip("\n").split("\t")
        if ev in weight:
            rel[user][item] = max(rel[user].get(item, 0), weight[ev])
lists = collections.defaultdict(list)
with open(cand) as f:
    next(f)
    for line in f:
        user, item, src, score = line.rstrip("\n").split("\t")
        lists[user].append((float(score), item))
ref = {}
for user, r in rel.items():
    lst = [it for s, it in sorted(lists[user], key=lambda x: -x[0])]
    items = lst + [it for it in r if it not in set(lst)]
    y_bin = np.array([[1.0 if it in r else 0.0 for it in items]])
    y_grd = np.array([[float(r.get(it, 0)) for it in items]])
    # Listed items by rank; the rest below every listed item.
    y_sc = np.array([[len(lst) - i for i in range(len(lst))] + [-1e9] * (len(items) - len(lst))], dtype=float)
    row = {}
    for k in (10, 20, 50):
        row["ndcg@%d" % k] = ndcg_score(y_bin, y_sc, k=k)
        row["ndcg_graded@%d" % k] = ndcg_score(y_grd, y_sc, k=k)
        row["recall@%d" % k] = len(set(lst[:k]) & set(r)) / len(r)
    ref[user] = row
ref_time = time.time() - start
ours = {}
with open(by) as f:
    cols = None
    for line in f:
        if line.startswith("##"):
            continue
        fields = line.rstrip("\n").split("\t")
        if line.startswith("#ig:"):
            cols = fields[1:]
            continue
        ours[fields[0]] = dict(zip(cols[1:], (float(x) if x else None for x in fields[1:])))
assert set(ours) == set(ref), "users differ: %d vs %d" % (len(ours), len(ref))
worst = collections.defaultdict(float)
for user, row in ref.items():
    for m, v in row.items():
        worst[m] = max(worst[m], abs(ours[user][m] - v))
print("users compared: %d" % len(ref))
for m in sorted(worst):
    print("  %-16s max |ig-eval - reference| = %.2e" % (m, worst[m]))
ok = all(v < 1e-5 for v in worst.values())
print("agreement: %s (tolerance 1e-5; ig-eval prints 6 significant digits)" % ("yes" if ok else "NO"))
ours_time = float(t1) - float(t0)
print("time on the sample: ig-eval %.2f s, python/sklearn %.2f s, ratio %.1fx" % (ours_time, ref_time, ref_time / ours_time))
sys.exit(0 if ok else 1)
EOF

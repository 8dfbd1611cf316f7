"""Candidates against ig-synth's ground truth: for each user, the items of
high true affinity (aff >= 0.5, with aff = min(1, sum over the item's topics
of (1/|topics|) * interest / max interest), the long-term part of ig-synth's
engagement model) that the user has no event with; reports, averaged over
users, the share of the candidates that are such items and the share of such
items that are candidates.
Usage: python3 retrieve_truth.py WORLD_DIR CANDIDATES..."""
import gzip
import sys
from collections import defaultdict


def rows(path):
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            yield line.rstrip("\n").split("\t")


def main():
    world, cands = sys.argv[1], sys.argv[2:]
    topics_of = {}
    by_topic = defaultdict(list)
    for r in rows(world + "/items.tsv.gz"):
        ts = r[4].split(",") if r[4] else []
        topics_of[r[0]] = ts
        for t in ts:
            by_topic[t].append(r[0])
    interest = defaultdict(dict)
    for u, t, w in rows(world + "/truth_interests.tsv.gz"):
        interest[u][t] = float(w)
    seen = defaultdict(set)
    for r in rows(world + "/events.tsv.gz"):
        seen[r[1]].add(r[2])
    high = {}
    for u, phi in interest.items():
        top = max(phi.values())
        items = set()
        for t in phi:
            for i in by_topic[t]:
                ts = topics_of[i]
                a = min(1.0, sum(phi.get(x, 0.0) for x in ts) / len(ts) / top)
                if a >= 0.5 and i not in seen[u]:
                    items.add(i)
        high[u] = items
    for path in cands:
        got = defaultdict(set)
        for r in rows(path):
            got[r[0]].add(r[1])
        prec = rec = 0.0
        n = 0
        for u, h in high.items():
            if not h:
                continue
            c = got.get(u, set())
            n += 1
            if c:
                prec += len(c & h) / len(c)
            rec += len(c & h) / len(h)
        print("%-28s users %d  high-affinity share of candidates %.4f  of high-affinity items found %.4f"
              % (path, n, prec / n, rec / n))


main()

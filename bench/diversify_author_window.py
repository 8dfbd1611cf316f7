"""What the author window ("no author twice in 4 rows") costs, and why.

Reads a ranked stream, its test and train events and the items stream (as
bench/diversify.sh makes them) and prints, for NDCG@20 with the hits of
ig-eval metrics (test positives the user has no train event with):

1. the ranked lists' NDCG@20 and that of the window applied greedily
   (each slot the best-ranked candidate whose author is not in the 3 rows
   above: ig-diversify with every other rule off), and where the
   difference comes from: hits pushed out of the first 20, hits moved down
   within them, and the hits of the items that took their places;
2. the hit rate of a candidate by its rank and by how often the user
   engaged with its author in train: which items the window evicts;
3. on a sample of users, the expected DCG@20 of the greedy order against
   the best order a local search finds under the same window (moving any
   of the first 40 candidates to any of the first 20 rows while it helps),
   the chance of a hit being the empirical hit rate of the candidate's
   rank: how much a smarter placement of the blocked items could win.

Usage: python3 bench/diversify_author_window.py RANKED TEST TRAIN ITEMS [USERS]
(USERS: the sample of part 3 [2000]; streams plain or gzip).
"""
import gzip
import math
import random
import sys
from collections import defaultdict

POSITIVES = {"like", "comment", "share", "save"}
WINDOW = 4
CUT = 20
DISC = [1 / math.log2(r + 2) for r in range(200)]


def rows(path):
    f = gzip.open(path, "rt") if path.endswith(".gz") else open(path)
    with f:
        for line in f:
            if not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


def load(ranked, test, train, items):
    hits = defaultdict(set)
    for p in rows(test):
        if p[3] in POSITIVES:
            hits[p[1]].add(p[2])
    authors = {p[0]: p[1] for p in rows(items)}
    engaged = defaultdict(lambda: defaultdict(int))
    for p in rows(train):
        u, it = p[1], p[2]
        if u not in hits:
            continue
        hits[u].discard(it)
        if p[3] in POSITIVES:
            engaged[u][authors.get(it)] += 1
    hits = {u: s for u, s in hits.items() if s}
    lists = defaultdict(list)
    for p in rows(ranked):
        lists[p[0]].append(p[1])
    return hits, lists, authors, engaged


def greedy(lst, authors, length=25):
    out, last, taken = [], {}, [False] * len(lst)
    for k in range(length):
        pick = next((i for i, it in enumerate(lst) if not taken[i] and
                     k - last.get(authors.get(it), -WINDOW) >= WINDOW), None)
        if pick is None:
            pick = next((i for i in range(len(lst)) if not taken[i]), None)
        if pick is None:
            break
        taken[pick] = True
        last[authors.get(lst[pick])] = k
        out.append(pick)
    return out


def part1(hits, lists, authors):
    base = feed = out = moved = new = 0.0
    for u, h in hits.items():
        idcg = sum(DISC[:min(len(h), CUT)])
        lst = lists.get(u, [])
        order = [lst[i] for i in greedy(lst, authors)][:CUT]
        before = {it: r for r, it in enumerate(lst[:CUT])}
        after = {it: r for r, it in enumerate(order)}
        for it in h:
            b, a = before.get(it), after.get(it)
            base += DISC[b] / idcg if b is not None else 0
            feed += DISC[a] / idcg if a is not None else 0
            if b is not None and a is None:
                out += DISC[b] / idcg
            elif b is not None:
                moved += (DISC[b] - DISC[a]) / idcg
            elif a is not None:
                new += DISC[a] / idcg
    n = len(hits)
    print("users %d; NDCG@%d ranked %.4f, author window %.4f (%+.2f%%)"
          % (n, CUT, base / n, feed / n, 100 * (feed / base - 1)))
    print("  hits pushed out of the first %d: -%.2f%% of the ranked NDCG" % (CUT, 100 * out / base))
    print("  hits moved down within them:     -%.2f%%" % (100 * moved / base))
    print("  hits of the items let in:        +%.2f%%" % (100 * new / base))


def part2(hits, lists, authors, engaged):
    st = defaultdict(lambda: [0, 0])
    for u, h in hits.items():
        for r, it in enumerate(lists.get(u, [])[:60]):
            b = (r // 10, min(engaged[u].get(authors.get(it), 0), 3))
            st[b][0] += 1
            st[b][1] += it in h
    print("hit rate by rank and by the user's train engagements with the author (0, 1, 2, 3+):")
    for rb in range(6):
        cells = ("%5.2f%%" % (100 * st[(rb, e)][1] / st[(rb, e)][0]) if st[(rb, e)][0] else "    -"
                 for e in range(4))
        print("  ranks %2d-%2d  %s" % (10 * rb + 1, 10 * rb + 10, "  ".join(cells)))


def part3(hits, lists, authors, sample):
    h, n = [0] * 200, [0] * 200
    for u, s in hits.items():
        for r, it in enumerate(lists.get(u, [])[:200]):
            n[r] += 1
            h[r] += it in s
    p = [sum(h[max(0, r - 2):r + 3]) / max(1, sum(n[max(0, r - 2):r + 3])) for r in range(200)]

    def legal(seq, au):
        last = {}
        for k, r in enumerate(seq):
            if k - last.get(au[r], -WINDOW) < WINDOW:
                return False
            last[au[r]] = k
        return True

    def value(seq):
        return sum(p[r] * DISC[k] for k, r in enumerate(seq[:CUT]))

    users = sorted(u for u in hits if lists.get(u))
    random.Random(1).shuffle(users)
    tg = tb = 0.0
    for u in users[:sample]:
        lst = lists[u]
        au = [authors.get(it) for it in lst]
        best = greedy(lst, authors)
        g = bv = value(best)
        better = True
        while better:
            better = False
            for i in range(CUT):
                for r in range(min(len(lst), 40)):
                    s2 = [x for x in best if x != r]
                    s2.insert(i, r)
                    s2 = s2[:len(best)]
                    v = value(s2)
                    if v > bv + 1e-12 and legal(s2, au):
                        best, bv, better = s2, v, True
        tg += g
        tb += bv
    print("expected DCG@%d over %d users: greedy %.5f, best found %.5f (%+.3f%%)"
          % (CUT, min(sample, len(users)), tg, tb, 100 * (tb / tg - 1) if tg else 0))


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    hits, lists, authors, engaged = load(*sys.argv[1:5])
    part1(hits, lists, authors)
    part2(hits, lists, authors, engaged)
    part3(hits, lists, authors, int(sys.argv[5]) if len(sys.argv) == 6 else 2000)


if __name__ == "__main__":
    main()

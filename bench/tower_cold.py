"""Recall@K of retrieval lists for the items that are new in the test
period (cold items: no event of any kind in TRAIN), over the users who
have such a relevant item; and how many of the lists' entries are cold.
Lists are candidates streams or plain "user item score" lines (best
first per user, as ig-eval metrics reads them).
Usage: tower_cold.py TRAIN TEST POSITIVES K LIST..."""
import gzip
import sys


def lines(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


def main():
    train, test, positives, k = sys.argv[1:5]
    k = int(k)
    pos = set(positives.split(","))
    known = set()
    seen = {}
    for p in lines(train):
        known.add(p[2])
        seen.setdefault(p[1], set()).add(p[2])
    rel = {}
    for p in lines(test):
        if p[3] in pos and p[2] not in known:
            rel.setdefault(p[1], set()).add(p[2])
    print("%-24s %8s %8s %8s" % ("list", "users", "cold@%d" % k, "listed"))
    for path in sys.argv[5:]:
        top = {}
        for p in lines(path):
            lst = top.setdefault(p[0], [])
            if len(lst) < k and p[1] not in lst:
                lst.append(p[1])
        r = [len(rel[u] & set(top.get(u, ()))) / len(rel[u]) for u in rel]
        listed = sum(1 for u in top for i in top[u] if i not in known)
        total = sum(len(v) for v in top.values())
        print("%-24s %8d %8.4f %8.4f" % (path, len(r), sum(r) / max(len(r), 1), listed / max(total, 1)))


if __name__ == "__main__":
    main()

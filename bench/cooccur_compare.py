#!/usr/bin/python3
"""Compares two neighbors streams (#ig:neighbors/1): the same items, and for
each item the same top-K list, allowing ties: neighbours may differ only
where their scores tie (relative difference below --tol) with the last
score kept, and the scores of shared neighbours must agree within --tol.

Usage: cooccur_compare.py A.tsv[.gz] B.tsv[.gz] [--tol 1e-6]
Exit 0 when they agree, 1 when not (the first differences are printed).
"""
import gzip
import sys


def load(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    lists = {}
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line[0] == "#":
                continue
            item, nb, score, _support = line.rstrip("\n").split("\t")
            lists.setdefault(item, []).append((nb, float(score)))
    return lists


def close(x, y, tol):
    return abs(x - y) <= tol * max(abs(x), abs(y), 1e-300)


def main():
    args = sys.argv[1:]
    tol = 1e-6
    if "--tol" in args:
        i = args.index("--tol")
        tol = float(args[i + 1])
        del args[i:i + 2]
    a, b = load(args[0]), load(args[1])
    bad = []
    if set(a) != set(b):
        bad.append("items differ: %d only in A, %d only in B" % (len(set(a) - set(b)), len(set(b) - set(a))))
    ties = exact = 0
    for item in sorted(set(a) & set(b)):
        la, lb = a[item], b[item]
        if [n for n, _ in la] == [n for n, _ in lb]:
            exact += 1
        else:
            ties += 1
        if len(la) != len(lb):
            bad.append("%s: %d neighbours against %d" % (item, len(la), len(lb)))
            continue
        for (na, sa), (nb, sb) in zip(la, lb):
            if not close(sa, sb, tol):
                bad.append("%s: score %.9g (%s) against %.9g (%s)" % (item, sa, na, sb, nb))
                break
        da, db = dict(la), dict(lb)
        last = min(la[-1][1], lb[-1][1]) if la else 0
        for n in set(da) ^ set(db):
            s = da.get(n, db.get(n))
            if not close(s, last, tol):
                bad.append("%s: neighbour %s (%.9g) not tied with the last (%.9g)" % (item, n, s, last))
                break
        for n in set(da) & set(db):
            if not close(da[n], db[n], tol):
                bad.append("%s: %s scores %.9g against %.9g" % (item, n, da[n], db[n]))
                break
    print("compare: %d items, %d identical lists, %d differing only in ties, %d problems"
          % (len(set(a) | set(b)), exact, ties, len(bad)))
    for line in bad[:10]:
        print("  " + line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

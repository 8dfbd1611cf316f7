"""Exact top-K retrieval by dot product from word2vec-text user and item
vectors, leaving out the items each user has an event with in TRAIN; writes
"user item score" lines (a plain list that ig-eval metrics reads).
Usage: tower_topk.py ITEMS.vec USERS.vec TRAIN_EVENTS K OUT"""
import gzip
import sys

import numpy as np


def load_vec(path):
    with open(path) as f:
        n, d = map(int, f.readline().split())
        names, rows = [], np.zeros((n, d), dtype=np.float32)
        for i, line in enumerate(f):
            p = line.rstrip("\n").split(" ")
            names.append(p[0])
            rows[i] = np.asarray(p[1:], dtype=np.float32)
    return names, rows


def seen_items(path):
    seen = {}
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.rstrip("\n").split("\t")
            seen.setdefault(p[1], set()).add(p[2])
    return seen


def main():
    items_path, users_path, train, k, out = sys.argv[1:6]
    k = int(k)
    inames, ivec = load_vec(items_path)
    unames, uvec = load_vec(users_path)
    irow = {n: i for i, n in enumerate(inames)}
    seen = seen_items(train)
    order = sorted(range(len(unames)), key=lambda i: unames[i].encode())
    with open(out, "w") as f:
        for b in range(0, len(order), 512):
            rows = order[b:b + 512]
            s = uvec[rows] @ ivec.T
            for r, ui in enumerate(rows):
                sc = s[r]
                for it in seen.get(unames[ui], ()):
                    j = irow.get(it)
                    if j is not None:
                        sc[j] = -np.inf
                top = np.argpartition(-sc, min(k, len(sc) - 1))[:k]
                top = top[np.lexsort((top, -sc[top]))]
                for j in top:
                    if np.isfinite(sc[j]):
                        f.write("%s\t%s\t%.6g\n" % (unames[ui], inames[j], sc[j]))


if __name__ == "__main__":
    main()

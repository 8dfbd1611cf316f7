#!/usr/bin/python3
"""Reference for bench/cooccur.sh: item-item cosine top-K with scipy's
sparse X^T X, computed as `ig-cooccur --window all --score cosine` does.

X[u, i] is the largest event-type weight of user u's events on item i
(default weights of ig-cooccur: share 3, save 3, comment 2, like 2,
follow 2, view 1, others 0; events of weight 0 are dropped).
cosine(i, j) = (X^T X)[i, j] / (|X_i| |X_j|); support(i, j) = the number
of users with both.  Each item keeps its K best neighbours, best first,
ties broken by the neighbour id bytewise; items are written in bytewise
order as a neighbors stream (#ig:neighbors/1).

Usage: cooccur_scipy.py EVENTS.tsv[.gz] K OUT.tsv
"""
import gzip
import sys

import numpy as np
import scipy.sparse as sp

WEIGHTS = {"share": 3.0, "save": 3.0, "comment": 2.0, "like": 2.0,
           "follow": 2.0, "view": 1.0}


def read_events(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    users, items = {}, {}
    rows, cols, vals = [], [], []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line[0] == "#":
                continue
            f5 = line.rstrip("\n").split("\t")
            w = WEIGHTS.get(f5[3], 0.0)
            if w <= 0:
                continue
            rows.append(users.setdefault(f5[1], len(users)))
            cols.append(items.setdefault(f5[2], len(items)))
            vals.append(w)
    return users, items, np.array(rows, np.int32), np.array(cols, np.int32), np.array(vals)


def main():
    path, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    users, items, r, c, v = read_events(path)
    nu, ni = len(users), len(items)
    # Largest weight per (user, item): sort by weight, keep the last.
    order = np.lexsort((v, c, r))
    r, c, v = r[order], c[order], v[order]
    last = np.ones(len(r), bool)
    last[:-1] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, v = r[last], c[last], v[last]
    x = sp.csr_matrix((v, (r, c)), shape=(nu, ni))
    b = sp.csr_matrix((np.ones(len(v)), (r, c)), shape=(nu, ni))
    xt = x.T.tocsr()
    g = (xt @ x).tocoo()
    sup = (b.T.tocsr() @ b).tocsr()
    norm = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    keep = g.row != g.col
    gi, gj, gv = g.row[keep], g.col[keep], g.data[keep]
    score = gv / (norm[gi] * norm[gj])
    ids = np.array(sorted(items, key=lambda s: s.encode()), dtype=object)
    rank = np.empty(ni, np.int64)
    name = [None] * ni
    for s, n in items.items():
        name[n] = s
    for pos, s in enumerate(ids):
        rank[items[s]] = pos
    # Rows in bytewise order of the item, then best score, then neighbour id.
    order = np.lexsort((rank[gj], -score, rank[gi]))
    gi, gj, score = gi[order], gj[order], score[order]
    starts = np.flatnonzero(np.r_[True, gi[1:] != gi[:-1]])
    pos = np.arange(len(gi)) - np.repeat(starts, np.diff(np.r_[starts, len(gi)]))
    top = pos < k
    gi, gj, score = gi[top], gj[top], score[top]
    s = np.asarray(sup[gi, gj]).ravel().astype(np.int64)
    with open(out, "w", encoding="utf-8") as f:
        f.write("#ig:neighbors/1\titem\tneighbor\tscore\tsupport\n")
        f.writelines("%s\t%s\t%.9g\t%d\n" % (name[a], name[b], sc, n)
                     for a, b, sc, n in zip(gi.tolist(), gj.tolist(), score.tolist(), s.tolist()))


if __name__ == "__main__":
    main()

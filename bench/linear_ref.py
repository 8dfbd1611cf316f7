#!/usr/bin/python3
"""Linear item-item anchors for the events-only funnel: EASE (Steck 2019,
closed form, B = I - P diagMat(1/diag(P)), P = (X^T X + lambda I)^-1) and
RP3beta (Paudel et al. 2016: the three-step random-walk probability from
item to item, raised to alpha and divided by the popularity of the target
to the beta, each row cut to its top-k), plus plain item popularity.

X is the binary user-item matrix of TRAIN's events whose type is in
--positives. Every user of USERS (an events stream, e.g. the test or
validation part) gets its top --length items, the items it has any event
with in TRAIN excluded (as ig-eval metrics excludes them), written as a
plain list (user item score lines, users in bytewise order) that
ig-eval metrics scores exactly as it scores the funnel's feed.

usage: linear_ref.py [--positives LIST] [--length N] MODEL OUT TRAIN USERS
       linear_ref.py [--positives LIST] --neighbors K MODEL OUT TRAIN -
With --neighbors K it writes the model's item-item weights instead, the
top K positive ones of each item, as a neighbors stream (ig-formats(5)).
MODEL: ease:LAMBDA[:M] (M: the M most engaged items alone) | rp3:ALPHA:BETA[:K] | pop
Writes OUT (gzip when it ends in .gz); prints items, users and seconds
on standard error. EASE holds a dense items x items matrix (8 bytes an
entry: 1.45 GB at 13500 items); --max-items N refuses more than N."""
import gzip
import sys
import time

import numpy as np
import scipy.sparse as sp


def read_events(path):
    with gzip.open(path, "rt") if path.endswith(".gz") else open(path) as f:
        cols = f.readline().rstrip("\n").split("\t")
        if not cols[0].startswith("#ig:events/"):
            sys.exit("linear_ref.py: %s: not an events stream" % path)
        cols = cols[1:]
        iu, ii, ie = cols.index("user"), cols.index("item"), cols.index("event")
        for line in f:
            if line.startswith("#"):
                continue
            r = line.rstrip("\n").split("\t")
            yield r[iu], r[ii], r[ie]


def write_neighbors(out, W, items, X, k):
    """W's rows as a neighbors stream: the top k positive entries of the
    row of each item (the score a history item gives a candidate), support
    the users with both."""
    C = (X.T @ X).tocsr()
    order = sorted(range(len(items)), key=lambda j: items[j].encode())
    op = gzip.open(out, "wt") if out.endswith(".gz") else open(out, "w")
    op.write("#ig:neighbors/1\titem\tneighbor\tscore\tsupport\n")
    for i in order:
        w = W[i].copy()
        w[i] = 0.0
        cand = np.nonzero(w > 0)[0]
        if len(cand) == 0:
            continue
        if len(cand) > k:
            cand = cand[np.argpartition(-w[cand], k - 1)[:k]]
        cand = sorted(cand, key=lambda j: (-float("%.9g" % w[j]), items[j].encode()))
        row = C[i]
        sup = dict(zip(row.indices, row.data))
        for j in cand:
            op.write("%s\t%s\t%.9g\t%d\n" % (items[i], items[j], w[j], int(sup.get(j, 0))))
    op.close()


def main(argv):
    positives = {"view", "like", "comment", "share", "save", "follow"}
    length, max_items, nbrs = 100, 20000, 0
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--positives":
            positives = set(argv[i + 1].split(","))
            i += 2
        elif argv[i] == "--length":
            length = int(argv[i + 1])
            i += 2
        elif argv[i] == "--neighbors":
            nbrs = int(argv[i + 1])
            i += 2
        elif argv[i] == "--max-items":
            max_items = int(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 4:
        sys.exit(__doc__)
    model, out, train, users = args
    t0 = time.time()

    seen = {}
    pos = []
    item_ix = {}
    for u, it, ev in read_events(train):
        seen.setdefault(u, set()).add(it)
        if ev in positives:
            j = item_ix.setdefault(it, len(item_ix))
            pos.append((u, j))
    user_ix = {u: k for k, u in enumerate(sorted(seen))}
    items = [None] * len(item_ix)
    for it, j in item_ix.items():
        items[j] = it
    rows = np.array([user_ix[u] for u, _ in pos], dtype=np.int64)
    colj = np.array([j for _, j in pos], dtype=np.int64)
    X = sp.csr_matrix((np.ones(len(pos)), (rows, colj)), shape=(len(user_ix), len(items)))
    X.data[:] = 1.0
    X.sum_duplicates()
    X.data[:] = 1.0
    n_items = X.shape[1]
    pop = np.asarray(X.sum(axis=0)).ravel()

    kind, *par = model.split(":")
    if kind == "ease":
        if n_items > max_items:
            sys.exit("linear_ref.py: %d items: more than --max-items %d" % (n_items, max_items))
        lam = float(par[0])
        m = int(par[1]) if len(par) > 1 else n_items
        # the m most engaged items alone (ties by column): the rest get no weight
        keep = np.sort(np.argsort(-pop, kind="stable")[:m]) if m < n_items else np.arange(n_items)
        Xk = X[:, keep]
        G = (Xk.T @ Xk).toarray()
        G[np.diag_indices(len(keep))] += lam
        P = np.linalg.inv(G)
        del G
        B = P / (-np.diag(P))
        B[np.diag_indices(len(keep))] = 0.0
        if len(keep) < n_items:
            W = np.zeros((n_items, n_items))
            W[np.ix_(keep, keep)] = B
        else:
            W = B
    elif kind == "rp3":
        alpha, beta = float(par[0]), float(par[1])
        k = int(par[2]) if len(par) > 2 else 0
        du = np.asarray(X.sum(axis=1)).ravel()
        Pui = sp.diags(1.0 / np.maximum(du, 1)) @ X
        Piu = sp.diags(1.0 / np.maximum(pop, 1)) @ X.T
        W = (Piu @ Pui).toarray()
        W = np.power(W, alpha)
        W = W / np.power(np.maximum(pop, 1), beta)[None, :]
        W[np.diag_indices(n_items)] = 0.0
        if k > 0 and k < n_items:
            cut = np.argpartition(-W, k, axis=1)[:, k:]
            np.put_along_axis(W, cut, 0.0, axis=1)
    elif kind == "pop":
        W = None
    else:
        sys.exit("linear_ref.py: unknown model %s" % model)

    if nbrs > 0:
        write_neighbors(out, W, items, X, nbrs)
        print("linear_ref.py: %s: %d items, neighbors, %.1f s" % (model, n_items, time.time() - t0), file=sys.stderr)
        return
    want = sorted({u for u, _, _ in read_events(users)})
    op = gzip.open(out, "wt") if out.endswith(".gz") else open(out, "w")
    op.write("# linear_ref.py %s\n" % model)
    nlist = 0
    batch = 256
    for b in range(0, len(want), batch):
        us = want[b:b + batch]
        ix = [user_ix.get(u, -1) for u in us]
        xs = sp.vstack([X[i] if i >= 0 else sp.csr_matrix((1, n_items)) for i in ix])
        if W is None:
            S = np.tile(pop.astype(np.float64), (len(us), 1))
        else:
            S = np.asarray(xs @ W)
        for r, u in enumerate(us):
            s = S[r]
            mask = [item_ix[it] for it in seen.get(u, ()) if it in item_ix]
            s[mask] = -np.inf
            n = min(length, n_items - len(mask))
            if n <= 0:
                continue
            top = np.argpartition(-s, n - 1)[:n]
            top = top[np.lexsort((top, -s[top]))]
            for j in top:
                op.write("%s\t%s\t%.9g\n" % (u, items[j], s[j]))
            nlist += 1
    op.close()
    print("linear_ref.py: %s: %d items, %d users listed, %.1f s" % (model, n_items, nlist, time.time() - t0),
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])

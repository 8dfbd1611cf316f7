"""Full EASE (Steck 2019) as a recommender: the closed-form item-item
weights over the 0/1 user-item matrix X (users x items) of TRAIN's events
of the POSITIVES types, every item scored for every user of USERS, the
user's TRAIN items left out, the best N written as an ig candidates
stream.

  /usr/bin/python3 bench/ease_full.py LAMBDA POSITIVES TRAIN USERS OUT [N]

EASE's weights are B = I - P diag(1/diag P) with P = (X^T X + lambda I)^-1
(B's diagonal is then 0), and a user's scores are their row of X B.
EASE_FORM picks how P is reached [auto]:

  primal  P itself, the inverse of an items x items matrix: items^2
          floats (float32, for the memory) and items^3 flops, so for
          catalogues of up to some thousands of items on this machine's
          reference BLAS.
  dual    never an items x items matrix. By the push-through identity
          X P = K X with K = (X X^T + lambda I)^-1, a users x users
          inverse (float64), and diag(P)_j = (1 - x_j^T K x_j) / lambda
          for column x_j of X (Woodbury), so the scores are
          X - (K X) diag(P)^-1. Cost: users^3 flops for K, users^2
          floats, and two passes of users x (nonzeros of X) additions
          for K X (once for diag P, once more for the rows scored; X's
          sparsity is used, never a dense users x items product).
  auto    dual when X has fewer users than items, else primal.

The two give the same EASE up to rounding: bench/ease_forms.py compares
their scores and top-N lists.
"""
import gzip
import os
import sys

import numpy as np

# Gathered elements held at once by a block of rows times X (float64):
# 10M is 80 MB.
BLOCK_ELEMENTS = 10_000_000


def records(path):
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        cols = None
        for line in f:
            if line.startswith('#ig:'):
                cols = line.rstrip('\n').split('\t')[1:]
                continue
            if line.startswith('#'):
                continue
            yield dict(zip(cols, line.rstrip('\n').split('\t')))


class Interactions:
    """X as its nonzeros: users and items numbered in order of first
    appearance in TRAIN (every item numbered has at least one user)."""

    def __init__(self, train, positives):
        keep = set(positives.split(','))
        self.uid, self.iid, pairs = {}, {}, set()
        for r in records(train):
            if r['event'] in keep:
                pairs.add((self.uid.setdefault(r['user'], len(self.uid)),
                           self.iid.setdefault(r['item'], len(self.iid))))
        self.n_users, self.n_items = len(self.uid), len(self.iid)
        nz = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        self.user_of_nz, self.item_of_nz = nz[:, 0], nz[:, 1]  # sorted by user
        self.user_starts = np.searchsorted(self.user_of_nz, np.arange(self.n_users + 1))
        by_item = np.lexsort((self.user_of_nz, self.item_of_nz))
        self.user_by_item = self.user_of_nz[by_item]
        self.item_starts = np.searchsorted(self.item_of_nz[by_item], np.arange(self.n_items + 1))

    def dense_rows(self, rows, dtype):
        x = np.zeros((len(rows), self.n_items), dtype=dtype)
        for k, u in enumerate(rows):
            x[k, self.item_of_nz[self.user_starts[u]:self.user_starts[u + 1]]] = 1
        return x

    def times_x(self, m):
        """m @ X for m of shape (rows, users), from X's nonzeros: column j
        of the product is the sum of m's columns of item j's users."""
        return np.add.reduceat(m[:, self.user_by_item], self.item_starts[:-1], axis=1)

    def block(self):
        return max(1, BLOCK_ELEMENTS // max(1, len(self.user_by_item)))


def primal(x, lam):
    """EASE's B from the items x items inverse; returns rows -> scores."""
    dense = x.dense_rows(range(x.n_users), np.float32)
    g = dense.T @ dense
    del dense
    diag = np.diag_indices_from(g)
    g[diag] += lam
    p = np.linalg.inv(g)
    del g
    b = -p / np.diag(p)
    b[diag] = 0
    return lambda rows: x.dense_rows(rows, np.float32) @ b


def dual(x, lam):
    """The same scores through the users x users inverse K; returns
    rows -> scores. Never forms an items x items matrix."""
    gram = np.zeros((x.n_users, x.n_users))  # X X^T: users' items in common
    for j in range(x.n_items):
        users = x.user_by_item[x.item_starts[j]:x.item_starts[j + 1]]
        gram[np.ix_(users, users)] += 1
    gram[np.diag_indices_from(gram)] += lam
    k = np.linalg.inv(gram)
    del gram
    # x_j^T K x_j = sum over X's nonzeros (u, j) of (K X)_uj, by blocks of u
    quad = np.zeros(x.n_items)
    step = x.block()
    for r0 in range(0, x.n_users, step):
        r1 = min(r0 + step, x.n_users)
        kx = x.times_x(k[r0:r1])
        lo, hi = x.user_starts[r0], x.user_starts[r1]
        quad += np.bincount(x.item_of_nz[lo:hi], minlength=x.n_items,
                            weights=kx[x.user_of_nz[lo:hi] - r0, x.item_of_nz[lo:hi]])
    p_diag = (1 - quad) / lam

    def scores(rows):
        rows = np.asarray(rows)
        return x.dense_rows(rows, np.float64) - x.times_x(k[rows]) / p_diag
    return scores


def scorer(x, lam, form):
    if form == 'auto':
        form = 'dual' if x.n_users < x.n_items else 'primal'
    if form not in ('primal', 'dual'):
        sys.exit(f'ease_full.py: EASE_FORM {form}: primal, dual or auto')
    return form, (primal if form == 'primal' else dual)(x, lam)


def scored_blocks(x, score, wanted):
    """(users, scores) by blocks of the rows of X wanted, each user's own
    items at -inf."""
    rows = [x.uid[u] for u in wanted if u in x.uid]
    step = x.block()
    for b0 in range(0, len(rows), step):
        block = rows[b0:b0 + step]
        s = score(block)
        for k, u in enumerate(block):
            s[k, x.item_of_nz[x.user_starts[u]:x.user_starts[u + 1]]] = -np.inf
        yield block, s


def main():
    lam, positives, train, users, out = sys.argv[1:6]
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    x = Interactions(train, positives)
    wanted = sorted({r['user'] for r in records(users)})
    form, score = scorer(x, float(lam), os.environ.get('EASE_FORM', 'auto'))
    print(f'ease_full.py: {form} form, {x.n_users} users, {x.n_items} items', file=sys.stderr)
    names = list(x.uid)
    items = np.array(list(x.iid))
    with gzip.open(out, 'wt', encoding='utf-8') as o:
        o.write('#ig:candidates/1\tuser\titem\tsources\tscore\n')
        for block, s in scored_blocks(x, score, wanted):
            for k, u in enumerate(block):
                top = np.argsort(-s[k], kind='stable')[:n]
                o.writelines(f'{names[u]}\t{items[j]}\tease\t{s[k, j]:.6g}\n'
                             for j in top if np.isfinite(s[k, j]))


if __name__ == '__main__':
    main()

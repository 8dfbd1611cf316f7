"""Full EASE (Steck 2019) as a recommender: the closed-form item-item
weights over the 0/1 user-item matrix of TRAIN's events of the POSITIVES
types, every item scored for every user of USERS, the user's TRAIN items
left out, the best N written as an ig candidates stream. Dense: items^2
floats (float32), so it is for catalogues of tens of thousands of items.

  /usr/bin/python3 bench/ease_full.py LAMBDA POSITIVES TRAIN USERS OUT [N]
"""
import gzip
import sys

import numpy as np


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


def main():
    lam, positives, train, users, out = sys.argv[1:6]
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    lam = float(lam)
    keep = set(positives.split(','))
    uid, iid, pairs = {}, {}, set()
    for r in records(train):
        if r['event'] in keep:
            pairs.add((uid.setdefault(r['user'], len(uid)), iid.setdefault(r['item'], len(iid))))
    wanted = sorted({r['user'] for r in records(users)})
    x = np.zeros((len(uid), len(iid)), dtype=np.float32)
    for u, i in pairs:
        x[u, i] = 1
    g = x.T @ x
    diag = np.diag_indices_from(g)
    g[diag] += lam
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    b[diag] = 0
    items = np.array(list(iid))
    with gzip.open(out, 'wt', encoding='utf-8') as o:
        o.write('#ig:candidates/1\tuser\titem\tsources\tscore\n')
        for user in wanted:
            if user not in uid:
                continue
            row = x[uid[user]]
            s = row @ b
            s[row > 0] = -np.inf
            top = np.argsort(-s, kind='stable')[:n]
            o.writelines(f'{user}\t{items[j]}\tease\t{s[j]:.6g}\n' for j in top if np.isfinite(s[j]))


if __name__ == '__main__':
    main()

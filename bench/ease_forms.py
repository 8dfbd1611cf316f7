"""bench/ease_full.py's two forms of EASE side by side: the primal (the
items x items inverse, float32) and the dual (Woodbury, users x users,
float64) on the same TRAIN, LAMBDA and USERS. Prints the largest absolute
difference of the users' scores (own items left out) and the largest
relative to the user's largest score (where above 0), how many top-N lists are the same
item for item, and of the others how many hold the same items (order
swapped) and the largest score gap, in the dual's scores, between two
items the forms order differently (a near tie when tiny).

  /usr/bin/python3 bench/ease_forms.py LAMBDA POSITIVES TRAIN USERS [N]
"""
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit('/', 1)[0] if '/' in __file__ else '.')
import ease_full  # noqa: E402


def main():
    lam, positives, train, users = sys.argv[1:5]
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    x = ease_full.Interactions(train, positives)
    wanted = sorted({r['user'] for r in ease_full.records(users)})
    lists, scores, secs = {}, {}, {}
    for form in ('primal', 'dual'):
        start = time.process_time()
        _, score = ease_full.scorer(x, float(lam), form)
        blocks = list(ease_full.scored_blocks(x, score, wanted))
        secs[form] = time.process_time() - start
        scores[form] = np.vstack([s for _, s in blocks]).astype(np.float64)
        lists[form] = [np.argsort(-s, kind='stable')[:n] for s in scores[form]]
    p, d = scores['primal'], scores['dual']
    seen = ~np.isfinite(d)
    assert (seen == ~np.isfinite(p)).all()
    diff = np.abs(np.where(seen, 0, p) - np.where(seen, 0, d))
    top = np.where(seen, -np.inf, d).max(axis=1, keepdims=True)
    top[top <= 0] = np.nan  # a user whose every score is 0 or less: no relative difference
    same = same_set = 0
    gap = 0.0
    for k, (a, b) in enumerate(zip(lists['primal'], lists['dual'])):
        if np.array_equal(a, b):
            same += 1
            continue
        same_set += set(a) == set(b)
        at = np.flatnonzero(a != b)
        # each position where the lists part: the dual's scores of the two items there
        gap = max(gap, np.abs(d[k, a[at]] - d[k, b[at]]).max())
    users = len(lists['dual'])
    print(f'{x.n_users} users, {x.n_items} items, lambda {lam}, {users} users scored, top {n}')
    print(f'CPU s: primal {secs["primal"]:.1f}, dual {secs["dual"]:.1f}')
    print(f'max abs score difference {diff.max():.3g}, relative to the user\'s top score {np.nanmax(diff / top):.3g}')
    print(f'identical top-{n} lists {same}/{users} ({same / users:.4f}); '
          f'of the {users - same} others, {same_set} the same items reordered; '
          f'largest dual score gap between items ordered differently {gap:.3g}')


if __name__ == '__main__':
    main()

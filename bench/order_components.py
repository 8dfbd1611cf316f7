"""What the true share probability of the first stage's 150 rows per user
is made of, and how well ig-rank's features know each part
(bench/order_components.sh). Within each user (what the order depends
on): the share of the variance of the log true shares that each planted
quantity explains alone (linear, per-user means removed), the features
most correlated with it, and the variance the features explain linearly,
alone and with that quantity known exactly, and without the retrieval
scores (s_NAME, retrieval_*, n_sources), which the second stage's
examples, impressions, do not have.

The planted quantities (man/ig-synth.1): the affinity of the item's
topics under the long-term interest alone (phi = theta) and under the
last session's focus kept (phi = 0.7 theta + 0.3 e_focus, the next
session's focus with probability 0.6), item quality, the user's media
preference, author popularity, whether the user follows the author.

Usage: python3 order_components.py DIR FEATURES150
DIR is bench/closed_loop.sh's folder (its ranked1.resp and world/);
FEATURES150 the 150 rows' features (ig-rank features)."""
import collections
import sys

import numpy as np

from streams import table


def main():
    d, feat_path = sys.argv[1:3]
    rc, rr = table(d + "/ranked1.resp")
    truth = {(r[0], r[2]): float(r[rc.index("share")]) for r in rr}
    fc, fr = table(feat_path)
    first = next(i for i, c in enumerate(fc) if i > 2 and not c.startswith("y_"))
    names = fc[first:]
    keys = [(r[0], r[1]) for r in fr]
    x = np.array([[float(v) for v in r[first:]] for r in fr])
    t = np.array([truth[k] for k in keys])

    _, items = table(d + "/world/items.tsv.gz")
    media = {r[0]: r[2] for r in items}
    author = {r[0]: r[1] for r in items}
    topics = {r[0]: r[4].split(",") for r in items}
    _, ti = table(d + "/world/truth_items.tsv.gz")
    quality = {r[0]: float(r[1]) for r in ti}
    popularity = {r[0]: float(r[2]) for r in ti}
    uc, tu = table(d + "/world/truth_users.tsv.gz")
    pref = {r[0]: {m: float(r[uc.index("pref_" + m)]) for m in ("photo", "video", "reel", "carousel")} for r in tu}
    _, tt = table(d + "/world/topics.tsv.gz")
    leaves = sorted(r[0] for r in tt if r[1])
    leaf = {name: i for i, name in enumerate(leaves)}
    roots = sorted({r[1] for r in tt if r[1]})
    per_root = len(leaves) // len(roots)
    theta = collections.defaultdict(lambda: np.zeros(len(leaves)))
    for u, topic, weight in table(d + "/world/truth_interests.tsv.gz")[1]:
        theta[u][leaf[topic]] = float(weight)
    focus = {r[1]: r[4] for r in table(d + "/world/truth_impressions.tsv.gz")[1]}
    follows = {(r[0], r[1]) for r in table(d + "/world/follows.tsv.gz")[1]}

    def smooth(phi):  # ig_synth_smooth, eta 0.2
        g = phi.reshape(len(roots), per_root)
        return (0.8 * g + 0.2 * g.sum(1, keepdims=True) / per_root).reshape(-1)

    def affinity(phis, tl):  # ig_synth_affinity
        a = phis[leaf[tl[0]]] if len(tl) == 1 else (2 * phis[leaf[tl[0]]] + phis[leaf[tl[1]]]) / 3
        return min(a / phis.max(), 1.0)

    interest = {}
    for u in {k[0] for k in keys}:
        e = np.zeros(len(leaves))
        e[leaf[focus[u]]] = 1
        interest[u] = (smooth(theta[u]), smooth(0.7 * theta[u] + 0.3 * e))
    parts = {
        "affinity, long-term interest": [affinity(interest[u][0], topics[i]) for u, i in keys],
        "affinity, last focus kept": [affinity(interest[u][1], topics[i]) for u, i in keys],
        "item quality": [quality[i] for _, i in keys],
        "media preference": [pref[u][media[i]] for u, i in keys],
        "author popularity": [popularity[i] for _, i in keys],
        "follows the author": [float((u, author[i]) in follows) for u, i in keys],
    }
    rows_of = collections.defaultdict(list)
    for n, (u, _) in enumerate(keys):
        rows_of[u].append(n)
    rows_of = [np.array(v) for v in rows_of.values()]

    def demean(a):
        a = np.asarray(a, dtype=float).copy()
        for ii in rows_of:
            a[ii] -= a[ii].mean()
        return a

    y = demean(np.log(t))
    xd = np.column_stack([demean(x[:, j]) for j in range(x.shape[1])])
    live = xd.std(0) > 0

    def explained(a):
        b = np.linalg.lstsq(a, y, rcond=None)[0]
        return 1 - ((y - a @ b) ** 2).sum() / (y ** 2).sum()

    base = explained(xd[:, live])
    print("planted quantity\talone\tfeatures + it\tmost correlated features (within user)")
    for name, v in parts.items():
        v = demean(v)
        corr = sorted(((abs(np.corrcoef(xd[:, j], v)[0, 1]), names[j]) for j in np.flatnonzero(live)), reverse=True)
        print("%s\t%.3f\t%.3f\t%s" % (name, explained(v[:, None]), explained(np.column_stack([xd[:, live], v])),
                                     ", ".join("%s %.2f" % (f, r) for r, f in corr[:3])))
    print("all six\t%.3f\t%.3f\t" % (explained(np.column_stack([demean(v) for v in parts.values()])),
                                     explained(np.column_stack([xd[:, live]] + [demean(v) for v in parts.values()]))))
    print("the features alone\t\t%.3f\t" % base)
    # Impressions, the second stage's examples, have no retrieval score:
    # what the candidates' scores would add if they had.
    plain = live & np.array([not (n.startswith("s_") or n.startswith("retrieval_") or n == "n_sources")
                             for n in names])
    print("the features without the retrieval scores\t\t%.3f\t" % explained(xd[:, plain]))


if __name__ == "__main__":
    main()

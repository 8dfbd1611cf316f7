"""Where the second ranking stage loses shares when it orders the first
stage's 150 rows per user (bench/order_loss.sh). Each line: the true
expected shares of the top 25 by a score, as a share of the best 25 of
the same rows (the true values of ig-synth respond), and as a share of
the oracle's shares (times what the best 25 of the rows keep of it).

The scores: the funnel's second stage (its value and its heads); XGBoost
trained on the very impressions the second stage learns from, with their
binary labels (the second stage's task, another learner); the same with
the truth's expected shares of each impression as the label (no label
noise: what more or cleaner examples could reach); and XGBoost fitted to
the rows' own true shares, two folds by user (the most these features
can tell, whatever the examples). Then what the planted quantities the
features only estimate (item quality, the user's media preference,
author popularity) add to that ceiling: the within-user variance of the
log true shares that each explains beyond it.

Usage: python3 order_loss.py DIR RANKED150 FEATURES150 BEST_RATIO
DIR is bench/closed_loop.sh's folder; RANKED150 the first stage's rows
scored by the second stage (ig-rank score --keep 0); FEATURES150 their
features (ig-rank features); BEST_RATIO the best 25 of the 150's shares
over the oracle's."""
import collections
import sys

import numpy as np
import xgboost as xgb

from streams import table

PARAMS = dict(n_estimators=200, max_depth=4, learning_rate=0.05, subsample=0.8,
              nthread=1, random_state=1)


def main():
    d, ranked_path, feat_path, best_ratio = sys.argv[1:5]
    best_ratio = float(best_ratio)
    # the true expected shares of the 150 rows (response column 'share')
    rc, rr = table(d + "/ranked1.resp")
    truth = {(r[0], r[2]): float(r[rc.index("share")]) for r in rr}
    fc, fr = table(feat_path)
    ex_cols, ex_rows = table(d + "/funnel/work/examples.tsv.gz")
    heads = [c for c in ex_cols if c.startswith("y_")]
    feats = [c for c in ex_cols[3:] if not c.startswith("y_")]
    fi = {c: i for i, c in enumerate(fc)}
    keys = [(r[0], r[1]) for r in fr]
    x = np.array([[float(r[fi[f]]) for f in feats] for r in fr])
    t = np.array([truth[k] for k in keys])
    users = np.array([k[0] for k in keys])
    rows_of = collections.defaultdict(list)
    for i, u in enumerate(users):
        rows_of[u].append(i)
    rows_of = {u: np.array(v) for u, v in rows_of.items()}
    best = sum(np.sort(t[ii])[::-1][:25].sum() for ii in rows_of.values())

    def line(name, score):
        kept = sum(t[ii[np.argsort(-score[ii], kind="stable")][:25]].sum() for ii in rows_of.values()) / best
        print("%s\t%.3f\t%.3f" % (name, kept, kept * best_ratio), flush=True)

    print("score\tof the best 25 of the 150\tof the oracle")
    pc, pr = table(ranked_path)
    p = {(r[0], r[1]): r for r in pr}
    for col in ("score", "p_like", "p_share", "p_view"):
        line("second stage: " + ("value" if col == "score" else col),
             np.array([float(p[k][pc.index(col)]) for k in keys]))

    xe = np.array([[float(v) for v in r[3 + len(heads):]] for r in ex_rows])
    ye = {h[2:]: np.array([float(r[3 + j]) for r in ex_rows]) for j, h in enumerate(heads)}
    like = xgb.XGBClassifier(**PARAMS).fit(xe, ye["like"]).predict_proba(x)[:, 1]
    line("XGBoost on the impressions: like", like)
    share = xgb.XGBClassifier(**PARAMS).fit(xe, ye["share"]).predict_proba(x)[:, 1]
    line("XGBoost on the impressions: share", share)
    _, ti = table(d + "/world/truth_impressions.tsv.gz")
    true_imp = {(r[1], r[2], r[0]): float(r[9]) for r in ti}  # ts user item ... p_share
    y = np.log([true_imp[(r[0], r[1], r[2])] for r in ex_rows])
    line("XGBoost on the impressions: true p_share",
         xgb.XGBRegressor(**PARAMS).fit(xe, y).predict(x))
    fold = {u: i % 2 for i, u in enumerate(sorted(rows_of))}
    f = np.array([fold[u] for u in users])
    ceiling = np.zeros(len(t))
    for k in (0, 1):
        ceiling[f == k] = xgb.XGBRegressor(**PARAMS).fit(x[f != k], np.log(t[f != k])).predict(x[f == k])
    line("XGBoost on the 150's own true shares (2 folds)", ceiling)

    _, items = table(d + "/world/items.tsv.gz")
    media = {r[0]: r[2] for r in items}
    _, ti = table(d + "/world/truth_items.tsv.gz")
    qual = {r[0]: float(r[1]) for r in ti}
    pop = {r[0]: float(r[2]) for r in ti}
    uc, tu = table(d + "/world/truth_users.tsv.gz")
    pref = {r[0]: {m: float(r[uc.index("pref_" + m)]) for m in ("photo", "video", "reel", "carousel")} for r in tu}

    def demean(a):
        a = a.astype(float).copy()
        for ii in rows_of.values():
            a[ii] -= a[ii].mean()
        return a

    yd = demean(np.log(t))

    def explained(cols):
        a = np.column_stack([demean(c) for c in cols])
        b = np.linalg.lstsq(a, yd, rcond=None)[0]
        return 1 - ((yd - a @ b) ** 2).sum() / (yd ** 2).sum()

    q = np.array([qual[k[1]] for k in keys])
    z = np.array([pop[k[1]] for k in keys])
    m = np.array([pref[k[0]][media[k[1]]] for k in keys])
    base = explained([ceiling])
    print("within-user variance of log true shares explained by the ceiling\t%.3f" % base)
    for name, c in (("item quality", q), ("media preference", m), ("author popularity", z)):
        print("  + %s\t%+.3f" % (name, explained([ceiling, c]) - base))
    print("  + all three\t%+.3f" % (explained([ceiling, q, m, z]) - base))


if __name__ == "__main__":
    main()

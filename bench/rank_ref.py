#!/usr/bin/python3
"""Anchors for ig-rank on the very same exported rows: XGBoost (hist, one
binary:logistic model per head, the same depth, learning rate, L2, bins and
early stopping on the same validation users as ig-rank train) and
scikit-learn logistic regression (liblinear, standardised features), with
the same number of threads; per-head AUC on the test rows, training time,
and, when a truth_impressions stream is given, the oracle's AUC from the
true engagement probabilities of the same rows.

With --compare NAME=PREDICTIONS (ig-rank eval --predictions on TEST), the
per-head AUC difference of NAME minus each anchor, with a 95% interval from
a paired bootstrap over the test users (rows of a user are drawn together,
the same draws for every model), so that a difference of a head with few
positives can be told from noise.

usage: rank_ref.py [--compare NAME=PRED.tsv.gz] TRAIN.tsv.gz TEST.tsv.gz THREADS [TRUTH.tsv.gz]
Prints TSV lines: head  model  auc  train_seconds  [train_cpu_seconds];
with --compare also: head  NAME-MODEL  difference  low  high."""
import gzip
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

MASK = (1 << 64) - 1


def fnv1a(s):
    h = 14695981039346656037
    for b in s.encode():
        h = ((h ^ b) * 1099511628211) & MASK
    return h


def is_valid_user(user, seed=1, share=0.2):
    """ig-rank train's validation users (ig_rank_train.c, split_rows)."""
    z = ((fnv1a(user) ^ ((seed * 0x9E3779B97F4A7C15) & MASK)) * 0xBF58476D1CE4E5B9) & MASK
    return (z >> 20) % 1000000 < int(share * 1000000)


def load(path):
    with gzip.open(path, "rt") as f:
        cols = f.readline().rstrip("\n").split("\t")[1:]
        rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    ny = sum(c.startswith("y_") for c in cols)
    keys = [(r[0], r[1], r[2]) for r in rows]
    y = np.array([[float(v) for v in r[3:3 + ny]] for r in rows], dtype=np.float32)
    x = np.array([[float(v) for v in r[3 + ny:]] for r in rows], dtype=np.float32)
    return [c[2:] for c in cols[3:3 + ny]], keys, y, x


def oracle(path, keys):
    truth = {}
    with gzip.open(path, "rt") as f:
        cols = f.readline().rstrip("\n").split("\t")[1:]
        for line in f:
            if line.startswith("#"):
                continue
            r = line.rstrip("\n").split("\t")
            truth[(r[1], r[2], r[0])] = r
    idx = {c: i for i, c in enumerate(cols)}
    return idx, [truth.get(k) for k in keys]


BOOTSTRAP = 500


def load_predictions(path):
    with gzip.open(path, "rt") if path.endswith(".gz") else open(path) as f:
        cols = f.readline().rstrip("\n").split("\t")[1:]
        rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    p = np.array([[float(v) for v in r[1:]] for r in rows])
    return {c[2:]: p[:, i] for i, c in enumerate(cols[1:])}


def auc_groups(score, y):
    """The tie groups of SCORE (ascending) and the AUC of weights W over
    them: pairs with equal scores count a half."""
    _, group = np.unique(score, return_inverse=True)
    ngroup = group.max() + 1
    pos = y >= 0.5

    def auc(w):
        wp = np.bincount(group, weights=w * pos, minlength=ngroup)
        wn = np.bincount(group, weights=w * ~pos, minlength=ngroup)
        below = np.cumsum(wn) - wn
        tp, tn = wp.sum(), wn.sum()
        return (wp * (below + 0.5 * wn)).sum() / (tp * tn) if tp > 0 and tn > 0 else np.nan
    return auc


def paired_bootstrap(users, y, ours, theirs, seed=1):
    """Difference of AUC (OURS - THEIRS) and its 95% interval over
    BOOTSTRAP draws of the users."""
    _, uid = np.unique(users, return_inverse=True)
    nu = uid.max() + 1
    a, b = auc_groups(ours, y), auc_groups(theirs, y)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(BOOTSTRAP):
        w = np.bincount(rng.integers(0, nu, nu), minlength=nu)[uid].astype(float)
        diffs.append(a(w) - b(w))
    one = np.ones(len(y))
    lo, hi = np.nanpercentile(diffs, [2.5, 97.5])
    return a(one) - b(one), lo, hi


def main():
    compare = None
    if len(sys.argv) > 2 and sys.argv[1] == "--compare":
        compare = sys.argv[2].split("=", 1)
        del sys.argv[1:3]
    train, test, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    heads, tkeys, ytr, xtr = load(train)
    _, keys, yte, xte = load(test)
    valid = np.array([is_valid_user(k[0]) for k in tkeys])
    truth = oracle(sys.argv[4], keys) if len(sys.argv) > 4 else None
    scaler = StandardScaler().fit(xtr[~valid])
    ours = load_predictions(compare[1]) if compare else None
    users = np.array([k[0] for k in keys])
    for h, name in enumerate(heads):
        y = yte[:, h]
        if y.min() == y.max() or ytr[~valid, h].min() == ytr[~valid, h].max():
            print(f"{name}\t-\t\t\tone class")
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        model = xgb.XGBClassifier(tree_method="hist", n_estimators=300, max_depth=6, learning_rate=0.1,
                                  reg_lambda=1.0, min_child_weight=1.0, max_bin=64, n_jobs=threads,
                                  early_stopping_rounds=20, eval_metric="logloss")
        model.fit(xtr[~valid], ytr[~valid, h], eval_set=[(xtr[valid], ytr[valid, h])], verbose=False)
        t_xgb, c_xgb = time.perf_counter() - t0, time.process_time() - c0
        p_xgb = model.predict_proba(xte)[:, 1]
        auc = roc_auc_score(y, p_xgb)
        print(f"{name}\txgboost\t{auc:.4f}\t{t_xgb:.2f}\t{c_xgb:.2f}")
        t0 = time.perf_counter()
        lr = LogisticRegression(solver="liblinear", C=1.0, max_iter=200)
        lr.fit(scaler.transform(xtr[~valid]), ytr[~valid, h])
        t_lr = time.perf_counter() - t0
        p_lr = lr.predict_proba(scaler.transform(xte))[:, 1]
        auc = roc_auc_score(y, p_lr)
        print(f"{name}\tlogistic\t{auc:.4f}\t{t_lr:.2f}")
        if ours is not None and name in ours:
            for anchor, p in (("xgboost", p_xgb), ("logistic", p_lr)):
                d, lo, hi = paired_bootstrap(users, y, ours[name], p)
                print(f"{name}\t{compare[0]}-{anchor}\t{d:+.4f}\t{lo:+.4f}\t{hi:+.4f}")
        if truth is not None:
            idx, rows = truth
            col = idx.get("p_" + name)
            have = [i for i, r in enumerate(rows) if r is not None]
            if col is not None and len(have) == len(rows):
                p = np.array([float(rows[i][col]) for i in have])
                print(f"{name}\toracle\t{roc_auc_score(y[have], p):.4f}\t")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""What one would otherwise write: MMR reranking in numpy, user by user.

Reads the items stream, word2vec text vectors and a ranked stream (as
bench/diversify_speed.sh makes them) and, for each user, takes the best
--length of the candidates by lambda * relevance - (1 - lambda) * max
cosine to the items placed, with no author twice in --author-window rows
and an epsilon share of slots drawn from the candidates. Relevance is the
min-max scaled score, as in ig-diversify. Prints users and seconds.
"""
import sys
import time

import numpy as np


def load_items(path):
    author = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.rstrip("\n").split("\t")
            author[p[0]] = p[1]
    return author


def load_vectors(path):
    with open(path) as f:
        n, dim = map(int, f.readline().split())
        names = []
        mat = np.zeros((n, dim), dtype=np.float32)
        for i, line in enumerate(f):
            p = line.split()
            names.append(p[0])
            mat[i] = np.asarray(p[1:], dtype=np.float32)
    mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    return {name: i for i, name in enumerate(names)}, mat


def rerank(items, scores, authors, vec, length, lam, window, eps, rng):
    n = len(items)
    s = np.asarray(scores)
    rel = (s - s.min()) / (s.max() - s.min()) if s.max() > s.min() else np.ones(n)
    maxsim = np.zeros(n)
    taken = np.zeros(n, dtype=bool)
    feed = []
    for k in range(min(length, n)):
        recent = set(authors[j] for j in feed[-(window - 1):]) if window > 1 else set()
        allowed = ~taken & np.array([a not in recent for a in authors])
        if not allowed.any():
            allowed = ~taken
        value = np.where(allowed, lam * rel - (1 - lam) * maxsim, -np.inf)
        pick = int(np.argmax(value))
        if eps > 0 and rng.random() < eps:
            pick = int(rng.choice(np.flatnonzero(allowed)))
        feed.append(pick)
        taken[pick] = True
        maxsim = np.maximum(maxsim, vec @ vec[pick])
    return [items[j] for j in feed]


def main():
    items_path, vec_path, ranked_path = sys.argv[1:4]
    max_users = int(sys.argv[4]) if len(sys.argv) > 4 else 10**9
    author = load_items(items_path)
    row, mat = load_vectors(vec_path)
    rng = np.random.default_rng(1)
    users = 0
    t0 = time.process_time()
    work = 0.0
    cur, items, scores = None, [], []

    def flush():
        nonlocal work
        t = time.process_time()
        vec = mat[[row[i] for i in items]]
        rerank(items, scores, [author[i] for i in items], vec, 25, 0.9, 4, 0.02, rng)
        work += time.process_time() - t

    with open(ranked_path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.rstrip("\n").split("\t")
            if p[0] != cur:
                if cur is not None:
                    flush()
                    users += 1
                    if users >= max_users:
                        cur = None
                        break
                cur, items, scores = p[0], [], []
            items.append(p[1])
            scores.append(float(p[2]))
    if cur is not None:
        flush()
        users += 1
    total = time.process_time() - t0
    print(f"{users} {total:.3f} {work:.3f}")


if __name__ == "__main__":
    main()

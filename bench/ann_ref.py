#!/usr/bin/python3
"""Helpers for bench/ann.sh.

  ann_ref.py gen N DIM CLUSTERS SEED OUT        clustered unit vectors (word2vec binary)
  ann_ref.py split VECTORS NQ SEED BASE QUERIES  hold out NQ rows as queries
  ann_ref.py truth BASE QUERIES K OUT.npy        exact top K by inner product (numpy)
  ann_ref.py recall TRUTH.npy QUERIES NEIGHBORS K BASE   "RECALL TOLERANT" of a neighbors stream
  ann_ref.py table RESULTS                     the table of bench/ann.sh
  ann_ref.py run LIB BASE QUERIES TRUTH.npy K M EFC THREADS EF,EF,... [REPEAT]
        build with hnswlib or faiss (IndexHNSWFlat, inner product), then
        for each ef: "ef recall qps cpu tolerant"; first line "build SECONDS"
Vectors are unit length, so inner product is cosine for every library.

Two recalls@K: by id, the share of the exact top K returned; and
tolerant, the share of the K returned whose exact similarity is at least
the K-th exact similarity less TOLERANCE (1e-6), so that items tied with
the K-th to float rounding count as found. "Exact" is float64 arithmetic
on the stored float32 vectors: numpy's float32 top 50, rescored in float64.
"""
import gzip, math, sys, time
import numpy as np


def write_w2v(path, names, x):
    with open(path, "wb") as f:
        f.write(b"%d %d\n" % x.shape)
        x = np.ascontiguousarray(x, dtype="<f4")
        for i, n in enumerate(names):
            f.write(n.encode() + b" " + x[i].tobytes() + b"\n")


def read_w2v(path):
    """word2vec binary, as bench/ann.sh writes and ig-train-w2v --binary does."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    n, d = map(int, data[:nl].split())
    pos = nl + 1
    names = []
    x = np.empty((n, d), dtype=np.float32)
    for i in range(n):
        sp = data.index(b" ", pos)
        names.append(data[pos:sp].decode())
        x[i] = np.frombuffer(data, dtype="<f4", count=d, offset=sp + 1)
        pos = sp + 1 + 4 * d
        if data[pos : pos + 1] == b"\n":
            pos += 1
    return names, x


def status_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def gen(n, d, clusters, seed, out):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d)).astype(np.float32)
    which = rng.integers(0, clusters, n)
    x = centres[which] + 0.35 * rng.standard_normal((n, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    write_w2v(out, ["v%d" % i for i in range(n)], x)


def split(path, nq, seed, base, queries):
    names, x = read_w2v(path)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(names))
    q, b = np.sort(perm[:nq]), np.sort(perm[nq:])
    write_w2v(base, [names[i] for i in b], x[b])
    write_w2v(queries, ["q_" + names[i] for i in q], x[q])


TOLERANCE = 1e-6
RESCORE = 50


def truth(base, queries, k, out):
    """OUT: the exact top K ids of each query; OUT less .npy + .kth.npy:
    the K-th exact similarity."""
    _, b = read_w2v(base)
    _, q = read_w2v(queries)
    res = np.empty((len(q), k), dtype=np.int64)
    kth = np.empty(len(q))
    r = max(RESCORE, k + 1)
    for s in range(0, len(q), 1000):
        sims = q[s : s + 1000] @ b.T
        part = np.argpartition(-sims, r, axis=1)[:, :r]
        for i in range(len(part)):
            exact = b[part[i]].astype(np.float64) @ q[s + i].astype(np.float64)
            order = np.argsort(-exact, kind="stable")[:k]
            res[s + i] = part[i][order]
            kth[s + i] = exact[order[-1]]
    np.save(out, res)
    np.save(out[:-4] + ".kth.npy", kth)


def recall_of(found, t, k):
    hit = 0
    for i in range(len(t)):
        hit += len(set(found[i][:k]) & set(t[i][:k]))
    return hit / (len(t) * k)


def tolerant_of(found, kth, b, q, k):
    """Share of the K returned within TOLERANCE of the K-th exact similarity."""
    hit = 0
    for i in range(len(kth)):
        ids = np.asarray(found[i][:k], dtype=np.int64)
        ids = ids[ids >= 0]
        if len(ids):
            exact = b[ids].astype(np.float64) @ q[i].astype(np.float64)
            hit += int((exact >= kth[i] - TOLERANCE).sum())
    return hit / (len(kth) * k)


def load_truth(path):
    return np.load(path), np.load(path[:-4] + ".kth.npy")


def read_found(queries, neighbors):
    """The neighbours of each query, in QUERIES' order, from a neighbors stream."""
    qnames, _ = read_w2v(queries)
    qi = {n: i for i, n in enumerate(qnames)}
    found = [[] for _ in qnames]
    op = gzip.open if neighbors.endswith(".gz") else open
    with op(neighbors, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            a, b = line.split("\t")[:2]
            found[qi[a]].append(b)
    return found


def run(lib, base, queries, truth_path, k, m, efc, threads, efs, repeat=1):
    _, b = read_w2v(base)
    _, q = read_w2v(queries)
    t, kth = load_truth(truth_path)
    if lib == "hnswlib":
        import hnswlib
    else:
        import faiss
    rss0 = status_mb("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    if lib == "hnswlib":
        idx = hnswlib.Index(space="ip", dim=b.shape[1])
        idx.init_index(max_elements=len(b), M=m, ef_construction=efc, random_seed=1)
        idx.set_num_threads(threads)
        idx.add_items(b, np.arange(len(b)), num_threads=threads)
    else:
        faiss.omp_set_num_threads(threads)
        idx = faiss.IndexHNSWFlat(b.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        idx.hnsw.efConstruction = efc
        idx.add(b)
    print("build %.3f %.3f %.1f %.1f" % (time.perf_counter() - t0, time.process_time() - c0, rss0,
          status_mb("VmHWM")), flush=True)
    for ef in efs:
        best = None
        for _ in range(repeat):  # the least CPU time counts, as for ig-retrieve
            t0, c0 = time.perf_counter(), time.process_time()
            if lib == "hnswlib":
                idx.set_ef(max(ef, k))
                labels, _ = idx.knn_query(q, k=k, num_threads=threads)
            else:
                idx.hnsw.efSearch = max(ef, k)
                _, labels = idx.search(q, k)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            if best is None or dc < best[1]:
                best = (dt, dc)
        dt, dc = best
        print("%d %.4f %.0f %.4f %.4f" % (ef, recall_of(labels, t, k), len(q) / dt, dc,
              tolerant_of(labels, kth, b, q, k)), flush=True)


def qps_at(points, target):
    """QPS where recall first reaches TARGET along increasing ef, with
    log(QPS) interpolated linearly in recall between the two ef around it."""
    points = sorted(points)
    prev = None
    for ef, rec, qps in points:
        if rec >= target:
            if prev is None or prev[1] >= rec:
                return qps
            f = (target - prev[1]) / (rec - prev[1])
            return math.exp(math.log(prev[2]) + f * (math.log(qps) - math.log(prev[2])))
        prev = (ef, rec, qps)
    return None


def table(path):
    """RESULTS lines: "build LIB T WALL CPU MB PEAK_MB" and
    "point LIB T EF RECALL WALL_QPS CPU_QPS TOLERANT"."""
    build, points, tol, wall = {}, {}, {}, {}
    for line in open(path):
        f = line.split()
        if f[0] == "build":
            build[(f[1], f[2])] = tuple(float(x) for x in f[3:7])
        elif f[0] == "point":
            points.setdefault((f[1], f[2]), []).append((int(f[3]), float(f[4]), float(f[6])))
            tol.setdefault((f[1], f[2]), []).append((int(f[3]), float(f[7]), float(f[6])))
            wall.setdefault((f[1], f[2]), []).append((int(f[3]), float(f[4]), float(f[5])))
    libs = ["ig-retrieve", "ig-portable", "hnswlib", "faiss"]
    threads = sorted({t for _, t in build}, key=int)
    print("%-12s %2s %8s %8s %8s %8s %9s %9s %6s %6s %9s %9s %6s %6s %6s" % ("library", "-@", "build s",
          "CPU s", "build MB", "peak MB", "QPS@0.95", "QPS@0.99", "x0.95", "x0.99", "tQPS@.95", "tQPS@.99",
          "tx0.95", "tx0.99", "xbuild"))
    fmt = lambda q: "%9.0f" % q if q else "%9s" % "-"
    ratio = lambda q, r: "%6.2f" % (q / r) if q and r else "%6s" % "-"
    for t in threads:
        ref, rtol = points.get(("hnswlib", t), []), tol.get(("hnswlib", t), [])
        r95, r99 = qps_at(ref, 0.95), qps_at(ref, 0.99)
        s95, s99 = qps_at(rtol, 0.95), qps_at(rtol, 0.99)
        rb = build.get(("hnswlib", t), (0, 0, 0, 0))[1]
        for lib in libs:
            if (lib, t) not in build:
                continue
            b = build[(lib, t)]
            p, pt = points.get((lib, t), []), tol.get((lib, t), [])
            q95, q99 = qps_at(p, 0.95), qps_at(p, 0.99)
            u95, u99 = qps_at(pt, 0.95), qps_at(pt, 0.99)
            print("%-12s %2s %8.2f %8.2f %8.1f %8.1f %s %s %s %s %s %s %s %s %s" % (lib, t, b[0], b[1], b[2], b[3],
                  fmt(q95), fmt(q99), ratio(q95, r95), ratio(q99, r99), fmt(u95), fmt(u99), ratio(u95, s95),
                  ratio(u99, s99), ratio(b[1], rb)))
    print("QPS: queries per CPU-second x threads (the machine is shared: CPU time is steadier than the")
    print("wall) at recall@10 by id; tQPS at the tolerant recall@10 (a returned item counts if its exact")
    print("similarity >= the 10th exact similarity - %g); x, tx: ratio to hnswlib at the same recall and" % TOLERANCE)
    print("threads (xbuild: build CPU seconds); build MB: peak resident memory during the build less the")
    print("memory before it (the vectors)")
    for key in sorted(points):
        print("  %s -@%s ef:recall:tolerant:QPS(CPU):QPS(wall) %s" % (key[0], key[1], " ".join(
            "%d:%.4f:%.4f:%.0f:%.0f" % (p[0], p[1], u[1], p[2], w[2])
            for p, u, w in zip(sorted(points[key]), sorted(tol[key]), sorted(wall[key])))))


def main():
    a = sys.argv[1:]
    if a[0] == "gen":
        gen(int(a[1]), int(a[2]), int(a[3]), int(a[4]), a[5])
    elif a[0] == "split":
        split(a[1], int(a[2]), int(a[3]), a[4], a[5])
    elif a[0] == "truth":
        truth(a[1], a[2], int(a[3]), a[4])
    elif a[0] == "recall":
        t, kth = load_truth(a[1])
        bnames, b = read_w2v(a[5])
        _, q = read_w2v(a[2])
        found = read_found(a[2], a[3])
        bi = {n: i for i, n in enumerate(bnames)}
        ids = [[bi[x] for x in f] for f in found]
        print("%.4f %.4f" % (recall_of(ids, t, int(a[4])), tolerant_of(ids, kth, b, q, int(a[4]))))
    elif a[0] == "table":
        table(a[1])
    elif a[0] == "run":
        run(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]), int(a[7]), int(a[8]),
            [int(e) for e in a[9].split(",")], int(a[10]) if len(a) > 10 else 1)


if __name__ == "__main__":
    main()

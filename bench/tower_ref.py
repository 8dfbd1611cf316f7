"""The PyTorch anchor of bench/tower.sh: a two-tower model of the same shape
as ig-train-tower's, trained on the same examples the same way.

Same inputs (events weighted by type, repeats of the item just before
folded; items, follows, topics), the same feature bags (long- and
short-term history, followed authors, topic and media affinity, activity;
item id, author, topics with their ancestors, media, age), the same MLPs,
in-batch sampled softmax with the logQ correction, temperature, Adagrad,
id dropout (of items with features besides their id), batch size and
threads; as ig-train-tower by default, the items a user engaged with
before an example by more than a view are no negatives of it
(--seen-negatives: they are); --uniform-negatives N adds N items a batch
drawn uniformly from those with examples, each at one of its examples,
with the mixed logQ correction (ig-train-tower's option of that name). With --patience N, the early stopping of ig-train-tower's
--patience, as its lib/tower/ig_tower_train.c and ig_tower_holdout.c do
it: the last engagement of every so many users with two or more (of at
most 1000, in file order) is held out of training and of the logQ counts;
after each epoch every catalog item the user had not engaged with,
created by then, is ranked for each of them as they were just before it,
and the epoch's score is the share of held-out items among the first
100 (a tenth of a catalog under 1000); training stops N epochs after the
best score (the first of equals) and keeps that epoch's parameters.
Without it (--patience 0, the default), a fixed number of epochs on every
engagement. With --average X, as ig-train-tower's --average: what
is scored and kept is the parameters' moving average, over the steps so
far until there are X epochs' steps, then with weight 1/(X epochs'
steps) a step. Ids are looked up in
vocabularies rather than hashed (no collisions: if anything an advantage).
Writes PREFIX.items.vec and PREFIX.users.vec and prints the training time.

Usage: tower_ref.py [options] -o PREFIX EVENTS  (see --help)"""
import argparse
import gzip
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

EVENT_WEIGHTS = {"share": 3, "save": 3, "comment": 2, "like": 2, "follow": 2, "view": 1}
MEDIA = {"photo": 0, "video": 1, "reel": 2, "carousel": 3}


def rows(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            yield line.rstrip("\n").split("\t")


class Data:
    def __init__(self, a):
        w = dict(EVENT_WEIGHTS)
        for kv in filter(None, a.weights.split(",")):
            k, v = kv.split("=")
            w[k] = float(v)
        self.view_weight = w["view"]
        self.item_ix, self.items = {}, []
        self.users, self.hist = [], []  # hist: (item, ts, weight) lists
        cur, h = None, None
        self.last_ts = -1
        for p in rows(a.events):
            ts, user, item, ev = int(p[0]), p[1], p[2], p[3]
            wt = w.get(ev, 0)
            if wt == 0 or (ev == "view" and p[4] != "" and float(p[4]) < a.min_view):
                continue
            if user != cur:
                cur, h = user, []
                self.users.append(user)
                self.hist.append(h)
            i = self.item(item)
            if h and h[-1][0] == i:
                if wt > h[-1][2]:
                    h[-1] = (h[-1][0], h[-1][1], wt)
                continue
            h.append((i, ts, wt))
            self.last_ts = max(self.last_ts, ts)
        self.ntrained = len(self.items)
        self.side(a)

    def item(self, name):
        i = self.item_ix.get(name)
        if i is None:
            i = self.item_ix[name] = len(self.items)
            self.items.append(name)
        return i

    def side(self, a):
        meta, parent = {}, {}
        if a.items:
            for p in rows(a.items):
                meta[p[0]] = (p[1], MEDIA[p[2]], int(p[3]) if p[3] else -1, [t for t in p[4].split(",") if t])
                self.item(p[0])
        if a.topics:
            for p in rows(a.topics):
                parent[p[0]] = p[1] or None
        follows = {}
        if a.follows:
            for p in rows(a.follows):
                follows.setdefault(p[0], []).append((p[1], int(p[2]) if p[2] else -1))
        # the trained authors and topics: those of trained items, and followed authors
        self.author_ix, self.topic_ix = {}, {}

        def path(t):
            out = []
            while t is not None and len(out) < 64:
                out.append(t)
                t = parent.get(t)
            return out

        for name in self.items[:self.ntrained]:
            m = meta.get(name)
            if m:
                self.author_ix.setdefault(m[0], len(self.author_ix))
                for t in m[3]:
                    for x in path(t):
                        self.topic_ix.setdefault(x, len(self.topic_ix))
        self.follows = []
        for u in self.users:
            f = follows.get(u, [])[-a.max_follows:] if a.max_follows else []
            for au, _ in f:
                self.author_ix.setdefault(au, len(self.author_ix))
            self.follows.append([(self.author_ix[au], ts) for au, ts in f])
        n = len(self.items)
        self.id_row = np.array([i if i < self.ntrained else -1 for i in range(n)])
        self.author_row = np.full(n, -1)
        self.media = np.full(n, -1)
        self.created = np.full(n, -1, dtype=np.int64)
        self.topic_rows = [[] for _ in range(n)]
        for i, name in enumerate(self.items):
            m = meta.get(name)
            if not m:
                continue
            self.author_row[i] = self.author_ix.get(m[0], -1)
            self.media[i] = m[1]
            self.created[i] = m[2]
            seen = []
            for t in m[3]:
                for x in path(t):
                    r = self.topic_ix.get(x)
                    if r is not None and r not in seen:
                        seen.append(r)
            self.topic_rows[i] = seen
        # only an item with features besides its id has its id hidden
        self.droppable = np.array([self.author_row[i] >= 0 or self.topic_rows[i] != [] or self.media[i] >= 0
                                   or self.created[i] >= 0 for i in range(n)])
        self.flatten()

    def flatten(self):
        """Histories, follows (latest first) and topics as flat arrays with
        each user's or item's start, for the vectorised bags."""
        self.hist_start = np.concatenate(([0], np.cumsum([len(h) for h in self.hist]))).astype(np.int64)
        self.hist_item = np.array([i for h in self.hist for i, _, _ in h], dtype=np.int64)
        self.hist_ts = np.array([ts for h in self.hist for _, ts, _ in h], dtype=np.int64)
        self.hist_w = np.array([w for h in self.hist for _, _, w in h], dtype=np.float64)
        self.follow_start = np.concatenate(([0], np.cumsum([len(f) for f in self.follows]))).astype(np.int64)
        self.follow_row = np.array([r for f in self.follows for r, _ in reversed(f)], dtype=np.int64)
        self.follow_ts = np.array([ts for f in self.follows for _, ts in reversed(f)], dtype=np.int64)
        self.topic_start = np.concatenate(([0], np.cumsum([len(t) for t in self.topic_rows]))).astype(np.int64)
        self.topic_flat = np.array([r for t in self.topic_rows for r in t], dtype=np.int64)


class Bags:
    """Segments of many examples, each a CSR of (row, weight)."""

    def __init__(self, segs):
        # segs: one (rows, weights, lengths) a segment, of every example
        self.r = [np.asarray(r, dtype=np.int64) for r, _, _ in segs]
        self.w = [np.asarray(w, dtype=np.float32) for _, w, _ in segs]
        self.start = [np.concatenate(([0], np.cumsum(ln))).astype(np.int64) for _, _, ln in segs]

    def batch(self, s, idx):
        st, ln = self.start[s][idx], self.start[s][idx + 1] - self.start[s][idx]
        offs = np.concatenate(([0], np.cumsum(ln)[:-1]))
        flat = np.repeat(st - offs, ln) + np.arange(ln.sum())
        return (torch.from_numpy(self.r[s][flat]), torch.from_numpy(offs),
                torch.from_numpy(self.w[s][flat]))


def log2_buckets(x, buckets):
    """Each x (>= 1) halved while at least 2, at most buckets - 1 times: how many
    times (floor(log2 x), exactly, from the float's exponent)."""
    return np.minimum(np.frexp(np.asarray(x, dtype=np.float64))[1] - 1, buckets - 1)


def spans(lo, hi):
    """The concatenated ranges [lo, hi) and the segment of each of their indices."""
    ln = hi - lo
    offs = np.cumsum(ln) - ln
    flat = np.repeat(lo - offs, ln) + np.arange(ln.sum())
    return flat, np.repeat(np.arange(len(ln)), ln)


def sequential_sums(v, seg, n):
    """Each segment's sum of v, added left to right as Python's sum() does
    (segments in order, their entries contiguous), so that the weights
    normalised by it are those of the per-example loops this replaces."""
    out = np.zeros(n)
    if len(v) == 0:
        return out
    first = np.searchsorted(seg, seg)  # the index of each entry's segment's first entry
    pos = np.arange(len(v)) - first
    order = np.argsort(pos, kind="stable")
    at = 0
    for c in np.bincount(pos):
        sl = order[at:at + c]
        out[seg[sl]] += v[sl]
        at += c
    return out


def bag(rows, v, seg, n, norm):
    """A segment of n examples: rows and weights of entries in example order, seg
    the example of each; with norm each example's weights over their sum."""
    v = np.asarray(v, dtype=np.float64)
    if norm:
        tot = sequential_sums(v, seg, n)[seg]
        v = np.where(tot > 0, v / np.where(tot > 0, tot, 1), v)
    return rows, v, np.bincount(seg, minlength=n)


CHUNK = 8192  # examples at a time, to bound the flat arrays


def user_bags(d, a, users, pos, at):
    """The user tower's bags of users[k] just before their pos[k]-th
    engagement (time at[k]), as the per-example loops built them."""
    users, pos, at = np.asarray(users), np.asarray(pos), np.asarray(at, dtype=np.int64)
    parts = [user_bags_chunk(d, a, users[c:c + CHUNK], pos[c:c + CHUNK], at[c:c + CHUNK])
             for c in range(0, len(users), CHUNK)] or [user_bags_chunk(d, a, users, pos, at)]
    return Bags([tuple(np.concatenate([p[s][k] for p in parts]) for k in range(3)) for s in range(6)])


def user_bags_chunk(d, a, users, pos, at):
    n = len(users)
    g = d.hist_start[users] + pos
    segs = []
    # the long-term and short-term history: ids and their weights
    for span in (a.long, a.short):
        p, seg = spans(d.hist_start[users] + np.maximum(0, pos - span), g)
        rows = d.id_row[d.hist_item[p]]
        keep = rows >= 0
        segs.append(bag(rows[keep], d.hist_w[p][keep], seg[keep], n, True))
        if span == a.long:
            long_p, long_seg = p, seg
    # followed authors, latest first, followed by then
    p, seg = spans(d.follow_start[users], d.follow_start[users + 1])
    keep = (d.follow_ts[p] < 0) | (d.follow_ts[p] <= at[seg])
    p, seg = p[keep], seg[keep]
    if a.max_follows:
        first = np.searchsorted(seg, seg)
        keep = np.arange(len(seg)) - first < a.max_follows
        p, seg = p[keep], seg[keep]
    segs.append(bag(d.follow_row[p], np.ones(len(p)), seg, n, True))
    # topics of the long-term history, each item's weight shared among its topics
    items = d.hist_item[long_p]
    nt = d.topic_start[items + 1] - d.topic_start[items]
    q, qseg = spans(d.topic_start[items], d.topic_start[items + 1])
    share = d.hist_w[long_p] / np.maximum(nt, 1)
    segs.append(bag(d.topic_flat[q], share[qseg], long_seg[qseg], n, True))
    # media of the long-term history
    media = d.media[items]
    keep = media >= 0
    segs.append(bag(media[keep], d.hist_w[long_p][keep], long_seg[keep], n, True))
    # activity
    segs.append(bag(log2_buckets(1 + pos, 16), np.ones(n), np.arange(n), n, False))
    return segs


def item_bags(d, items, at):
    """The item tower's bags of items[k] at time at[k]."""
    items, at = np.asarray(items), np.asarray(at, dtype=np.int64)
    n = len(items)
    ex = np.arange(n)
    segs = []
    for rows in (d.id_row[items], d.author_row[items]):
        keep = rows >= 0
        segs.append(bag(rows[keep], np.ones(keep.sum()), ex[keep], n, False))
    nt = d.topic_start[items + 1] - d.topic_start[items]
    q, qseg = spans(d.topic_start[items], d.topic_start[items + 1])
    segs.append(bag(d.topic_flat[q], 1.0 / nt[qseg], qseg, n, False))
    media = d.media[items]
    keep = media >= 0
    segs.append(bag(media[keep], np.ones(keep.sum()), ex[keep], n, False))
    created = d.created[items]
    hours = np.where(at > created, (at - created) / 3600, 0)
    age = np.where(created < 0, 0, 1 + log2_buckets(1 + hours, 15))
    segs.append(bag(age, np.ones(n), ex, n, False))
    return Bags(segs)


class Model(torch.nn.Module):
    def __init__(self, d, a):
        super().__init__()
        e = a.emb

        def table(n):
            return torch.nn.Parameter(torch.randn(max(n, 1), e) * 0.1)

        self.tab = torch.nn.ParameterList([table(d.ntrained), table(len(d.author_ix)),
                                           table(len(d.topic_ix)), table(4), table(16), table(16)])
        self.user_segs = [0, 0, 1, 2, 3, 5]
        self.item_segs = [0, 1, 2, 3, 4]
        self.mlp = torch.nn.ModuleList()
        for nseg in (6, 5):
            l1, l2 = torch.nn.Linear(nseg * e, a.hidden), torch.nn.Linear(a.hidden, a.dim)
            with torch.no_grad():
                l1.weight.normal_(0, math.sqrt(2.0 / (nseg * e)))
                l1.bias.fill_(0.01)
                l2.weight.normal_(0, math.sqrt(1.0 / a.hidden))
                l2.bias.zero_()
            self.mlp.append(torch.nn.Sequential(l1, torch.nn.ReLU(), l2))

    def tower(self, t, bags, idx, drop=None):
        segs = self.user_segs if t == 0 else self.item_segs
        xs = []
        for s, tab in enumerate(segs):
            r, off, w = bags.batch(s, idx)
            if len(r) == 0:
                xs.append(torch.zeros(len(idx), self.tab[tab].shape[1]))
                continue
            if drop is not None and s == 0:
                w = w * torch.from_numpy(np.repeat(drop, np.diff(np.append(off.numpy(), len(r)))))
            xs.append(F.embedding_bag(r, self.tab[tab], off, mode="sum", per_sample_weights=w))
        return F.normalize(self.mlp[t](torch.cat(xs, 1)), dim=1, eps=1e-30)


class Holdout:
    """Early stopping's held-out engagements: each eligible user's last."""

    def __init__(self, d, a):
        eligible = [u for u, h in enumerate(d.hist) if len(h) >= 2]
        m = a.holdout_users
        stride = (len(eligible) + m - 1) // m if m > 0 and len(eligible) > m else 1
        self.users = eligible[::stride]
        self.k = min(a.holdout_k, max(len(d.items) // 10, 1))
        self.target, self.ts, self.seen = [], [], []
        for u in self.users:
            h = d.hist[u]
            i, ts, _ = h[-1]
            self.target.append(i)
            self.ts.append(ts)
            self.seen.append(np.unique([x for x, _, _ in h[:-1]]))
        self.bags = user_bags(d, a, self.users, [len(d.hist[u]) - 1 for u in self.users], self.ts)
        self.target = np.asarray(self.target)
        self.ts = np.asarray(self.ts, dtype=np.int64)

    def score(self, model, d, items):
        """Share of held-out items among the K best unseen items, created by then."""
        with torch.no_grad():
            iv = model.tower(1, items, np.arange(len(d.items))).numpy()
            uv = model.tower(0, self.bags, np.arange(len(self.users))).numpy()
        s = uv @ iv.T
        hits = 0
        for k in range(len(self.users)):
            row = s[k]
            t = self.target[k]
            ok = d.created <= self.ts[k]
            ok[self.seen[k]] = False
            ok[t] = False
            hits += int(np.count_nonzero(row[ok] > row[t]) < self.k)
        return hits / len(self.users)


def item_vector_bags(d):
    """Every catalog item's bags as of the latest event."""
    return item_bags(d, np.arange(len(d.items)), np.full(len(d.items), d.last_ts))


def examples(d, a, held_users):
    """Every engagement but the held-out ones, by user and time: the user's
    and the item's bags, item, user, place in the user's history, weight,
    and the users' first engagements by more than a view."""
    ex_user = np.repeat(np.arange(len(d.users)), np.diff(d.hist_start))
    ex_pos = np.arange(len(d.hist_item)) - d.hist_start[ex_user]
    keep = np.ones(len(ex_user), dtype=bool)
    keep[d.hist_start[np.asarray(sorted(held_users), dtype=np.int64) + 1] - 1] = False
    ex_user, ex_pos = ex_user[keep], ex_pos[keep]
    ex_item = d.hist_item[keep]
    ub = user_bags(d, a, ex_user, ex_pos, d.hist_ts[keep])
    ib = item_bags(d, ex_item, d.hist_ts[keep])
    # the items a user engaged with before an example by more than a view
    # are no negatives of it (unless --seen-negatives): first[u, i] is the
    # position of u's first such engagement with i
    never = np.iinfo(np.int32).max
    first = None
    if not a.seen_negatives:
        first = np.full((len(d.users), len(d.items)), never, dtype=np.int32)
        more = d.hist_w[keep] > d.view_weight
        np.minimum.at(first, (ex_user[more], ex_item[more]), ex_pos[more].astype(np.int32))
    ex_w = torch.tensor(d.hist_w[keep], dtype=torch.float32)
    return ub, ib, ex_item, ex_user, ex_pos, ex_w, first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("-o", required=True)
    ap.add_argument("--items")
    ap.add_argument("--follows")
    ap.add_argument("--topics")
    ap.add_argument("--weights", default="")
    ap.add_argument("--min-view", type=float, default=0)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--emb", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--short", type=int, default=10)
    ap.add_argument("--long", type=int, default=100)
    ap.add_argument("--max-follows", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--patience", type=int, default=0)
    ap.add_argument("--holdout-users", type=int, default=1000)
    ap.add_argument("--holdout-k", type=int, default=100)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--uniform-negatives", type=int, default=0)
    ap.add_argument("--seen-negatives", action="store_true")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--average", type=float, default=0)
    ap.add_argument("--temperature", type=float, default=0.2)
    ap.add_argument("--no-logq", action="store_true")
    ap.add_argument("--id-dropout", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    d = Data(a)
    held = Holdout(d, a) if a.patience > 0 else None
    if held is not None and not held.users:
        held = None
    held_users = set(held.users) if held else set()
    ub, ib, ex_item, ex_user, ex_pos, ex_w, first = examples(d, a, held_users)
    n = len(ex_item)
    counts = np.bincount(ex_item, minlength=len(d.items)).astype(np.float64)
    # mixed negatives: items with examples drawn uniformly, each at one of
    # its examples (its age then), as lib/tower's ig_tower_uniform
    uni_items = np.flatnonzero(counts > 0)
    by_item = np.argsort(ex_item, kind="stable")
    uni_start = np.concatenate(([0], np.cumsum(counts[uni_items]))).astype(np.int64)
    drawn = a.uniform_negatives / a.batch / len(uni_items) if a.uniform_negatives else 0.0
    logq = torch.tensor(np.log(np.where(counts > 0, counts / n + drawn, 0.5 / n)), dtype=torch.float32)
    prep = time.time() - t0

    model = Model(d, a)
    opt = torch.optim.Adagrad(model.parameters(), lr=a.lr, initial_accumulator_value=0.1, eps=1e-10)
    eye = torch.eye(a.batch, dtype=torch.bool)
    eval_items = item_vector_bags(d) if held else None
    best, best_epoch, kept, epochs_run = 0.0, 0, None, 0
    params = list(model.parameters())
    avg = [p.detach().clone() for p in params] if a.average > 0 else None
    horizon = max(1.0, a.average * ((n + a.batch - 1) // a.batch))
    steps = 0
    t1 = time.time()
    for epoch in range(a.epochs):
        order = rng.permutation(n)
        tot = 0.0
        for b in range(0, n, a.batch):
            idx = order[b:b + a.batch]
            cols = idx
            if a.uniform_negatives:
                k = rng.integers(0, len(uni_items), a.uniform_negatives)
                pick = uni_start[k] + (rng.random(len(k)) * (uni_start[k + 1] - uni_start[k])).astype(np.int64)
                cols = np.concatenate((idx, by_item[pick]))
            drop = ((rng.random(len(cols)) >= a.id_dropout) | ~d.droppable[ex_item[cols]]).astype(np.float32)
            u = model.tower(0, ub, idx)
            v = model.tower(1, ib, cols, drop)
            it = torch.from_numpy(ex_item[idx])
            ct = torch.from_numpy(ex_item[cols])
            s = u @ v.T / a.temperature
            if not a.no_logq:
                s = s - logq[ct][None, :]
            same = (it[:, None] == ct[None, :])
            same[:, :len(idx)] &= ~eye[:len(idx), :len(idx)]
            if first is not None:
                seen = first[ex_user[idx][:, None], ex_item[cols][None, :]] < ex_pos[idx][:, None]
                same |= torch.from_numpy(seen) & (it[:, None] != ct[None, :])
            s = s.masked_fill(same, float("-inf"))
            w = ex_w[idx]
            loss = (w * F.cross_entropy(s, torch.arange(len(idx)), reduction="none")).sum() / w.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if avg is not None:
                steps += 1
                rate = 1 / steps if steps < horizon else 1 / horizon
                with torch.no_grad():
                    for m_, p_ in zip(avg, params):
                        m_.add_(p_ - m_, alpha=rate)
            tot += loss.item() * len(idx)
        epochs_run = epoch + 1
        if held is None:
            print("epoch %d: loss %.4f" % (epoch + 1, tot / n), flush=True)
            continue
        if avg is not None:
            # the average is what is scored, and kept
            raw = [p.detach().clone() for p in params]
            with torch.no_grad():
                for m_, p_ in zip(avg, params):
                    p_.copy_(m_)
        score = held.score(model, d, eval_items)
        if best_epoch == 0 or score > best:
            best, best_epoch = score, epoch + 1
            kept = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if avg is not None:
            with torch.no_grad():
                for r_, p_ in zip(raw, params):
                    p_.copy_(r_)
        print("epoch %d: loss %.4f, held-out recall@%d %.4f (best %.4f, epoch %d)"
              % (epoch + 1, tot / n, held.k, score, best, best_epoch), flush=True)
        if epoch + 1 - best_epoch >= a.patience:
            break
    if kept is not None:
        model.load_state_dict(kept)
    elif avg is not None:
        with torch.no_grad():
            for m_, p_ in zip(avg, params):
                p_.copy_(m_)
    train_s = time.time() - t1

    with torch.no_grad():
        ib2 = item_vector_bags(d)
        ub2 = user_bags(d, a, np.arange(len(d.users)), np.diff(d.hist_start), np.full(len(d.users), d.last_ts))
        iv = model.tower(1, ib2, np.arange(len(d.items))).numpy()
        uv = model.tower(0, ub2, np.arange(len(d.users))).numpy()
    for path, names, vec in ((a.o + ".items.vec", d.items, iv), (a.o + ".users.vec", d.users, uv)):
        with open(path, "w") as f:
            f.write("%d %d\n" % vec.shape)
            for nm, r in zip(names, vec):
                f.write(nm + " " + " ".join("%.6g" % x for x in r) + "\n")
    print("torch %s: %d examples, prep %.2f s, train %.2f s" % (torch.__version__, n, prep, train_s))
    if held:
        print("%d epochs, kept epoch %d (held-out recall@%d %.4f of %d users)"
              % (epochs_run, best_epoch, held.k, best, len(held.users)))


if __name__ == "__main__":
    main()

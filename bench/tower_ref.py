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
engagement. Ids are looked up in
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


def log2_bucket(x, buckets):
    b = 0
    while x >= 2 and b + 1 < buckets:
        x /= 2
        b += 1
    return b


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


class Bags:
    """Segments of many examples, each a CSR of (row, weight)."""

    def __init__(self, nsegs):
        self.r = [[] for _ in range(nsegs)]
        self.w = [[] for _ in range(nsegs)]
        self.start = [[0] for _ in range(nsegs)]

    def add(self, s, rws, norm):
        tot = sum(w for _, w in rws)
        for r, w in rws:
            self.r[s].append(r)
            self.w[s].append(w / tot if norm and tot > 0 else w)
        self.start[s].append(len(self.r[s]))

    def finish(self):
        self.r = [np.asarray(x, dtype=np.int64) for x in self.r]
        self.w = [np.asarray(x, dtype=np.float32) for x in self.w]
        self.start = [np.asarray(x, dtype=np.int64) for x in self.start]

    def batch(self, s, idx):
        st, ln = self.start[s][idx], self.start[s][idx + 1] - self.start[s][idx]
        offs = np.concatenate(([0], np.cumsum(ln)[:-1]))
        flat = np.repeat(st - offs, ln) + np.arange(ln.sum())
        return (torch.from_numpy(self.r[s][flat]), torch.from_numpy(offs),
                torch.from_numpy(self.w[s][flat]))


def user_bags(d, a, bags, h, t, follows, at):
    lo = h[max(0, t - a.long):t]
    sh = h[max(0, t - a.short):t]
    bags.add(0, [(d.id_row[i], w) for i, _, w in lo if d.id_row[i] >= 0], True)
    bags.add(1, [(d.id_row[i], w) for i, _, w in sh if d.id_row[i] >= 0], True)
    fl = [(r, 1.0) for r, fts in reversed(follows) if fts < 0 or fts <= at][:a.max_follows]
    bags.add(2, fl, True)
    tp = []
    for i, _, w in lo:
        nt = len(d.topic_rows[i])
        tp += [(r, w / nt) for r in d.topic_rows[i]]
    bags.add(3, tp, True)
    bags.add(4, [(d.media[i], w) for i, _, w in lo if d.media[i] >= 0], True)
    bags.add(5, [(log2_bucket(1 + t, 16), 1.0)], False)


def item_bags(d, bags, i, at):
    bags.add(0, [(d.id_row[i], 1.0)] if d.id_row[i] >= 0 else [], False)
    bags.add(1, [(d.author_row[i], 1.0)] if d.author_row[i] >= 0 else [], False)
    nt = len(d.topic_rows[i])
    bags.add(2, [(r, 1.0 / nt) for r in d.topic_rows[i]], False)
    bags.add(3, [(d.media[i], 1.0)] if d.media[i] >= 0 else [], False)
    if d.created[i] < 0:
        age = 0
    else:
        hours = (at - d.created[i]) / 3600 if at > d.created[i] else 0
        age = 1 + log2_bucket(1 + hours, 15)
    bags.add(4, [(age, 1.0)], False)


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
        self.bags = Bags(6)
        self.target, self.ts, self.seen = [], [], []
        for u in self.users:
            h = d.hist[u]
            i, ts, _ = h[-1]
            user_bags(d, a, self.bags, h, len(h) - 1, d.follows[u], ts)
            self.target.append(i)
            self.ts.append(ts)
            self.seen.append(np.unique([x for x, _, _ in h[:-1]]))
        self.bags.finish()
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
    ib = Bags(5)
    for i in range(len(d.items)):
        item_bags(d, ib, i, d.last_ts)
    ib.finish()
    return ib


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
    ub, ib = Bags(6), Bags(5)
    ex_item, ex_w, ex_user, ex_pos = [], [], [], []
    # the items a user engaged with before an example by more than a view
    # are no negatives of it (unless --seen-negatives): first[u, i] is the
    # position of u's first such engagement with i
    never = np.iinfo(np.int32).max
    view_w = d.view_weight
    first = None if a.seen_negatives else np.full((len(d.users), len(d.items)), never, dtype=np.int32)
    for u, h in enumerate(d.hist):
        for t, (i, ts, w) in enumerate(h):
            if u in held_users and t == len(h) - 1:
                continue
            user_bags(d, a, ub, h, t, d.follows[u], ts)
            item_bags(d, ib, i, ts)
            ex_item.append(i)
            ex_w.append(w)
            ex_user.append(u)
            ex_pos.append(t)
            if first is not None and w > view_w and first[u, i] == never:
                first[u, i] = t
    ub.finish()
    ib.finish()
    ex_item = np.asarray(ex_item)
    ex_user = np.asarray(ex_user)
    ex_pos = np.asarray(ex_pos)
    ex_w = torch.tensor(ex_w, dtype=torch.float32)
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
            tot += loss.item() * len(idx)
        epochs_run = epoch + 1
        if held is None:
            print("epoch %d: loss %.4f" % (epoch + 1, tot / n), flush=True)
            continue
        score = held.score(model, d, eval_items)
        if best_epoch == 0 or score > best:
            best, best_epoch = score, epoch + 1
            kept = {k: v.detach().clone() for k, v in model.state_dict().items()}
        print("epoch %d: loss %.4f, held-out recall@%d %.4f (best %.4f, epoch %d)"
              % (epoch + 1, tot / n, held.k, score, best, best_epoch), flush=True)
        if epoch + 1 - best_epoch >= a.patience:
            break
    if kept is not None:
        model.load_state_dict(kept)
    train_s = time.time() - t1

    with torch.no_grad():
        ib2, ub2 = Bags(5), Bags(6)
        for i in range(len(d.items)):
            item_bags(d, ib2, i, d.last_ts)
        for u, h in enumerate(d.hist):
            user_bags(d, a, ub2, h, len(h), d.follows[u], d.last_ts)
        ib2.finish()
        ub2.finish()
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

"""Splits the ranking examples' window by session, so that each session's
impressions get features from the history up to that session (as the feed
does at serving: the history ends where the next session begins), not
from the history before the window (bench/fresh_examples.sh).

Usage: python3 fresh_examples.py TRAIN TEST OUTDIR K
TRAIN and TEST are ig-eval split's parts (ig-funnel's work/fit.train and
work/fit.test, each grouped by user, in time order). A session ends at a
gap of more than 1800 seconds (ig-rank's); the first gap is measured from
the user's last TRAIN event, so session 0 is the rest of the session the
split cut. For k = 0..K it writes OUTDIR/hist_k.tsv.gz (TRAIN and the
user's TEST events before session k) and OUTDIR/imp_k.tsv.gz (the events
of session k; the sessions after K go into K). Prints the impressions of
each k."""
import collections
import gzip
import sys

GAP = 1800


def read(path):
    header, rows = None, collections.OrderedDict()
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                header = header or line
                continue
            rows.setdefault(line.split("\t", 2)[1], []).append(line)
    return header, rows


def main():
    train, test, out, k_max = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    header, before = read(train)
    _, window = read(test)
    hist = [gzip.open("%s/hist_%d.tsv.gz" % (out, k), "wt", compresslevel=1) for k in range(k_max + 1)]
    imp = [gzip.open("%s/imp_%d.tsv.gz" % (out, k), "wt", compresslevel=1) for k in range(k_max + 1)]
    for f in hist + imp:
        f.write(header)
    count = [0] * (k_max + 1)
    for user in list(before) + [u for u in window if u not in before]:
        a, b = before.get(user, []), window.get(user, [])
        last = int(a[-1].split("\t", 1)[0]) if a else None
        session, of = 0, []
        for line in b:
            ts = int(line.split("\t", 1)[0])
            if last is None or ts - last > GAP:
                session += 1
            of.append(min(session, k_max))
            last = ts
        for k in range(k_max + 1):
            hist[k].writelines(a)
            hist[k].writelines(line for line, s in zip(b, of) if s < k)
            rows = [line for line, s in zip(b, of) if s == k]
            imp[k].writelines(rows)
            count[k] += sum(1 for line in rows if line.split("\t")[3] == "impression")
    for f in hist + imp:
        f.close()
    print("\t".join(str(c) for c in count))


if __name__ == "__main__":
    main()

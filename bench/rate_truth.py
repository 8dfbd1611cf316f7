"""How well ig-rank's item and author features estimate the planted item
quality and author popularity of an ig-synth world: Spearman of every
item_* column (one value per item) against the item's quality, and of
every author_* column (one value per author) against the author's
popularity. Columns that vary with the user or the time (item_recent,
...) are measured all the same on one row per item.
Usage: python3 rate_truth.py EXAMPLES TRUTH_ITEMS ITEMS"""
import gzip
import sys

from scipy.stats import spearmanr


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("##"):
                continue
            yield line.rstrip("\n").split("\t")


def main():
    ex, truth_path, items_path = sys.argv[1:4]
    truth = {}
    for r in rows(truth_path):
        if r[0].startswith("#"):
            continue
        truth[r[0]] = (float(r[1]), float(r[2]))
    author = {}
    for r in rows(items_path):
        if not r[0].startswith("#"):
            author[r[0]] = r[1]
    it = rows(ex)
    head = next(it)[1:]  # the first field is the stream kind
    col = {n: k for k, n in enumerate(head)}
    feats = [n for n in head if n.startswith(("item_", "author_"))]
    per_item = {}
    for r in it:
        per_item[r[col["item"]]] = [float(r[col[n]]) for n in feats]
    items = sorted(i for i in per_item if i in truth)
    authors = {}
    for i in items:
        authors.setdefault(author[i], i)
    print("feature\tentities\tspearman\ttruth\tvs_share_pull")
    for k, n in enumerate(feats):
        if n.startswith("item_"):
            keys, t = items, [truth[i][0] for i in items]
            what = "quality"
        else:
            keys = [authors[a] for a in sorted(authors)]
            t = [truth[i][1] for i in keys]
            what = "author_popularity"
        x = [per_item[i][k] for i in keys]
        rho = spearmanr(x, t).correlation
        # an item's pull on shares: the planted model's share log-odds
        # from its quality (1.0) and its author's popularity (0.3)
        pull = [truth[i][0] + 0.3 * truth[i][1] for i in keys]
        rp = spearmanr(x, pull).correlation if n.startswith("item_") else float("nan")
        print(f"{n}\t{len(keys)}\t{rho:.3f}\t{what}\t{rp:.3f}")


main()

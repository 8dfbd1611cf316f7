"""Reading ig streams (ig-formats(5)) in the bench's Python scripts."""
import gzip


def table(path):
    """The column names of PATH's #ig: line and its rows, each a list of
    fields; ## lines are skipped. Plain or gzip, by the name."""
    opener = gzip.open if path.endswith(".gz") else open
    cols, out = None, []
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#ig"):
                cols = line.rstrip("\n").split("\t")[1:]
            elif not line.startswith("#"):
                out.append(line.rstrip("\n").split("\t"))
    return cols, out

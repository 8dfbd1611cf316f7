#!/usr/bin/python3
"""Synthetic files in the raw formats of public data sets (no real data).

    python3 bench/public_formats.py PRESET ROWS SEED > FILE

writes about ROWS records in the layout of the data set that ig-ingest's
preset PRESET reads (ml-1m, amazon, amazon-2018, book-crossing,
yoochoose, retailrocket, foursquare, gowalla, brightkite), with the
structure such files have: power-law item popularity and user activity,
many users with one or two events, users in taste communities (so that
there is something to learn), exact duplicate rows, ties in time, and
the odd rows of the real files (latin-1 bytes, quoted fields, CRLF line
ends, no final newline, ...). Everything is drawn from SEED; nothing is
copied from the real files, only their format.
"""
import bisect
import random
import sys
import time

PRESET, ROWS, SEED = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(SEED)
out = sys.stdout.buffer
COMM = 20


def zipf_table(n, s):
    """Cumulative weights of a Zipf(s) law over n ranks."""
    acc, cum = 0.0, []
    for r in range(1, n + 1):
        acc += 1.0 / r ** s
        cum.append(acc)
    return cum


def draw(cum):
    return bisect.bisect_left(cum, rng.random() * cum[-1])


class World:
    """Items in communities with Zipf popularity inside and overall;
    users of one community draw 70% of their events from it."""

    def __init__(self, nitems, s=1.0):
        self.nitems = nitems
        self.glob = zipf_table(nitems, s)
        self.per = max(1, nitems // COMM)
        self.local = zipf_table(self.per, s)
        # a random permutation so that id order is not popularity order
        self.perm = list(range(nitems))
        rng.shuffle(self.perm)

    def item(self, comm):
        if rng.random() < 0.7:
            i = draw(self.local) * COMM + comm
            if i >= self.nitems:
                i = draw(self.glob)
        else:
            i = draw(self.glob)
        return self.perm[i]


def activity(mean, lo=1, alpha=1.6, cap=5000):
    """Pareto-tailed number of events, at least lo."""
    n = int(lo + (mean - lo) * (alpha - 1) / alpha * rng.paretovariate(alpha))
    return max(lo, min(n, cap))


def users(total, mean, lo=1):
    """(user index, count) until about total rows."""
    u, done = 0, 0
    while done < total:
        n = activity(mean, lo)
        yield u, n
        done += n
        u += 1


def rating(comm_hit):
    r = rng.choices([1, 2, 3, 4, 5], [6, 11, 26, 34, 23])[0]
    if comm_hit and r < 5 and rng.random() < 0.3:
        r += 1
    return r


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def amazon_user(u):
    r = random.Random(u * 7919 + SEED)
    return "A" + "".join(r.choice(ALNUM) for _ in range(13))


def asin(i):
    r = random.Random(i * 104729 + SEED)
    if r.random() < 0.4:  # books: ISBN-10, leading zeros, X check digit
        s = "%09d" % r.randrange(10 ** 9)
        return s + r.choice("0123456789X")
    return "B0" + "".join(r.choice(ALNUM) for _ in range(8))


def ml1m():
    # users::movie::rating::ts, users have 20 ratings or more, rated in
    # bursts (many in the same second), sorted by user, not by time.
    w = World(max(1500, ROWS // 270))
    lines = []
    for u, n in users(ROWS, 165, lo=20):
        comm = u % COMM
        seen = set()
        t = 956703932 + rng.randrange(60 * 86400 * 10)
        for _ in range(n):
            m = w.item(comm) + 1
            if m in seen:
                continue
            seen.add(m)
            if rng.random() < 0.4:
                t += rng.randrange(0, 120)  # same second or a few later
            elif rng.random() < 0.05:
                t += rng.randrange(86400 * 300)
            lines.append(b"%d::%d::%d::%d\n" % (u + 1, m, rating(m % COMM == comm), t))
    out.write(b"".join(lines))


def amazon(item_first):
    # no header; ratings 'N.0'; times at midnight UTC; most users one
    # rating; a few exact duplicate rows.
    w = World(max(200, ROWS // 4), s=0.9)
    for u, n in users(ROWS, 2.5):
        comm = u % COMM
        uid = amazon_user(u).encode()
        day0 = 1104537600 // 86400 + rng.randrange(3400)
        for _ in range(n):
            i = asin(w.item(comm)).encode()
            r = b"%d.0" % rating(False)
            ts = b"%d" % ((day0 + rng.randrange(0, 60)) * 86400)
            row = (i + b"," + uid if item_first else uid + b"," + i) + b"," + r + b"," + ts + b"\n"
            out.write(row)
            if rng.random() < 0.003:
                out.write(row)


def book_crossing():
    # "User-ID";"ISBN";"Book-Rating", every field quoted, ';', CRLF,
    # latin-1 bytes and odd ISBNs, 62% of the ratings 0, no time.
    w = World(max(200, ROWS // 4), s=0.9)
    out.write(b'"User-ID";"ISBN";"Book-Rating"\r\n')
    odd = [b"0446520\xe9", b"3 499 13432 1", b"0-440-22101-1", b"#6612432", b"O6712437",
           b"3442\xb35", b"0385504209 ", b"034545104x", b"'0440234743'"]
    for u, n in users(ROWS, 4.0):
        uid = b"%d" % (u * 3 + 8)
        comm = u % COMM
        for _ in range(n):
            if rng.random() < 0.001:
                isbn = rng.choice(odd)
            else:
                isbn = asin(w.item(comm))[:9].encode() + rng.choice([b"X", b"0", b"4", b"7"])
            r = 0 if rng.random() < 0.62 else rng.choices(range(1, 11), [1, 1, 2, 2, 8, 6, 12, 16, 13, 13])[0]
            out.write(b'"%s";"%s";"%d"\r\n' % (uid, isbn, r))


def iso_ms(t_ms):
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t_ms // 1000))
    return ("%s.%03dZ" % (s, t_ms % 1000)).encode()


def yoochoose():
    # session,timestamp,item,category; no header; sessions short, items
    # clicked again; categories 0, S, 1-12 or a brand number.
    w = World(max(200, ROWS // 60), s=1.1)
    sid = 1
    done = 0
    t0 = 1396310400000  # 2014-04-01
    while done < ROWS:
        n = activity(3.6, 1, alpha=1.8, cap=200)
        comm = rng.randrange(COMM)
        t = t0 + rng.randrange(183 * 86400 * 1000)
        cat = rng.choice([b"0"] * 6 + [b"S", b"1", b"3", b"12", b"2075196385"])
        last = None
        for _ in range(n):
            i = last if last is not None and rng.random() < 0.2 else w.item(comm)
            last = i
            t += rng.randrange(5000, 240000)
            out.write(b"%d,%s,%d,%s\n" % (sid, iso_ms(t), 214500000 + i, cat))
        done += n
        sid += 1 + (rng.random() < 0.3)


def retailrocket():
    # timestamp,visitorid,event,itemid,transactionid; ms times; the file
    # not in time order; mostly one-view visitors; carts and buys rare;
    # a few duplicate rows.
    w = World(max(200, ROWS // 12), s=1.0)
    out.write(b"timestamp,visitorid,event,itemid,transactionid\n")
    rows = []
    tid = 0
    t0 = 1430622000000
    for u, n in users(ROWS, 1.96, lo=1):
        vid = rng.randrange(1500000)
        comm = vid % COMM
        t = t0 + rng.randrange(138 * 86400 * 1000)
        for _ in range(n):
            i = w.item(comm)
            t += rng.randrange(1000, 900000)
            rows.append(b"%d,%d,view,%d," % (t, vid, i))
            x = rng.random()
            if x < 0.026:
                t += rng.randrange(1000, 60000)
                rows.append(b"%d,%d,addtocart,%d," % (t, vid, i))
                if rng.random() < 0.32:
                    t += rng.randrange(1, 600000)
                    tid += 1
                    rows.append(b"%d,%d,transaction,%d,%d" % (t, vid, i, tid))
            if rng.random() < 0.0002:
                rows.append(rows[-1])
    # the real file's order is neither by time nor by visitor
    rng.shuffle(rows)
    out.write(b"\n".join(rows) + b"\n")


CATS = [(b"4bf58dd8d48988d1df941735", b"Caf\xe9"), (b"4bf58dd8d48988d127951735", b"Arts & Crafts Store"),
        (b"4bf58dd8d48988d103941735", b"Home (private)"), (b"4bf58dd8d48988d124941735", b"Office"),
        (b"4bf58dd8d48988d1fd931735", b"Subway"), (b"4bf58dd8d48988d1e0931735", b"Coffee Shop"),
        (b"4bf58dd8d48988d16a941735", b"Bakery"), (b"4bf58dd8d48988d116941735", b"Bar")]


def venue_hex(i):
    r = random.Random(i * 31337 + SEED)
    return b"%024x" % r.getrandbits(96)


def twitter_time(t):
    return time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(t)).encode()


def foursquare():
    # TSMC2014: 8 tab-separated fields, latin-1 category names, times as
    # Twitter writes them, CRLF line ends; about 1000 users with 100+
    # check-ins each, home and office again and again; the file in time
    # order.
    w = World(max(200, ROWS // 6), s=0.9)
    rows = []
    t0 = 1333476009
    for u, n in users(ROWS, 210, lo=100):
        comm = u % COMM
        home, office = w.item(comm), w.item(comm)
        t = t0 + rng.randrange(86400 * 5)
        for _ in range(n):
            x = rng.random()
            v = home if x < 0.15 else office if x < 0.3 else w.item(comm)
            t += rng.randrange(600, 86400)
            c = CATS[v % len(CATS)]
            lat = 40.5 + (v % 1000) / 2000.0 + rng.random() * 1e-9
            rows.append((t, b"%d\t%s\t%s\t%s\t%.15f\t%.14f\t-240\t%s\r\n"
                         % (u + 1, venue_hex(v), c[0], c[1], lat, -74.0 + (v % 997) / 1994.0, twitter_time(t))))
    rows.sort(key=lambda r: r[0])
    out.write(b"".join(r[1] for r in rows))


def gowalla(bright):
    # user, ISO-8601 time, latitude, longitude, place; each user's rows
    # newest first; places again and again; Brightkite's places are
    # 32 hex digits and some check-ins are at 0.0, 0.0.
    w = World(max(200, ROWS // 5), s=0.9)
    for u, n in users(ROWS, 60, lo=1):
        comm = u % COMM
        t = 1265000000 + rng.randrange(86400 * 250)
        rows = []
        for _ in range(n):
            v = w.item(comm)
            t += rng.randrange(0, 86400) if rng.random() < 0.9 else 0
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)).encode()
            place = (b"%032x" % random.Random(v + SEED).getrandbits(128)) if bright else b"%d" % (v + 8900)
            lat, lon = 30.0 + (v % 500) / 97.0, -97.0 + (v % 700) / 53.0
            if bright and rng.random() < 0.01:
                lat = lon = 0.0
            rows.append(b"%d\t%s\t%.10f\t%.10f\t%s\n" % (u, ts, lat, lon, place))
        out.write(b"".join(reversed(rows)))


{
    "ml-1m": ml1m,
    "amazon": lambda: amazon(False),
    "amazon-2018": lambda: amazon(True),
    "book-crossing": book_crossing,
    "yoochoose": yoochoose,
    "retailrocket": retailrocket,
    "foursquare": foursquare,
    "gowalla": lambda: gowalla(False),
    "brightkite": lambda: gowalla(True),
}[PRESET]()

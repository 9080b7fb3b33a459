"""pywork.py - an allocation-heavy Python workload for bench/preload.sh.

Run with PYTHONMALLOC=malloc, so that every object comes from malloc():
dicts of strings, string building and splitting, JSON both ways, sorting,
small objects, and two threads doing the same JSON work.  Prints a digest
of everything it computed: the same under every correct allocator.
"""
import hashlib
import json
import sys
import threading

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
N = int(5000 * SCALE)
digest = hashlib.sha256()


def note(x):
    digest.update(repr(x).encode())


class Point:
    __slots__ = ("x", "y", "tag")

    def __init__(self, x, y, tag):
        self.x, self.y, self.tag = x, y, tag


def records(seed, n):
    """n records with keys and values of many sizes, seeded."""
    out = []
    v = seed
    for i in range(n):
        v = (v * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        words = ["w%x" % ((v >> s) & 0xfff) for s in range(0, 48, 12)]
        out.append({"id": i, "name": "-".join(words), "tags": words[: 1 + v % 4],
                    "score": (v >> 20) % 100000 / 7.0,
                    "text": " ".join(words) * (1 + (v >> 8) % 6)})
    return out


def json_round(seed, n):
    rec = records(seed, n)
    s = json.dumps(rec, sort_keys=True)
    back = json.loads(s)
    return len(s), sum(r["id"] for r in back), hashlib.md5(s.encode()).hexdigest()


# 1. dicts of strings: build, update, delete, rebuild.
d = {}
for r in records(1, N):
    d[r["name"] + str(r["id"])] = r["text"]
for k in list(d)[::3]:
    del d[k]
for k, v in list(d.items())[::2]:
    d[k] = v.upper() + k
note((len(d), sum(len(v) for v in d.values())))

# 2. strings: split, join, replace, format.
total = 0
for v in d.values():
    parts = v.split(" ")
    total += len("|".join(p[::-1] for p in parts).replace("w", "W"))
    total += len("%s:%d:%r" % (parts[0], len(parts), parts[-1:]))
note(total)

# 3. JSON both ways, in the main thread and in two threads at once.
note(json_round(2, N // 2))
results = [None, None]


def worker(i):
    results[i] = json_round(10 + i, N // 4)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
note(results)

# 4. sorting and small objects.
pts = [Point(i * 7919 % 10007, i * 104729 % 10009, "p%d" % i) for i in range(N * 2)]
pts.sort(key=lambda p: (p.x, p.y))
note([p.tag for p in pts[:: max(1, N // 50)]])
groups = {}
for p in pts:
    groups.setdefault(p.x % 997, []).append(p.y)
note(sorted((k, len(v), sum(v)) for k, v in groups.items())[:20])

print(digest.hexdigest())

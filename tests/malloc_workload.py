# malloc_workload.py - an allocation-heavy Python workload for the drop-in
# malloc's tests (run with PYTHONMALLOC=malloc so that every object goes
# through malloc): dicts, strings, JSON and threads.  Its output is
# deterministic, so that runs with and without the preload compare byte
# for byte.
import hashlib
import json
import sys
import threading

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 40


def build(seed, n):
    d = {}
    for i in range(n):
        k = "key-%d-%d" % (seed, i)
        d[k] = {"n": i, "s": k * (i % 7 + 1), "l": list(range(i % 13))}
    return d


def churn(seed, out):
    h = hashlib.sha256()
    for r in range(ROUNDS):
        d = build(seed * 1000 + r, 2000)
        text = json.dumps(d, sort_keys=True)
        back = json.loads(text)
        words = " ".join(sorted(back.keys())).split(" ")
        h.update(("%d:%d:%d" % (len(text), len(words), len(back))).encode())
        h.update(text[:200].encode())
    out[seed] = h.hexdigest()


results = {}
threads = [threading.Thread(target=churn, args=(s, results)) for s in range(3)]
for t in threads:
    t.start()
churn(3, results)
for t in threads:
    t.join()
for k in sorted(results):
    print(k, results[k])

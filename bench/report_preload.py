"""bench/report_preload.py - the LD_PRELOAD part of RESULTS.md (real programs
and allocator workloads, bench/preload.sh), and its chart.  Called by
report.py, which owns the rest of the page.

Raw files, in the output directory (one line of key=value pairs each):
  preload.txt            one timed run: round, allocator, workload, proctime's
                         figures, out_sha (and rps for redis)
  preload-workloads.txt  what each workload does; missing=1 if left out
  calls.txt              the drop-in's calls by path (libcallcount) and
                         slabrun's exit summary, per real program
"""

import os
import statistics
import subprocess

PEERS = ["glibc", "jemalloc", "mimalloc", "tcmalloc"]
DROPIN = "libslab-dropin"
NOSAMPLING = "libslab-dropin-nosampling"
ORDER = PEERS + [DROPIN, NOSAMPLING]


def _median(xs):
    return statistics.median(xs) if xs else None


class Preload:
    """The runs of preload.txt, checked against glibc's output."""

    def __init__(self, rows, workloads):
        self.rows = rows
        self.desc = {w["workload"]: w for w in workloads}
        self.workloads = [w["workload"] for w in workloads if w.get("missing") != "1"]
        self.workloads = [w for w in self.workloads
                          if any(r["workload"] == w for r in rows)]
        self.allocs = [a for a in ORDER if any(r["name"] == a for r in rows)]
        self.peers = [a for a in self.allocs if a in PEERS]
        self.ref, self.ref_note = {}, {}
        for wl in self.workloads:
            shas = [r.get("out_sha") for r in rows if r["workload"] == wl
                    and r["name"] == "glibc" and r.get("status") == "0"]
            if not shas:
                self.ref_note[wl] = "no good glibc run: outputs not compared"
                continue
            common = max(set(shas), key=shas.count)
            if shas.count(common) != len(shas):
                self.ref_note[wl] = "glibc's own runs differ: outputs not compared"
            else:
                self.ref[wl] = common

    def ok(self, r):
        wl = r["workload"]
        if r.get("status") != "0":
            return False
        if wl == "redis" and not float(r.get("rps", 0)) > 0:
            return False
        return wl not in self.ref or r.get("out_sha") == self.ref[wl]

    def runs(self, a, wl):
        return [r for r in self.rows if r["name"] == a and r["workload"] == wl]

    def good(self, a, wl):
        return [r for r in self.runs(a, wl) if self.ok(r)]

    def cost(self, r):
        """Lower is better: wall seconds, or seconds per 1000 requests."""
        if r["workload"] == "redis":
            return 1000.0 / float(r["rps"])
        return float(r["wall_s"])

    def med(self, a, wl, field=None):
        g = self.good(a, wl)
        if field is None:
            return _median([self.cost(r) for r in g])
        return _median([float(r[field]) for r in g if field in r])

    def ratio(self, a, wl, base="glibc"):
        """Median over rounds of cost(a) / cost(base) in the same round."""
        by = {}
        for r in self.rows:
            if r["workload"] == wl and r["name"] in (a, base) and self.ok(r):
                by.setdefault(r["round"], {})[r["name"]] = self.cost(r)
        xs = [d[a] / d[base] for d in by.values() if a in d and base in d and d[base] > 0]
        return _median(xs)

    def best_peer(self, wl):
        meds = [(self.med(p, wl), p) for p in self.peers if self.med(p, wl) is not None]
        return min(meds) if meds else (None, None)

    def kind(self, wl):
        return self.desc.get(wl, {}).get("kind", "program")


def _fmt(x, d=2):
    return "–" if x is None else f"{x:.{d}f}"


def target_rows(p):
    """Rows for the Targets table."""
    L = []
    if not p.rows or DROPIN not in p.allocs:
        return ["| real programs and allocator workloads under `LD_PRELOAD` | "
                "not measured (no preload data) | – |"]

    def yes(ok):
        return "yes" if ok else "**no**"

    bad = [r for r in p.rows if r["name"] == DROPIN and not p.ok(r)]
    n = sum(r["name"] == DROPIN for r in p.rows)
    broken = sorted(set(r["workload"] for r in bad))
    L.append(f"| drop-in runs with glibc's output and exit status 0 | {n - len(bad)} of {n}"
             f"{'; broken: ' + ', '.join(broken) if broken else ''} | {yes(not bad)} |")
    for kind, label in (("program", "real programs"), ("allocwork", "allocator workloads")):
        wls = [w for w in p.workloads if p.kind(w) == kind]
        if not wls:
            continue
        fast, worse, rss_ok, total, miss, worse_txt, rss_miss = 0, 0, 0, 0, [], [], []
        for wl in wls:
            m = p.med(DROPIN, wl)
            b, bp = p.best_peer(wl)
            if m is None or b is None:
                miss.append(f"{wl} (no good run)")
                worse_txt.append(f"{wl} (no good run)")
                rss_miss.append(f"{wl} (no good run)")
                total += 1
                worse += 1
                continue
            total += 1
            if m <= b:
                fast += 1
            else:
                miss.append(f"{wl} ×{m / b:.2f} of {bp}")
            rg = p.ratio(DROPIN, wl)
            if rg is not None and rg > 1.0:
                worse += 1
                worse_txt.append(f"{wl} ×{rg:.2f}")
            rss = p.med(DROPIN, wl, "maxrss_kb")
            peer_rss = [p.med(q, wl, "maxrss_kb") for q in p.peers]
            peer_rss = [x for x in peer_rss if x is not None]
            if rss is not None and peer_rss and rss <= _median(peer_rss):
                rss_ok += 1
            elif rss is not None and peer_rss:
                rss_miss.append(f"{wl} {rss / 1024:.1f} vs {_median(peer_rss) / 1024:.1f} MiB")
        L.append(f"| {label} under `LD_PRELOAD`: wall ≤ fastest peer on most (median) | "
                 f"{fast} of {total}; misses: {', '.join(miss) or 'none'} | "
                 f"{yes(fast * 2 > total)} |")
        L.append(f"| {label} under `LD_PRELOAD`: never slower than glibc (paired rounds) | "
                 f"slower on {worse} of {total}: {', '.join(worse_txt) or 'none'} | "
                 f"{yes(worse == 0)} |")
        L.append(f"| {label} under `LD_PRELOAD`: peak RSS ≤ median peer | "
                 f"{rss_ok} of {total}; misses: {', '.join(rss_miss) or 'none'} | "
                 f"{yes(rss_ok == total)} |")
    if NOSAMPLING in p.allocs:
        pcts = []
        for wl in p.workloads:
            if p.kind(wl) != "program":
                continue
            r = p.ratio(DROPIN, wl, base=NOSAMPLING)
            if r is not None:
                pcts.append((wl, (r - 1) * 100))
        if pcts:
            txt = ", ".join(f"{w} {x:+.1f} %" for w, x in pcts)
            L.append(f"| sampler cost on the real programs ≤ 1 % (drop-in at defaults vs "
                     f"built without sampling, paired rounds) | {txt} | "
                     f"{yes(all(x <= 1.0 for _, x in pcts))} |")
    return L


def section(p, calls, info):
    """The page's section on the LD_PRELOAD runs, and the chart's rows."""
    L = []
    w = L.append
    rounds = info.get("pl_rounds", "?")
    w("## Real programs and allocator workloads under LD_PRELOAD")
    w("")
    if not p.rows:
        w("Not run (`make bench BENCH_ARGS=--only=preload` runs this step).")
        w("")
        return L, []
    w(f"Every allocator is loaded the same way: `LD_PRELOAD` of its Debian "
      f"package's library (glibc: no preload), `{DROPIN}` the build tree's "
      f"`libslab-malloc.so` at default settings (sampling and publishing on)"
      + (f", `{NOSAMPLING}` the same library from the tree configured with "
         f"`--disable-slowpath-sampling`" if NOSAMPLING in p.allocs else "")
      + f".  Each run is one process with its children, timed by "
      f"`bench/proctime` from `wait4()`: wall, user+sys CPU, peak RSS (the "
      f"largest process), minor faults.  {rounds} interleaved rounds (each "
      f"round runs every workload once per allocator, in an order rotated "
      f"from round to round); medians, min–max beside them.  ×glibc: the "
      f"median over rounds of the ratio to glibc's run of the same round, so "
      f"that drifts of the shared machine cancel (below 1.00 is faster).  "
      f"Every run's exit status and output (stdout's SHA-256; for gcc the "
      f"object file's, for git-repack `git fsck` and the object list, for "
      f"redis the replies to a fixed command list) are checked against "
      f"glibc's: a run that differs is counted as broken and left out of the "
      f"figures.  Debian's redis-server is linked with libjemalloc, so its "
      f"glibc runs preload `libc.so.6` to put glibc's malloc in front.  "
      f"Versions: " + ", ".join(f"{k[4:]} {v}" for k, v in sorted(info.items())
                                if k.startswith("pkg_") and k[4:] in
                                ("python3", "sqlite3", "gcc", "redis-server", "git"))
      + ".")
    w("")
    w("![wall time relative to glibc, per workload and allocator](preload.png)")
    w("")
    w("| workload | what it does |")
    w("| --- | --- |")
    for wl in p.workloads:
        w(f"| {wl} | {p.desc.get(wl, {}).get('what', '')} |")
    missing = [d["workload"] for d in p.desc.values() if d.get("missing") == "1"]
    if missing:
        w(f"| (left out) | {', '.join(missing)}: not installed here |")
    w("")

    others = [a for a in p.allocs if a != "glibc"]
    w("Summary: ×glibc per allocator (lower is better; redis: time per request), "
      f"and {DROPIN} against the fastest peer (its median over theirs).")
    w("")
    w("| workload | glibc | " + " | ".join(others) + f" | {DROPIN} ×fastest peer |")
    w("| --- | ---: | " + " | ".join("---:" for _ in others) + " | ---: |")
    chart = []
    for wl in p.workloads:
        base = p.med("glibc", wl)
        unit = "ms/1k req" if wl == "redis" else "s"
        cells = [f"{_fmt(base * 1000 if wl == 'redis' and base else base)} {unit}"]
        crow = [wl]
        for a in p.allocs:
            r = 1.0 if a == "glibc" else p.ratio(a, wl)
            crow.append("NaN" if r is None else f"{r:.3f}")
            if a == "glibc":
                continue
            nb = len(p.runs(a, wl)) - len(p.good(a, wl))
            txt = _fmt(r)
            if nb:
                txt += f" ({nb} broken)"
            if a == DROPIN:
                txt = f"**{txt}**"
            cells.append(txt)
        b, bp = p.best_peer(wl)
        m = p.med(DROPIN, wl)
        cells.append(f"{m / b:.2f} ({bp})" if m is not None and b else "–")
        w(f"| {wl} | " + " | ".join(cells) + " |")
        chart.append(crow)
    w("")

    for wl in p.workloads:
        w(f"### {wl}")
        w("")
        if wl in p.ref_note:
            w(f"({p.ref_note[wl]}.)")
            w("")
        redis = wl == "redis"
        head = "| allocator | " + ("requests/s | min–max | " if redis else "") + \
            "wall s | min–max | ×glibc | CPU s | peak RSS MiB | minflt | good runs |"
        if wl == "frag":
            head += " RSS at end MiB |"
        w(head)
        w("| --- |" + " ---: |" * (head.count("|") - 2))
        for a in p.allocs:
            runs, good = p.runs(a, wl), p.good(a, wl)
            walls = [float(r["wall_s"]) for r in good]
            label = f"**{a}**" if a.startswith("libslab") else a
            cells = [label]
            if redis:
                rps = [float(r["rps"]) for r in good]
                cells += [_fmt(_median(rps), 0),
                          f"{min(rps):.0f}–{max(rps):.0f}" if rps else "–"]
            cells += [_fmt(_median(walls), 3),
                      f"{min(walls):.3f}–{max(walls):.3f}" if walls else "–",
                      "1.00" if a == "glibc" else _fmt(p.ratio(a, wl)),
                      _fmt(p.med(a, wl, "cpu_s"), 3),
                      _fmt((p.med(a, wl, "maxrss_kb") or 0) / 1024, 1) if good else "–",
                      _fmt(p.med(a, wl, "minflt"), 0),
                      f"{len(good)} of {len(runs)}" if len(good) == len(runs)
                      else f"**{len(good)} of {len(runs)}** (exit "
                      f"{', '.join(sorted(set(r.get('status', '?') for r in runs if not p.ok(r))))})"]
            if wl == "frag":
                cells.append(_fmt((p.med(a, wl, "rss_end_kb") or 0) / 1024, 1) if good else "–")
            w("| " + " | ".join(cells) + " |")
        w("")
    if "redis" in p.workloads:
        w("redis: wall and CPU are the server's whole life (start, the "
          "benchmark, shutdown); requests/s is redis-benchmark's, over all "
          "its tests (total requests over total time).")
        w("")

    # -------------------------------------------------------- issue 12
    w("## The drop-in on real programs: calls by path, samples")
    w("")
    counts = {r["workload"]: r for r in calls if "calls" in r}
    summ = {r["workload"]: r for r in calls if "slabrun_samples" in r}
    if not counts:
        w("Not run (`make bench BENCH_ARGS=--only=calls`).")
        w("")
        return L, chart
    w("Share of malloc-family calls (malloc, calloc, realloc, the aligned "
      "calls) that the slab classes serve, counted by `bench/callcount.c` "
      "preloaded in front of `libslab-malloc.so` (it applies `dropin.c`'s "
      "rule: 0..768 bytes and an alignment of at most 512 go to the slabs, "
      "the rest to glibc; all processes of the run summed).  "
      "slabrun: what `slabrun --name NAME -- PROGRAM` printed at exit for "
      "the process it ran (its segment's totals: calls counted by the "
      "sampler, samples taken, and the share the slabs served by the "
      "drop-in's own count of its large path); for gcc that is the driver and for "
      "git-repack `git repack`, whose children (cc1 and as; pack-objects), "
      "which do the work, publish segments of their own that go with them.  "
      "Wall: the medians of the timed rounds above, without a preload "
      "(glibc; for redis, glibc through a preload of `libc.so.6`, since "
      "with none it runs on the libjemalloc it is linked with) and with the "
      "drop-in.")
    w("")
    w("| program | processes | malloc-family calls | slab classes | large path "
      "| slabrun: calls / samples / slabs | wall, no preload | wall, drop-in | ×glibc |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for wl in p.workloads:
        if wl not in counts:
            continue
        c = counts[wl]
        calls_n, slab = int(c["calls"]), int(c["slab"])
        share = f"{100 * slab / calls_n:.1f} %" if calls_n else "–"
        s = summ.get(wl)
        served = s.get("slabrun_served", "-") if s else "-"
        stxt = (f"{int(s['slabrun_calls']):,} / {int(s['slabrun_samples']):,} / "
                + (f"{served} %" if served != "-" else "–")) if s else \
            "no summary (the program failed)"
        g, d = p.med("glibc", wl, "wall_s"), p.med(DROPIN, wl, "wall_s")
        r = p.ratio(DROPIN, wl)
        w(f"| {wl} | {c['processes']} | {calls_n:,} | {share} | "
          f"{100 - 100 * slab / calls_n if calls_n else 0:.1f} % | {stxt} | "
          f"{_fmt(g, 3)} s | {_fmt(d, 3)} s | {_fmt(r)} |")
    w("")
    return L, chart


def load(out, read_kv_all):
    rows = read_kv_all(os.path.join(out, "preload.txt"))
    wls = read_kv_all(os.path.join(out, "preload-workloads.txt"))
    calls = read_kv_all(os.path.join(out, "calls.txt"))
    return Preload(rows, wls), calls


def chart(p, rows, out, png):
    if not rows:
        return 0
    dat = os.path.join(out, "preload-chart.dat")
    with open(dat, "w") as f:
        f.write("workload " + " ".join(p.allocs) + "\n")
        for r in rows:
            f.write(" ".join(r) + "\n")
    gp = f"""
set terminal pngcairo size 1600,640 font ",10"
set output '{png}'
set title "Under LD_PRELOAD: time relative to glibc (median of per-round ratios; lower is better; redis: time per request)"
set ylabel "× glibc"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set grid ytics
set xtics rotate by -30 noenhanced
plot for [c=2:{len(p.allocs) + 1}] '{dat}' using c:xtic(1) title columnheader(c), 1 notitle lc rgb "black" dt 2
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        print(f"report_preload.py: gnuplot failed: {e}")
        return 1
    return 0

#!/usr/bin/env python3
"""bench/report.py - turn the raw output of bench/run.sh into RESULTS.md and
a PNG chart (gnuplot) of wall ns/op per workload per allocator.

Raw files, in --out (one line of key=value pairs per measurement):
  info.txt      machine and versions        identity.txt  who served malloc
  time.txt      wall rounds                 lat.txt       latency percentiles
  overhead.txt  sampling configurations     reader.txt    reader rows
  cg/NAME/cg.*  callgrind dumps, two run lengths per workload
and those of the LD_PRELOAD step (see report_preload.py).
"""

import argparse
import glob
import os
import re
import shlex
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_preload  # noqa: E402

PEERS = ["glibc", "jemalloc", "mimalloc", "tcmalloc"]
SLABS = ["libslab", "libslab-malloc", "libslab-dropin"]
WORKLOADS = [
    ("pair", "alloc-then-free pairs, 10,000 other objects live"),
    ("batch10", "batches of 10 allocations, then 10 frees"),
    ("batch1000", "batches of 1000 allocations, then 1000 frees"),
    ("batch100000", "batches of 100,000 allocations, then 100,000 frees"),
    ("churn", "random churn over 10,000 live slots (free one, allocate one)"),
    ("xthread", "producer/consumer: thread A allocates, thread B frees"),
    ("epoch", "a batch of 1000 per epoch, epoch closed, then freed "
              "(peers: the same batch freed one by one)"),
]
SIZES = [("128", "128 B"), ("mixed", "mixed 64..752 B")]
TARGET_INSTR = 40.0


def parse_line(line):
    d = {}
    try:
        parts = shlex.split(line)
    except ValueError:
        return d
    for tok in parts:
        if "=" in tok:
            k, v = tok.split("=", 1)
            d[k] = v
    return d


def read_kv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            d = parse_line(line)
            if d and "error" not in d:
                rows.append(d)
    return rows


def read_info(path):
    info = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    info[k] = v
    return info


def callgrind_counts(cgdir):
    """{alloc: {(wl, size): instructions per op}} from the two run lengths."""
    out = {}
    for adir in sorted(glob.glob(os.path.join(cgdir, "*"))):
        if not os.path.isdir(adir):
            continue
        name = os.path.basename(adir)
        runs = {}
        for f in glob.glob(os.path.join(adir, "cg.*")):
            desc = summary = None
            with open(f, errors="replace") as fh:
                for line in fh:
                    if line.startswith("desc: Trigger: Client Request:"):
                        desc = line.split(":", 2)[2].strip()
                        desc = desc[len("Client Request:"):].strip() \
                            if desc.startswith("Client Request:") else desc
                    elif line.startswith("summary:"):
                        summary = int(line.split()[1])
            if desc and summary is not None:
                d = parse_line(desc)
                if "wl" in d:
                    runs[(d["wl"], d["size"], int(d["ops"]))] = (summary, f)
        per = {}
        files = {}
        for (wl, size, n), (instr, f) in runs.items():
            long_run = runs.get((wl, size, 2 * n))
            if long_run:
                per[(wl, size)] = (long_run[0] - instr) / n
                files[(wl, size)] = long_run[1]
        out[name] = (per, files)
    return out


def paired_pct(rows, field, base, val, metric="ns_per_op", **match):
    """Median over rounds of (val / base - 1) in percent, where val and base
    are the values of field (e.g. cfg) measured in the same round: pairing
    the interleaved runs of a round cancels slow drifts of the machine."""
    by_round = {}
    for r in rows:
        if metric not in r or any(r.get(k) != v for k, v in match.items()):
            continue
        by_round.setdefault(r.get("round"), {})[r.get(field)] = float(r[metric])
    ratios = [d[val] / d[base] for d in by_round.values()
              if val in d and base in d and d[base] > 0]
    return (statistics.median(ratios) - 1) * 100 if ratios else None


def writer_slowdown(rows):
    """Median ns/op with and without a reader, from writer.txt."""
    det = [float(r["ns_per_op"]) for r in rows
           if r.get("attached") == "0" and "ns_per_op" in r]
    att = [float(r["ns_per_op"]) for r in rows
           if r.get("attached") == "1" and "ns_per_op" in r]
    if not det or not att:
        return None
    d, a = statistics.median(det), statistics.median(att)
    return {"detached_ns": d, "attached_ns": a,
            "detached_min": min(det), "detached_max": max(det),
            "attached_min": min(att), "attached_max": max(att),
            "slowdown_pct": paired_pct(rows, "attached", "0", "1"),
            "cpu_slowdown_pct": paired_pct(rows, "attached", "0", "1",
                                           metric="cpu_ns_per_op"),
            "rounds": len(att)}


def median(xs):
    return statistics.median(xs) if xs else None


def fmt(x, digits=1):
    if x is None:
        return "–"
    return f"{x:.{digits}f}"


def ratio_str(x, best):
    if x is None or not best:
        return "–"
    return f"{x / best:.2f}"


NOISE = ("(below main)", "__libc_start_main", "ld-linux")


def annotate(cgfile, limit=14):
    """Top functions by exclusive instructions, from callgrind_annotate.
    A dump taken in mid-run charges its whole cost to the frames below
    main as well; those lines are left out."""
    try:
        res = subprocess.run(["callgrind_annotate", "--inclusive=no",
                              "--threshold=100", cgfile],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [f"(callgrind_annotate failed: {e})"]
    keep = []
    started = False
    for line in res.stdout.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started or line.startswith("-") or not line.strip():
            if started and keep and not line.strip():
                break
            continue
        if any(n in line for n in NOISE):
            continue
        line = re.sub(r"\s*\[[^\]]*\]\s*$", "", line)       # the object file
        line = re.sub(r"/\S*/(libslab|bench)/", r"\1/", line)  # the tree's path
        keep.append(line)
        if len(keep) >= limit:
            break
    return keep


def call_counts(cgfile):
    """{file:function: calls} from callgrind_annotate --tree=caller: the
    calls of a function are the sum over the '< caller (Nx)' lines above
    its '*' line."""
    try:
        res = subprocess.run(["callgrind_annotate", "--tree=caller",
                              "--threshold=100", cgfile],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    counts, pending = {}, 0
    for line in res.stdout.splitlines():
        m = re.search(r"<\s+\S+ \(([\d,]+)x\)", line)
        if m:
            pending += int(m.group(1).replace(",", ""))
            continue
        m = re.search(r"\*\s+(\S+)", line)
        if m and re.match(r"^\s*[\d,]+ \(", line):
            counts[m.group(1)] = pending
        if not line.strip() or m:
            pending = 0
    return counts


def annotate_lines(cgfile, ops, limit=20):
    """The source lines of libslab costing most, per operation."""
    try:
        res = subprocess.run(["callgrind_annotate", "--auto=yes",
                              "--threshold=100", "--context=0", cgfile],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [f"(callgrind_annotate failed: {e})"]
    rows = []
    src = None
    lineno = None
    for line in res.stdout.splitlines():
        m = re.match(r"^-- Auto-annotated source: (.*)$", line)
        if m:
            src = m.group(1).strip()
            continue
        m = re.match(r"^-- line (\d+) -+", line)
        if m:
            lineno = int(m.group(1))
            continue
        if "events annotated" in line or line.startswith("----"):
            lineno = None
            continue
        if src is None or "/libslab/" not in src or lineno is None:
            continue
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)  (.*)$", line)
        if not m:
            continue
        text = m.group(2)
        if text.lstrip().startswith("=>"):
            continue   # a call's inclusive cost, counted in the callee
        rows.append((int(m.group(1).replace(",", "")),
                     f"{os.path.basename(src)}:{lineno}", text.strip()))
        lineno += 1
    rows.sort(reverse=True)
    return [f"{ir / ops:6.2f}  {where:<20} {text}"
            for ir, where, text in rows[:limit]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--chart", required=True)
    ap.add_argument("--preload-chart")
    args = ap.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)

    info = read_info(os.path.join(out, "info.txt"))
    ident = {r["name"]: r for r in read_kv(os.path.join(out, "identity.txt"))}
    times = read_kv(os.path.join(out, "time.txt"))
    lats = read_kv(os.path.join(out, "lat.txt"))
    oh = read_kv(os.path.join(out, "overhead.txt"))
    reader = read_kv(os.path.join(out, "reader.txt"))
    cg = callgrind_counts(os.path.join(out, "cg"))
    pl, pl_calls = report_preload.load(out, read_kv)

    allocs = [a for a in PEERS + SLABS if a in ident or
              any(r.get("name") == a for r in times)]
    peers = [a for a in allocs if a in PEERS]

    # wall: {(alloc, wl, size): [ns...]}, plus faults and RSS
    wall, cpu, minflt, rss = {}, {}, {}, {}
    # A run cut short (the bench stopped mid-line) has no figures: skip it.
    times = [r for r in times if "ns_per_op" in r and "workload" in r]
    for r in times:
        key = (r["name"], r["workload"], r["size"])
        wall.setdefault(key, []).append(float(r["ns_per_op"]))
        if "cpu_ns_per_op" in r:
            cpu.setdefault(key, []).append(float(r["cpu_ns_per_op"]))
        minflt.setdefault(key, []).append(int(r["minflt"]))
        rss.setdefault(key, []).append(int(r["maxrss_kb"]))
    lat = {(r["name"], r["workload"], r["size"]): r for r in lats}

    harness_cg = cg.get("null", ({}, {}))[0]

    def instr(a, wl, size):
        per = cg.get(a, ({}, {}))[0]
        if (wl, size) not in per:
            return None
        return per[(wl, size)] - harness_cg.get((wl, size), 0.0)

    def wall_med(a, wl, size):
        return median(wall.get((a, wl, size), []))

    L = []
    w = L.append
    w("# libslab benchmarks")
    w("")
    w("Written by `make bench` (bench/run.sh, bench/report.py); do not edit by hand.")
    if info.get("quick") == "1":
        w("")
        w("**Quick run** (`BENCH_ARGS=--quick`): fewer rounds and operations; "
          "figures are indicative only.")
    try:
        loads = [float(info.get(k, "0").split()[0])
                 for k in ("load_start", "load_end")]
        cores = float(info.get("cores", "2"))
        # The benchmark itself keeps one or two cores busy by the end.
        busy = loads[0] > cores or loads[1] > cores + 1
    except (ValueError, IndexError):
        busy, loads = False, []
    if busy:
        w("")
        w(f"**The machine was busy with other work during this run** (load "
          f"average {loads[0]:.1f} at the start, {loads[1]:.1f} at the end, on "
          f"{info.get('cores', '?')} cores): wall-clock figures are noisy "
          f"(see the min–max spreads); the CPU ns/op and the instruction "
          f"counts are the steadier figures.")
    w("")
    w("![wall ns/op per workload and allocator](results.png)")
    w("")
    w("## Machine and versions")
    w("")
    w("| | |")
    w("| --- | --- |")
    for k, label in [("date", "date"), ("cpu", "CPU"), ("cores", "cores"),
                     ("hypervisor", "hypervisor"), ("memory", "memory"),
                     ("kernel", "kernel"), ("os", "OS"), ("cc", "compiler"),
                     ("cflags", "CFLAGS"), ("valgrind", "valgrind"),
                     ("gnuplot", "gnuplot"), ("libslab", "libslab (git)"),
                     ("libslab_commit_date", "libslab commit date"),
                     ("rounds", "wall rounds"), ("scale", "operation scale"),
                     ("pl_rounds", "LD_PRELOAD rounds"), ("pl_scale", "LD_PRELOAD work scale"),
                     ("load_start", "load average at start (1, 5, 15 min)"),
                     ("load_end", "load average at end"),
                     ("duration_s", "duration of the run (s)")]:
        w(f"| {label} | {info.get(k, '?') or '–'} |")
    w("")
    w("Which library served each allocator (checked inside every benchmark "
      "process: `dladdr()` on the `malloc` the dynamic linker resolved, and "
      "the library's own version call; the last column counts the timed "
      "runs that reported the same library):")
    w("")
    served = {}
    for r in times + lats:
        served.setdefault(r["name"], []).append(r.get("served_by"))
    w("| allocator | served by | version reported | Debian package "
      "| runs served by it |")
    w("| --- | --- | --- | --- | --- |")
    pkgs = {"glibc": "libc6", "jemalloc": "libjemalloc2",
            "mimalloc": "libmimalloc2.0", "tcmalloc": "libtcmalloc-minimal4"}
    for a in allocs:
        r = ident.get(a, {})
        pv = info.get("pkg_" + pkgs[a], "") if a in pkgs else "(this tree)"
        runs = served.get(a, [])
        same = sum(x == r.get("served_by") for x in runs)
        check = f"{same} of {len(runs)}" if same == len(runs) else \
            f"**{same} of {len(runs)}** (others: " \
            f"{', '.join(sorted(set(x for x in runs if x != r.get('served_by'))))})"
        w(f"| {a} | `{r.get('served_by', '?')}` | {r.get('version', '?')} | "
          f"{pkgs.get(a, '')} {pv} | {check} |")
    w("")
    w("`libslab` is the handle API (`alloc_obj_epoch`/`free_obj`), "
      "`libslab-malloc` the malloc-style API (`slab_malloc_epoch`/`slab_free`, "
      "16-byte header); both link the build tree's `libslab.so`, with default "
      "settings (sampling and publishing on).  `libslab-dropin` is plain "
      "`malloc`/`free` with the build tree's `libslab-malloc.so` preloaded "
      "(the drop-in, no header, also at default settings).  Peers are "
      "preloaded with `LD_PRELOAD`; tcmalloc is gperftools' "
      "`libtcmalloc_minimal`.")
    w("")

    # ------------------------------------------------------------ targets
    w("## Targets")
    w("")
    w("| target | measured | met |")
    w("| --- | --- | --- |")

    def yes(ok):
        return "yes" if ok else "**no**"

    mi_pair = [instr("mimalloc", "pair", s) for s, _ in SIZES]
    for wl in ("pair", "churn"):
        v = instr("libslab", wl, "128")
        peer_v = {p: instr(p, wl, "128") for p in peers}
        peer_txt = ", ".join(f"{p} {fmt(x)}" for p, x in peer_v.items()
                             if x is not None)
        if v is None:
            w(f"| ≤ {TARGET_INSTR:.0f} instructions per alloc+free, {wl} 128 B | "
              f"not measured (no callgrind data) | – |")
        else:
            w(f"| ≤ {TARGET_INSTR:.0f} instructions per alloc+free, {wl} 128 B | "
              f"libslab {fmt(v)} (libslab-malloc "
              f"{fmt(instr('libslab-malloc', wl, '128'))}; {peer_txt}) | "
              f"{yes(v <= TARGET_INSTR)} |")
    for a, what in (("libslab", "handle API"), ("libslab-malloc", "malloc-style API"),
                    ("libslab-dropin", "drop-in malloc/free")):
        n_ok, n_all, miss = 0, 0, []
        for wl, _ in WORKLOADS:
            if wl == "xthread":
                continue
            for s, _ in SIZES:
                v, m = instr(a, wl, s), instr("mimalloc", wl, s)
                if v is None or m is None:
                    continue
                n_all += 1
                if v <= m:
                    n_ok += 1
                else:
                    miss.append(f"{wl}/{s} {v:.1f} vs {m:.1f}")
        if n_all:
            w(f"| instructions per alloc+free ≤ mimalloc, {what} ({a}) | "
              f"{n_ok} of {n_all} workloads; misses: {', '.join(miss) or 'none'} | "
              f"{yes(n_ok == n_all)} |")
    hits, total, misses = 0, 0, []
    for wl, _ in WORKLOADS:
        for s, _ in SIZES:
            v = wall_med("libslab", wl, s)
            best = [wall_med(p, wl, s) for p in peers]
            best = [b for b in best if b is not None]
            if v is None or not best:
                continue
            total += 1
            if v <= min(best):
                hits += 1
            else:
                misses.append(f"{wl}/{s} ×{v / min(best):.2f}")
    cpu_hits, cpu_total = 0, 0
    for wl, _ in WORKLOADS:
        for s, _ in SIZES:
            v = median(cpu.get(("libslab", wl, s), []))
            best = [median(cpu.get((p, wl, s), [])) for p in peers]
            best = [b for b in best if b is not None]
            if v is None or not best:
                continue
            cpu_total += 1
            cpu_hits += v <= min(best)
    if total:
        w(f"| wall ns/op ≤ fastest peer (libslab handle API, median) | "
          f"{hits} of {total} workloads (by CPU ns/op: {cpu_hits} of "
          f"{cpu_total}); misses: {', '.join(misses) or 'none'} | "
          f"{yes(hits == total)} |")
    for s, sl in SIZES:
        v = wall_med("libslab", "xthread", s)
        m = wall_med("mimalloc", "xthread", s)
        if v is not None and m is not None:
            w(f"| cross-thread free ≤ mimalloc, {sl} | libslab {fmt(v)} ns, "
              f"mimalloc {fmt(m)} ns | {yes(v <= m)} |")

    # sampling overhead: wall and CPU ns/op per (configuration, workload)
    ohm, ohc, samples_s = {}, {}, {}
    for r in oh:
        key = (r["cfg"], r["workload"])
        ohm.setdefault(key, []).append(float(r["ns_per_op"]))
        if "cpu_ns_per_op" in r:
            ohc.setdefault(key, []).append(float(r["cpu_ns_per_op"]))
        if "samples_per_s" in r:
            samples_s.setdefault(key, []).append(float(r["samples_per_s"]))

    def overhead(table, cfg, wl):
        metric = "cpu_ns_per_op" if table is ohc else "ns_per_op"
        return paired_pct(oh, "cfg", "compiled-out", cfg, metric=metric,
                          workload=wl)

    def verdict(*pcts):
        pcts = [p for p in pcts if p is not None]
        if all(p <= 1.0 for p in pcts):
            return "yes"
        if all(p > 1.0 for p in pcts):
            return "**no**"
        return "unclear: wall and CPU disagree (noise)"

    for wl in ("pair", "churn"):
        pw, pc = overhead(ohm, "defaults", wl), overhead(ohc, "defaults", wl)
        if pw is None:
            w(f"| sampling overhead at defaults ≤ 1 %, {wl} 128 B | "
              "not measured | – |")
            continue
        sps = median(samples_s.get(("defaults", wl), []))
        i_on, i_off = instr("libslab", wl, "128"), instr("libslab-nosampling", wl, "128")
        itxt = f", {i_on - i_off:+.1f} instr/op" if i_on is not None and i_off is not None else ""
        w(f"| sampling overhead at defaults ≤ 1 %, {wl} 128 B | "
          f"wall {pw:+.2f} %, CPU {'–' if pc is None else f'{pc:+.2f}'} %{itxt} "
          f"({fmt(median(ohm[('defaults', wl)]), 2)} vs "
          f"{fmt(median(ohm[('compiled-out', wl)]), 2)} ns/op; "
          f"{fmt(sps, 0)} samples/s) | {verdict(pw, pc)} |")
    sps = [median(samples_s.get(("defaults", wl), [])) for wl in ("pair", "churn")]
    sps = [x for x in sps if x is not None]
    if sps:
        w(f"| ≥ 100 samples/s per busy thread at defaults (both clocks) | "
          f"{', '.join(f'{x:.0f}' for x in sps)} samples/s (pair, churn) | "
          f"{yes(min(sps) >= 100)} |")
    att = writer_slowdown(read_kv(os.path.join(out, "writer.txt")))
    none = [r for r in reader if r.get("reader") == "none"]
    why_none = none[0].get("why", "no data") if none else "no data"
    if att:
        pct, cpct = att["slowdown_pct"], att["cpu_slowdown_pct"]
        w(f"| writer slowdown with slabtop attached at 10 Hz ≤ 1 % | "
          f"wall {pct:+.2f} %, CPU {'–' if cpct is None else f'{cpct:+.2f}'} % (paired rounds; medians "
          f"{att['attached_ns']:.2f} vs {att['detached_ns']:.2f} ns/op) | "
          f"{verdict(pct, cpct)} |")
    else:
        w(f"| writer slowdown with slabtop attached at 10 Hz ≤ 1 % | "
          f"not measured: {why_none} | – |")
    cpus = [r for r in reader if r.get("reader") == "slabtop-cpu"
            and "core_pct" in r]
    if cpus:
        txt = "; ".join(f"{r['how']} {float(r['core_pct']):.2f} %" for r in cpus)
        worst = max(float(r["core_pct"]) for r in cpus)
        w(f"| slabtop ≤ 1 % of a core (1 s refresh, "
          f"{cpus[0].get('records', '?')} live thread records) | {txt} | "
          f"{yes(worst <= 1.0)} |")
    else:
        w(f"| slabtop ≤ 1 % of a core (1 s refresh, 256 thread records) | "
          f"not measured: {why_none} | – |")
    for line in report_preload.target_rows(pl):
        w(line)
    w("")

    # ------------------------------------------------------------ workloads
    w("## Workloads")
    w("")
    w("ns/op: median of the wall rounds (min–max beside it); one op is one "
      "allocation and one free.  ×best: the median over the fastest peer's "
      "median (below 1.00 is faster than every peer).  CPU ns/op: the "
      "process's CPU time (all threads) per op, median: time spent waiting "
      "for a CPU does not count, so it is steadier on a shared machine.  instr/op: callgrind, "
      "harness subtracted.  minflt: minor page faults of the whole run "
      "(median); RSS: peak resident set of the process (max over rounds).  "
      "`harness` is the benchmark with no allocator at all (every allocation "
      "returns the same static buffer): its figures are what the others "
      "include of the harness.")
    w("")
    chart_rows = []
    for wl, desc in WORKLOADS:
        for s, sl in SIZES:
            has_lat = any((a, wl, s) in lat for a in allocs)
            w(f"### {wl}, {sl}: {desc}")
            w("")
            hdr = ("| allocator | ns/op | min–max | ×best | CPU ns/op | instr/op "
                   "| minflt | peak RSS MiB |")
            sep = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
            if has_lat:
                hdr += " p50 ns | p99 ns | p99.9 ns |"
                sep += " ---: | ---: | ---: |"
            w(hdr)
            w(sep)
            best = [wall_med(p, wl, s) for p in peers]
            best = min([b for b in best if b is not None], default=None)
            row = [f"{wl}/{s}"]
            for a in allocs + ["null"]:
                xs = wall.get((a, wl, s), [])
                if not xs:
                    row.append("NaN")
                    continue
                m = median(xs)
                if a != "null":
                    row.append(f"{m:.3f}")
                mf = median(minflt.get((a, wl, s), []))
                rs = max(rss.get((a, wl, s), [0])) / 1024
                ins = instr(a, wl, s) if a != "null" else \
                    harness_cg.get((wl, s))
                label = "harness" if a == "null" else a
                if a in SLABS:
                    label = f"**{a}**"
                line = (f"| {label} | {m:.2f} | {min(xs):.2f}–{max(xs):.2f} | "
                        f"{ratio_str(m, best) if a != 'null' else '–'} | "
                        f"{fmt(median(cpu.get((a, wl, s), [])), 2)} | "
                        f"{fmt(ins) if wl != 'xthread' else 'n/a'} | "
                        f"{mf:.0f} | {rs:.1f} |")
                if has_lat:
                    lr = lat.get((a, wl, s))
                    if lr:
                        line += (f" {float(lr['p50_ns']):.1f} | "
                                 f"{float(lr['p99_ns']):.1f} | "
                                 f"{float(lr['p999_ns']):.1f} |")
                    else:
                        line += " – | – | – |"
                w(line)
            if wl == "epoch":
                for a in SLABS:
                    xs = wall.get((a, "batch1000", s), [])
                    if not xs:
                        continue
                    m = median(xs)
                    w(f"| {a}, one by one, no epochs (= batch1000) | {m:.2f} | "
                      f"{min(xs):.2f}–{max(xs):.2f} | {ratio_str(m, best)} | "
                      f"{fmt(median(cpu.get((a, 'batch1000', s), [])), 2)} | "
                      f"{fmt(instr(a, 'batch1000', s))} | "
                      f"{median(minflt.get((a, 'batch1000', s), [0])):.0f} | "
                      f"{max(rss.get((a, 'batch1000', s), [0])) / 1024:.1f} |")
            chart_rows.append(row)
            w("")
    w("instr/op is not given for `xthread`: under callgrind the two threads "
      "run serialised and their spin-waits would be counted.")
    w("")
    pl_lines, pl_chart = report_preload.section(pl, pl_calls, info)
    L.extend(pl_lines)

    # ------------------------------------------------------------ overhead
    w("## Overhead: sampling")
    w("")
    w("The same program (slabbench, `-a slab`) linked against a tree "
      "configured with `--disable-slowpath-sampling` (compiled out), against "
      "the default tree with default settings (defaults), and against the "
      "default tree with `SLAB_SAMPLE_RATE=1024 SLAB_SAMPLE_MODE=fixed "
      "SLAB_SAMPLE_BUDGET=off` (seed-exact).  Rounds interleaved (the three "
      "configurations in turn), median of the rounds, min–max beside it.  "
      "\"vs compiled out\": the median over rounds of the ratio of the two "
      "runs of the same round, so that the machine's slow drifts cancel.  "
      "instr/op: callgrind, user space only (the clock reads' system calls "
      "are not counted), harness subtracted.  The two builds also differ in "
      "code placement, which moves an operation of a few nanoseconds by a "
      "few percent either way (a negative overhead is that effect); the "
      "instruction difference is the exact cost of the fast-path check.")
    w("")
    w("| workload | configuration | ns/op | min–max | vs compiled out "
      "| CPU ns/op | vs compiled out | instr/op | samples/s | rounds |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    cg_of = {"compiled-out": "libslab-nosampling", "defaults": "libslab",
             "seed-exact": "libslab-seed"}
    for wl in ("pair", "churn"):
        for c in ("compiled-out", "defaults", "seed-exact"):
            xs = ohm.get((c, wl), [])
            if not xs:
                continue
            pw, pc = overhead(ohm, c, wl), overhead(ohc, c, wl)
            sps = median(samples_s.get((c, wl), []))
            w(f"| {wl} 128 B | {c} | {median(xs):.3f} | "
              f"{min(xs):.3f}–{max(xs):.3f} | "
              f"{'–' if pw is None else f'{pw:+.2f} %'} | "
              f"{fmt(median(ohc.get((c, wl), [])), 3)} | "
              f"{'–' if pc is None else f'{pc:+.2f} %'} | "
              f"{fmt(instr(cg_of[c], wl, '128'), 2)} | "
              f"{fmt(sps, 0)} | {len(xs)} |")
    w("")
    w("## Overhead: a reader attached, and the reader itself")
    w("")
    if att:
        w(f"- Writer throughput (pair 128 B, libslab handle API, defaults): "
          f"{att['detached_ns']:.3f} ns/op without a reader "
          f"({att['detached_min']:.3f}–{att['detached_max']:.3f}), "
          f"{att['attached_ns']:.3f} ns/op with `slabtop --json -d 0.1` "
          f"reading its segment ({att['attached_min']:.3f}–"
          f"{att['attached_max']:.3f}): {att['slowdown_pct']:+.2f} % wall, "
          f"{fmt(att['cpu_slowdown_pct'], 2)} % CPU time per op (median of "
          f"the per-round ratios, {att['rounds']} interleaved rounds).")
    else:
        w(f"- Writer throughput with a reader attached: not measured: "
          f"{why_none}.")
    if cpus:
        for r in cpus:
            how = ("the curses screen in a 160x50 tmux pane, `slabtop -d 1`"
                   if r["how"] == "curses" else
                   "headless, `slabtop --json -d 1` to /dev/null")
            w(f"- slabtop's own CPU, {how}, watching a process with "
              f"{r.get('records')} live threads that each own a record: "
              f"{r.get('cpu_s')} s of CPU in {r.get('wall_s')} s = "
              f"{float(r['core_pct']):.2f} % of a core.")
    else:
        w(f"- slabtop's own CPU: not measured: {why_none}.")
    for r in reader:
        if r.get("reader") == "slabtop-cpu" and "why" in r:
            w(f"- slabtop's own CPU ({r.get('how')}): not measured: {r['why']}.")
    w("")

    # ------------------------------------------------------------ hot spots
    w("## libslab hot spots (callgrind)")
    w("")
    for a, wl in (("libslab", "pair"), ("libslab", "churn"),
                  ("libslab-malloc", "pair"), ("libslab-dropin", "pair")):
        files = cg.get(a, ({}, {}))[1]
        f = files.get((wl, "128"))
        if not f:
            w(f"No callgrind data for {a} {wl}.")
            continue
        per = cg[a][0].get((wl, "128"))
        n_ops = int(re.search(r"ops=(\d+)", open(f, errors="replace").read(4096)).group(1))
        w(f"**{a}, {wl} 128 B**: {fmt(per)} instructions per alloc+free before "
          f"subtracting the harness's {fmt(harness_cg.get((wl, '128')))}.  "
          f"Functions by exclusive instructions (`callgrind_annotate "
          f"--inclusive=no`) over the counted run of {n_ops} operations:")
        w("")
        calls = call_counts(f)
        w("```")
        for line in annotate(f):
            fn = line.split()[-1] if line.split() else ""
            full = [c for k, c in calls.items()
                    if re.sub(r"/\S*/(libslab|bench)/", r"\1/", k) == fn]
            if full and full[0] and n_ops:
                line = f"{line:<60} {full[0] / n_ops:6.3f} calls/op"
            w(line.rstrip())
        w("```")
        w("")
        w("Source lines of libslab, instructions per operation "
          "(`callgrind_annotate --auto=yes`):")
        w("")
        w("```")
        for line in annotate_lines(f, n_ops):
            w(line.rstrip())
        w("```")
        w("")

    # ------------------------------------------------------------ method
    w("## How it was measured")
    w("")
    w("```")
    w("make bench                       # this whole page")
    w("make bench BENCH_QUICK=1         # a short run (a few minutes), figures indicative")
    w("make bench BENCH_ARGS=--only=callgrind   # redo one step (callgrind, wall,")
    w("                                 # latency, overhead, reader, preload, calls)")
    w("bench/proctime -p /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 -i bench/programs/sqlite.sql \\")
    w("    -o out.txt -- sqlite3 :memory:     # one program, one allocator")
    w("bench/proctime -p libslab/malloc/.libs/libslab-malloc.so -- bench/allocwork larson")
    w("bench/slabbench -m time -a slab -w pair -s 128 -n 10000000")
    w("LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2 \\")
    w("    bench/slabbench -m time -a malloc -w churn -s mixed -n 5000000")
    w("valgrind --tool=callgrind bench/slabbench -m cg -a slab -n 100000")
    w("bench/slabbench -m lat -a slab -w churn -s 128 -n 200000")
    w("```")
    w("")
    w("- **Harness.** One program, `bench/slabbench`, with each workload "
      "written once and compiled per allocator, so every allocator call is a "
      "direct call (through the PLT, as for any shared library).  Harness "
      "memory (slot arrays, the size sequence, the queue) comes from `mmap`, "
      "so the allocator under test serves only the workload.  Every object's "
      "first word is written.  Mixed sizes are a fixed pseudo-random sequence "
      "of 8192 sizes, uniform in 64..752 bytes (752 = the largest "
      "`slab_malloc` request).  Each (allocator, workload) is its own process.")
    w("- **Instructions.** `valgrind --tool=callgrind`: each workload runs "
      "once to warm up, then n and 2n operations, each counted alone "
      "(client requests zero and dump the counters); (I(2n) − I(n)) / n is "
      "the cost of one operation with fixed costs cancelled, and the same "
      "figure for the harness without an allocator is subtracted.  No noise: "
      "this is the figure to tune against.")
    w("- **Wall time.** ns/op of the timed run after a warm-up of a tenth "
      "of it; rounds are interleaved: in each round every workload runs once "
      "for every allocator, in an order rotated from round to round, so a "
      "slow patch of the machine hits all allocators alike.  Median, min and "
      "max over the rounds.")
    w("- **Latency.** Groups of 16 allocations timed with one pair of "
      "`CLOCK_MONOTONIC` reads, the median cost of an empty timed region "
      "subtracted, divided by 16: a clock read costs about as much as an "
      "allocation, so timing single calls would measure the clock.  A slow "
      "path therefore shows as 1/16 of its cost in its group.  `churn`: "
      "16 consecutive slots of the 10,000 live ones freed (untimed) and "
      "refilled; `batch100000`: the allocation phase of the batches.")
    w("- **Faults and RSS.** `getrusage()`: minor faults over set-up, "
      "warm-up and run; `ru_maxrss` at the end.")
    w("")

    with open(args.results, "w") as f:
        f.write("\n".join(L) + "\n")
    if args.preload_chart:
        report_preload.chart(pl, pl_chart, out, args.preload_chart)

    # ------------------------------------------------------------ chart
    dat = os.path.join(out, "chart.dat")
    with open(dat, "w") as f:
        f.write("workload " + " ".join(allocs) + "\n")
        for row in chart_rows:
            f.write(" ".join(row[:1 + len(allocs)]) + "\n")
    ncol = len(allocs)
    if not times:
        print("report.py: no wall-clock data, so no chart", file=sys.stderr)
        return 0
    gp = f"""
set terminal pngcairo size 1600,720 font ",10"
set output '{args.chart}'
set title "Wall time per allocation + free (median of rounds; lower is better)"
set ylabel "ns/op (log scale)"
set logscale y
set yrange [2:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set grid ytics
set xtics rotate by -30 noenhanced
plot for [c=2:{ncol + 1}] '{dat}' using c:xtic(1) title columnheader(c)
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True,
                       timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        print(f"report.py: gnuplot failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

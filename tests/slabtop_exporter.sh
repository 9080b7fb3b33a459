#!/bin/sh
# slabtop_exporter.sh - slabtop --listen: /metrics over HTTP on 127.0.0.1 in
# the Prometheus text format and, when the Accept header asks, OpenMetrics;
# both checked by promtool and by the strict OpenMetrics checker; every
# readable segment labelled (name, pid, command); real histograms; the
# per-scrape-interval gauges from the second scrape on; processes coming
# and going; the shipped recording and alerting rules checked and unit
# tested by promtool; a real Prometheus server scraping the exporter every
# second (it asks for OpenMetrics, so its parser reads that format);
# SIGTERM ending it cleanly.  Everything runs on loopback, every
# wait is bounded, and the cleanup stops whatever the test started.  The
# exposition holds every segment of the host, so the test runs in a
# private /dev/shm where it can.
. "${top_srcdir:-.}/tests/private_shm.sh"
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 23
RULES="$top_srcdir/contrib/prometheus/slabtop-rules.yml"
OMCHECK="python3 $top_srcdir/tests/slabtop_om_check.py"
skip_rest() { while [ "$tap_n" -lt "$tap_plan" ]; do skip "$1"; done; finish; }

# The rules are checked even where the exporter cannot be built.
if command -v promtool >/dev/null 2>&1; then
    promtool check rules "$RULES" > "$WORK/rules.out" 2>&1
    ok $? "promtool check rules accepts contrib/prometheus/slabtop-rules.yml"
    (cd "$top_srcdir/contrib/prometheus" && promtool test rules slabtop-rules.test.yml) \
        > "$WORK/rules-test.out" 2>&1
    ok $? "promtool test rules: the ratio, off-CPU share and both alerts behave"
    sed 's/^/#   /' "$WORK/rules-test.out" | tail -n 5
else
    skip "promtool is not installed (Debian: prometheus)"
    skip "promtool is not installed (Debian: prometheus)"
fi
command -v curl >/dev/null 2>&1 || skip_rest "curl is not installed"
have_python || skip_rest "python3 is not installed"

seg a; A=$SEG
seg b; B=$SEG
start_pub "$A" --threads 2 --seconds 120 --repairs
PA=$PUB_PID
start_pub "$B" --threads 1 --seconds 120
PB=$PUB_PID

# Port 0: the exporter picks a free port and says which.
"$SLABTOP" --listen 127.0.0.1:0 2> "$WORK/exp.err" &
EXP=$!
PIDS="$PIDS $EXP"
PORT=
for _ in $(seq 1 100); do
    PORT=$(sed -n 's|^slabtop: serving http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$WORK/exp.err")
    [ -n "$PORT" ] && break
    kill -0 "$EXP" 2>/dev/null || break
    sleep 0.05
done
if grep -q "built without libmicrohttpd" "$WORK/exp.err"; then
    skip_rest "slabtop was built without libmicrohttpd (Debian: libmicrohttpd-dev)"
fi
[ -n "$PORT" ]
ok $? "--listen 127.0.0.1:0 listens and names its port ($PORT)"
[ -n "$PORT" ] || skip_rest "the exporter did not start: $(cat "$WORK/exp.err")"
URL="http://127.0.0.1:$PORT/metrics"
wait_threads "$A" 2 >/dev/null

# --- Prometheus text format ---------------------------------------------
curl -s -m 10 -D "$WORK/prom.h" -o "$WORK/prom.txt" "$URL"
is $? 0 "curl /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/prom.h"
ok $? "without an Accept header: the Prometheus text format"
grep -q "^slab_allocations_total{name=\"$A\",pid=\"$PA\",command=\"slabtop_pub\"} [1-9]" "$WORK/prom.txt" \
    && grep -q "^slab_allocations_total{name=\"$B\",pid=\"$PB\",command=\"slabtop_pub\"} [1-9]" "$WORK/prom.txt"
ok $? "both processes, labelled with name, pid and command, counting allocations"
grep -q "^# TYPE slab_allocations_total counter" "$WORK/prom.txt" && ! grep -q '^# EOF' "$WORK/prom.txt"
ok $? "counters typed under their _total name, no # EOF"
python3 - "$WORK/prom.txt" "$A" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
name = sys.argv[2]
for clock in ("wall", "cpu"):
    fam = "slab_sample_%s_latency_seconds" % clock
    assert "# TYPE %s histogram" % fam in text
    rx = re.compile(r'^%s_bucket\{name="%s",[^}]*le="([^"]+)"\} (\d+)$' % (fam, re.escape(name)), re.M)
    b = [(float(le), int(v)) for le, v in rx.findall(text)]
    assert b and b[-1][0] == float("inf"), b[-3:]
    assert all(b[i][0] < b[i + 1][0] and b[i][1] <= b[i + 1][1] for i in range(len(b) - 1))
    count = int(re.search(r'^%s_count\{name="%s",[^}]*\} (\d+)$' % (fam, re.escape(name)), text, re.M).group(1))
    total = float(re.search(r'^%s_sum\{name="%s",[^}]*\} (\S+)$' % (fam, re.escape(name)), text, re.M).group(1))
    assert count == b[-1][1] > 0 and total > 0, (count, b[-1], total)
PY
ok $? "wall and CPU latency as cumulative histograms: ordered le, +Inf = _count, _sum"
grep -q "^slab_repairs_total{name=\"$A\",.*reason=\"full_bitmap\"}" "$WORK/prom.txt"
ok $? "repairs by reason"
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics < "$WORK/prom.txt" > "$WORK/promtool.out" 2>&1
    ok $? "promtool check metrics accepts the text format"
    sed 's/^/#   /' "$WORK/promtool.out" | head -n 5
else
    skip "promtool is not installed (Debian: prometheus)"
fi

# --- OpenMetrics ----------------------------------------------------------
curl -s -m 30 -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5' \
    -D "$WORK/om.h" -o "$WORK/om.txt" "$URL"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$WORK/om.h" \
    && tail -n 1 "$WORK/om.txt" | grep -qx '# EOF'
ok $? "Accept: application/openmetrics-text gets OpenMetrics, ending in # EOF"
$OMCHECK < "$WORK/om.txt" > "$WORK/om.check"
ok $? "the OpenMetrics exposition passes the strict checker"
sed 's/^/#   /' "$WORK/om.check" | head -n 5
grep -q "^slab_scrape_interval_wall_cpu_ratio{name=\"$A\"" "$WORK/om.txt" \
    && grep -q "^# HELP slab_scrape_interval_wall_cpu_ratio .*previous scrape" "$WORK/om.txt"
ok $? "from the second scrape on, per-interval gauges between the exporter's own scrapes, saying so"
grep -q "^# HELP slab_scrape_interval_verdict .*clean, moderate, heavy or insufficient" "$WORK/om.txt" \
    && ! grep -qi "seed" "$WORK/om.txt"
ok $? "the verdict gauge's HELP names the verdicts, without jargon"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nothing")
is "$code" 404 "other paths: 404"

# --- processes come and go ------------------------------------------------
kill -TERM "$PB"
wait_gone "$PB"
seg c; C=$SEG
start_pub "$C" --threads 1 --seconds 120
PC=$PUB_PID
# B exited normally (its segment is removed at exit): the next scrape
# still shows it once, with slab_up 0, as the documentation promises.
curl -s -m 10 -o "$WORK/later.txt" "$URL"
curl -s -m 10 -o "$WORK/later2.txt" "$URL"
[ ! -e "/dev/shm/slab.$B" ] && grep -q "^slab_up{name=\"$B\",pid=\"$PB\".* 0$" "$WORK/later.txt" \
    && grep -q "^slab_allocations_total{name=\"$B\",pid=\"$PB\".* [1-9][0-9]*$" "$WORK/later.txt"
ok $? "a process that exited normally is exported once more with slab_up 0 and its last counts"
! grep -q "name=\"$B\"" "$WORK/later2.txt" && grep -q "^slab_up{name=\"$C\",pid=\"$PC\".* 1$" "$WORK/later2.txt" \
    && grep -q "^slab_up{name=\"$A\"" "$WORK/later2.txt"
ok $? "then it leaves the exposition, and a new one joins it"

# A process that dies (SIGKILL) leaves a stale segment: one more scrape
# shows it with slab_up 0, later ones leave it out, as they leave out a
# segment whose owner was dead before the exporter ever saw it alive.
seg dead; D=$SEG
start_pub "$D" --threads 1 --seconds 120
PD=$PUB_PID
seg olddead; Z=$SEG
start_pub "$Z" --threads 1 --seconds 0.2 --crash
wait_gone "$PUB_PID"
curl -s -m 30 -o /dev/null "$URL"          # D seen alive
kill -KILL "$PD"
wait_gone "$PD"
curl -s -m 30 -o "$WORK/dead1.txt" "$URL"
curl -s -m 30 -o "$WORK/dead2.txt" "$URL"
grep -q "^slab_up{name=\"$D\",pid=\"$PD\".* 0$" "$WORK/dead1.txt" \
    && ! grep -q "name=\"$D\"" "$WORK/dead2.txt" && [ -e "/dev/shm/slab.$D" ]
ok $? "a process that died is exported once with slab_up 0, then left out"
! grep -q "name=\"$Z\"" "$WORK/dead1.txt" && ! grep -q "name=\"$Z\"" "$WORK/dead2.txt"
ok $? "a segment whose owner was already dead is not exported"

# --- a real Prometheus server scrapes it ------------------------------------
if command -v prometheus >/dev/null 2>&1; then
    PPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $(cd "$top_srcdir" && pwd)/contrib/prometheus/slabtop-rules.yml
scrape_configs:
  - job_name: slabtop
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YML
    mkdir -p "$WORK/tsdb"
    prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
        --web.listen-address="127.0.0.1:$PPORT" > "$WORK/prometheus.log" 2>&1 &
    PROM=$!
    PIDS="$PIDS $PROM"
    # Up to 90 s: a sanitizer build on a busy machine starts slowly.
    found=1
    for _ in $(seq 1 180); do
        curl -s -m 5 -G "http://127.0.0.1:$PPORT/api/v1/query" \
            --data-urlencode "query=slab_allocations_total{name=\"$A\"} > 0" > "$WORK/query.json" 2>/dev/null
        if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["data"]["result"]
sys.exit(0 if d["status"] == "success" and r and float(r[0]["value"][1]) > 0 else 1)
' "$WORK/query.json" 2>/dev/null; then
            found=0
            break
        fi
        kill -0 "$PROM" 2>/dev/null || break
        sleep 0.5
    done
    ok $found "a Prometheus server scraping every 1 s stores slab_allocations_total > 0"
    [ $found -eq 0 ] || tail -n 5 "$WORK/prometheus.log" | sed 's/^/#   /'
    curl -s -m 5 "http://127.0.0.1:$PPORT/api/v1/rules" > "$WORK/rules.json"
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {r["name"] for g in d["data"]["groups"] for r in g["rules"]}
sys.exit(0 if {"slab:wall_cpu_ratio:rate1m", "SlabHeavyInterference", "SlabRepairsSeen"} <= names else 1)
' "$WORK/rules.json"
    ok $? "the server loaded the shipped rules"
    kill -TERM "$PROM"
    wait_gone "$PROM"
else
    skip "prometheus is not installed (Debian: prometheus); CI installs it"
    skip "prometheus is not installed (Debian: prometheus); CI installs it"
fi

# --- SIGTERM ------------------------------------------------------------
kill -TERM "$EXP"
wait_gone "$EXP"
wait "$EXP" 2>/dev/null
rc=$?
is "$rc" 0 "SIGTERM: the exporter exits cleanly with status 0"
curl -s -m 2 -o /dev/null "$URL"
[ $? -ne 0 ]
ok $? "and the port is closed"

finish

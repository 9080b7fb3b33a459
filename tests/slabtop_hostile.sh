#!/bin/sh
# slabtop_hostile.sh - output that cannot attack a terminal or a parser, and
# the CLI's smaller defects: control bytes (C0, DEL, C1 such as CSI \xc2\x9b
# and OSC \xc2\x9d) and invalid UTF-8 in a segment's label and
# thread names come out escaped in --once, --list and usage errors, valid
# UTF-8 in --openmetrics and JSON; long names; write errors; TERM=dumb;
# directories, blank files and symbolic links under a segment's name.
. "${top_srcdir:-.}/tests/slabtop_lib.sh"

plan 27

# Fails unless every byte of the file is printable UTF-8 or a newline.
clean_text() {
    python3 -c '
import sys, unicodedata
data = open(sys.argv[1], "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    print("# invalid UTF-8:", e); sys.exit(1)
for ch in text:
    if ch == "\n":
        continue
    if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn"):
        print("# raw control U+%04X" % ord(ch)); sys.exit(1)
' "$1"
}

if ! have_python; then
    for i in $(seq 1 27); do skip "python3 is not installed"; done
    finish
fi

C1CSI=$(printf '\302\233')
C1OSC=$(printf '\302\235')
seg evil; E=$SEG
# é is two bytes: 8 of them are cut at 15 bytes by the kernel, inside one.
start_pub "$E" --threads 2 --seconds 120 \
    --label "L${C1CSI}31m${C1OSC}0;t$(printf '\377')" \
    --thread-name "ééééééééé${C1OSC}"
wait_threads "$E" 2 >/dev/null

"$SLABTOP" --once "$E" > "$WORK/once.txt" 2>&1
is $? 0 "--once on a segment with hostile strings"
clean_text "$WORK/once.txt"
ok $? "--once: every byte is printable UTF-8"
grep -qF 'L\xc2\x9b31m\xc2\x9d0;t\xff' "$WORK/once.txt"
ok $? "--once: the label's C1 controls and invalid byte are shown as \\xHH"
# The thread rows: the name is cut at a character boundary and padded to
# the column, so every row is as wide (in characters) as the header.
python3 - "$WORK/once.txt" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = next(i for i, l in enumerate(lines) if l.lstrip().startswith("TID NAME"))
head = lines[i]
rows = [l for l in lines[i + 1:] if l.strip() and (" live " in l or " busy " in l)]
cut = [l for l in rows if "é" in l]
ok = len(cut) >= 2 and all(len(l) == len(head) for l in rows) \
     and all("\\xc3" in l for l in cut)
print("# header %d, rows %s" % (len(head), [len(l) for l in rows]))
sys.exit(0 if ok else 1)
PY
ok $? "--once: thread names cut inside a character stay aligned, the cut byte escaped"

"$SLABTOP" --openmetrics "$E" > "$WORK/om.txt" 2>&1
is $? 0 "--openmetrics on the hostile segment"
clean_text "$WORK/om.txt" && python3 "$top_srcdir/tests/slabtop_om_check.py" < "$WORK/om.txt"
ok $? "--openmetrics: valid UTF-8, no raw control, still parses"
grep -qF 'label="L\\xc2\\x9b31m' "$WORK/om.txt"
ok $? "--openmetrics: label values carry the same \\xHH text form"

"$SLABTOP" --json "$E" > "$WORK/json.txt" 2>&1
clean_text "$WORK/json.txt" && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["process"]["label"] == "L\u009b31m\u009d0;t\ufffd", d["process"]["label"]
' "$WORK/json.txt"
ok $? "--json: C1 as \\u009b (value kept), invalid byte as U+FFFD, nothing raw"

"$SLABTOP" --list > "$WORK/list.txt" 2>&1
clean_text "$WORK/list.txt" && grep -q "^$E " "$WORK/list.txt"
ok $? "--list: every byte is printable UTF-8"

"$SLABTOP" --sort "$(printf 'x\033[31my\302\233z')" "$E" > /dev/null 2> "$WORK/usage.err"
rc=$?
[ $rc -eq 2 ] && clean_text "$WORK/usage.err" && grep -qF 'x\x1b[31my\xc2\x9bz' "$WORK/usage.err"
ok $? "a usage error quotes the argument escaped (rc $rc)"
"$SLABTOP" "$(printf 'n\033]0;x\007')" > /dev/null 2> "$WORK/name.err"
clean_text "$WORK/name.err"
ok $? "an invalid segment name is echoed escaped"

# The curses screen, in tmux: the same escaped text, nothing raw reaches
# the terminal (its title, colours and screen stay as they were).
if command -v tmux >/dev/null 2>&1; then
    SOCK="$(cd "$WORK" && pwd)/tmux.sock"
    [ ${#SOCK} -lt 100 ] || SOCK="/tmp/slabtop-$TAG.sock"
    tmux -S "$SOCK" -f /dev/null new-session -d -s evil -x 100 -y 24 \
        "TERM=screen '$SLABTOP' '$E'; sleep 600"
    seen=1
    for _ in $(seq 1 100); do
        tmux -S "$SOCK" capture-pane -p -t evil > "$WORK/screen.txt" 2>/dev/null
        grep -qF '[L\xc2\x9b31m\xc2\x9d0;t\xff]' "$WORK/screen.txt" && { seen=0; break; }
        sleep 0.1
    done
    ok $seen "the screen shows the label escaped"
    title=$(tmux -S "$SOCK" display-message -p -t evil '#{pane_title}')
    [ "$title" != "t" ]
    ok $? "the OSC in the label did not set the terminal's title ('$title')"
    tmux -S "$SOCK" kill-server 2>/dev/null
else
    skip "tmux is not installed"
    skip "tmux is not installed"
fi

# A segment truncated and re-extended while slabtop reads it: the copy may
# fault (SIGBUS); slabtop must report it, never die of it.
seg shrink; T=$SEG
cp "/dev/shm/slab.$E" "/dev/shm/slab.$T"
python3 - "/dev/shm/slab.$T" <<'PY' &
import os, sys, time
path = sys.argv[1]
data = open(path, "rb").read()
end = time.time() + 4
while time.time() < end:
    with open(path, "r+b") as f:
        f.truncate(0)
        f.truncate(len(data))
        f.write(data)
PY
TORTURE=$!
PIDS="$PIDS $TORTURE"
"$SLABTOP" --json -n 300 -d 0.01 "$T" > /dev/null 2> "$WORK/shrink.err"
r1=$?
i=0; r2=0
while [ $i -lt 40 ]; do
    "$SLABTOP" --list > /dev/null 2>> "$WORK/shrink.err" || r2=$?
    [ $r2 -ge 128 ] && break
    i=$((i + 1))
done
wait "$TORTURE" 2>/dev/null
[ $r1 -lt 128 ] && [ $r2 -lt 128 ]
ok $? "a segment shrinking under the copy: slabtop --json and --list report it, never die (rc $r1 $r2)"

# --- smaller defects -----------------------------------------------------
seg 0123456789012345678901234567890123456789012345678901234; L=$SEG
L=$(printf '%s' "$L" | cut -c1-63); NAMES="$NAMES $L"
start_pub "$L" --threads 1 --seconds 60
"$SLABTOP" --once "$L" > /dev/null 2>&1
is $? 0 "a 63-character name is accepted by 'slabtop NAME'"

# --gc removes every dead owner's segment of the host, other tests' too:
# it runs in a private /dev/shm (a mount namespace) where that is possible.
for a in --gc -h -V; do
    if [ "$a" = --gc ]; then
        if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 \
           || ! unshare --mount sh -c 'mount -t tmpfs none /dev/shm' 2>/dev/null; then
            skip "--gc on /dev/full needs root and unshare for a private /dev/shm"
            continue
        fi
        unshare --mount sh -c 'mount -t tmpfs none /dev/shm && exec "$0" --gc' "$SLABTOP" \
            > /dev/full 2> "$WORK/full.err"
    else
        "$SLABTOP" $a > /dev/full 2> "$WORK/full.err"
    fi
    rc=$?
    [ $rc -eq 1 ] && grep -q "cannot write the output" "$WORK/full.err"
    ok $? "$a with stdout on /dev/full: exit 1 with a message (rc $rc)"
done
"$SLABTOP" --once "$E" >&- 2> "$WORK/closed.err"
rc=$?
[ $rc -eq 1 ] && grep -q "cannot write the output" "$WORK/closed.err"
ok $? "--once with stdout closed: exit 1 with a message (rc $rc)"

if command -v script >/dev/null 2>&1; then
    TERM=dumb script -qec "'$SLABTOP' '$E'" /dev/null > "$WORK/dumb.out" 2>&1
    rc=$?
    [ $rc -eq 1 ] && grep -q "cannot position the cursor" "$WORK/dumb.out"
    ok $? "TERM=dumb: a clear error and exit 1, not a blank screen (rc $rc)"
else
    skip "script (util-linux) is not installed"
fi

seg dir; D=$SEG
mkdir "/dev/shm/slab.$D"
"$SLABTOP" --once "$D" > /dev/null 2> "$WORK/dir.err"
rc=$?
rmdir "/dev/shm/slab.$D"
[ $rc -eq 5 ] && grep -q "not a regular file" "$WORK/dir.err"
ok $? "a directory under a segment's name: exit 5, not a libslab segment (rc $rc)"

seg zero; Z=$SEG
head -c 8192 /dev/zero > "/dev/shm/slab.$Z"
seg link; K=$SEG
ln -s "/dev/shm/slab.$E" "/dev/shm/slab.$K"
sleep 2.5
"$SLABTOP" --list > "$WORK/list2.txt"
grep -q "^$Z .* not-libslab " "$WORK/list2.txt"
ok $? "an all-zero file is listed as not-libslab once it is old, not busy for ever"
grep -q "^$K  *0 -  *not-libslab " "$WORK/list2.txt"
ok $? "a symbolic link is listed as itself, not as its target"
"$SLABTOP" --once "$K" > /dev/null 2> "$WORK/link.err"
is $? 5 "attaching to a symbolic link: exit 5"

# A header whose stats_size is not a multiple of 8: the message must make
# sense (it once said "stats_size 4272, expected at least 4272").
seg odd; O=$SEG
python3 - "/dev/shm/slab.$L" "/dev/shm/slab.$O" <<'PY'
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
(ss,) = struct.unpack_from("<I", img, 36)
struct.pack_into("<I", img, 36, ss + 4)
open(sys.argv[2], "wb").write(img)
PY
"$SLABTOP" --once "$O" > /dev/null 2> "$WORK/odd.err"
rc=$?
[ $rc -eq 5 ] && grep -q "multiple of 8" "$WORK/odd.err"
ok $? "an odd stats_size: exit 5 with a message that says what is wrong (rc $rc)"

"$SLABTOP" --help=3 > /dev/null 2> "$WORK/help3.err"
rc=$?
[ $rc -eq 2 ] && grep -q "option '--help' takes no argument" "$WORK/help3.err"
ok $? "--help=3 names --help, not -h (rc $rc)"
"$SLABTOP" --list --once > /dev/null 2>&1; r1=$?
"$SLABTOP" --gc --json > /dev/null 2>&1; r2=$?     # refused before any removal
is "$r1:$r2" "2:2" "--list and --gc refuse output options they would ignore"

finish

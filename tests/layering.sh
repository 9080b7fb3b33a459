#!/bin/sh
# layering.sh - every #include of a project header respects the layers
# written at the top of Makefile.am ("##   layer FOLDER: ALLOWED...").
#
# A header is resolved by name: first in the including file's own folder,
# then among the folders of the layers (each header name must be unique
# across them).  config.h (generated) and system headers are allowed
# everywhere.  Fails, naming the file, the line and the rule, on an include
# from a layer that is not allowed, on a header name found in two layers,
# and on a source file in a folder that has no layer.
#
# With an argument DIR, checks the tree at DIR instead of $top_srcdir (the
# test checks itself that way, on a copy with an upward include).
set -u
top=${1:-${top_srcdir:-.}}
ma="$top/Makefile.am"

echo "1..5"
n=0
result() {  # result STATUS DESCRIPTION
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

rules=$(sed -n 's/^##   layer \([^:]*\): *\(.*\)$/\1:\2/p' "$ma" |
        sed 's/(.*)//')
[ -n "$rules" ]
result $? "Makefile.am states the layers"

# The written graph itself has no cycle: peel off layers whose allowed
# layers are all peeled already; whatever remains is on a cycle.
cycle=$(echo "$rules" | awk -F: '
    { n++; name[n] = $1; deps[n] = $2 }
    END {
        do {
            progress = 0
            for (i = 1; i <= n; i++) {
                if (done[name[i]]) continue
                k = split(deps[i], d, " "); ready = 1
                for (j = 1; j <= k; j++)
                    if (d[j] != name[i] && !done[d[j]]) ready = 0
                if (ready) { done[name[i]] = 1; progress = 1 }
            }
        } while (progress)
        for (i = 1; i <= n; i++) if (!done[name[i]]) printf "%s ", name[i]
    }')
[ -z "$cycle" ]
result $? "the allowed graph has no cycle${cycle:+ (on one: $cycle)}"

# One line per project header: NAME LAYER
headers=$(
    echo "$rules" | while IFS=: read -r layer deps; do
        [ -d "$top/$layer" ] || continue
        for h in "$top/$layer"/*.h; do
            [ -f "$h" ] && printf '%s %s\n' "${h##*/}" "$layer"
        done
    done)

dups=$(echo "$headers" | awk '{ c[$1]++; l[$1] = l[$1] " " $2 }
    END { for (h in c) if (c[h] > 1) print h ":" l[h] }')
[ -z "$dups" ]
result $? "each header name belongs to one layer${dups:+ (not: $dups)}"

# Every C file of a layered tree is in a layered folder.
stray=$(cd "$top" && find libslab slabtop slabload include -name '*.[ch]' \
        2>/dev/null | while read -r f; do
            d=${f%/*}
            echo "$rules" | grep -q "^$d:" || echo "$f"
        done)
[ -z "$stray" ]
result $? "every source file is in a layer's folder${stray:+ (not: $stray)}"

bad=$(echo "$rules" | while IFS=: read -r layer deps; do
    [ -d "$top/$layer" ] || continue
    for f in "$top/$layer"/*.[ch]; do
        [ -f "$f" ] || continue
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' "$f" |
        sed 's/^\([0-9]*\):[^"<]*["<]\([^">]*\)[">].*/\1 \2/' |
        while read -r line inc; do
            name=${inc##*/}
            [ "$name" = config.h ] && continue
            [ -f "$top/$layer/$name" ] && continue
            owner=$(echo "$headers" | awk -v h="$name" '$1 == h { print $2; exit }')
            [ -z "$owner" ] && continue     # a system header
            case " $deps " in
            *" $owner "*) ;;
            *) echo "${f#$top/}:$line includes $inc from $owner, which $layer may not use;" ;;
            esac
        done
    done
done)
[ -z "$bad" ]
result $? "no file includes a header of a layer it may not use"
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
exit 0

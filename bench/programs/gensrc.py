"""gensrc.py N - print a large C translation unit for the compiler workload
of bench/preload.sh: N functions with structs, loops, switches and calls
between them, so that the compiler's optimiser has real work (and builds
big data structures) on every one.  The same N prints the same file."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
print("#include <stddef.h>\n#include <string.h>\n")
print("struct rec { int a, b; double w; char name[24]; struct rec *next; };\n")
for i in range(n):
    k = i * 2654435761 % 1000
    print(f"""static int helper{i}(const struct rec *r, int x)
{{
    int acc = {k};
    for (; r != NULL; r = r->next) {{
        switch ((r->a + x) % {3 + i % 7}) {{
        case 0: acc += r->b * {1 + i % 13}; break;
        case 1: acc ^= (int)(r->w * {i % 17 + 2}.5); break;
        case 2: acc -= (int)strlen(r->name) << {i % 5}; break;
        default: acc += r->a > r->b ? r->a - x : r->b + x; break;
        }}
    }}
    return acc;
}}

int func{i}(struct rec *v, size_t len, int seed)
{{
    struct rec local[{4 + i % 8}];
    int total = seed;
    for (size_t j = 0; j < len; j++) {{
        local[j % {4 + i % 8}] = v[j];
        local[j % {4 + i % 8}].next = j ? &v[j - 1] : NULL;
        total += helper{i}(&local[j % {4 + i % 8}], (int)j * {i % 11 + 1});
        if (total > {100000 + k}) total /= {2 + i % 3};
    }}
    {f"total += func{i - 1}(v, len / 2, total);" if i % 4 == 1 else ""}
    return total;
}}
""")

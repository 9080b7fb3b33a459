#!/usr/bin/env python3
"""slabtop_om_check.py - a strict checker of OpenMetrics text exposition.

    slabtop_om_check.py [--textfile] < exposition

Checks the OpenMetrics 1.0 text format: UTF-8, no blank lines, only
TYPE/HELP/UNIT metadata, metadata before the family's samples, families not
interleaved or repeated, sample names matching their family's type
(counters: NAME_total or NAME_created), label syntax and escapes, no
duplicate label names or label sets, float values (counters finite and
non-negative), and exactly one final "# EOF".

--textfile also requires what the Prometheus text parser of node_exporter's
textfile collector accepts: counter and gauge families only.
Exits 0 when valid, 1 with one line per problem otherwise.
"""
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*\Z')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*\Z')
TYPES = {'counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset',
         'info', 'summary', 'unknown'}
NUMBER = re.compile(r'[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z')


def parse_value(text):
    if text in ('NaN', '+Inf', '-Inf', 'Inf'):
        return float(text.replace('Inf', 'inf').replace('NaN', 'nan'))
    if not NUMBER.match(text):
        raise ValueError('bad number %r' % text)
    return float(text)


def parse_labels(text, pos, errors, lineno):
    """Parse {a="b",...} starting at text[pos] == '{'; returns (dict, end)."""
    labels = {}
    pos += 1
    if text[pos:pos + 1] == '}':
        return labels, pos + 1
    while True:
        m = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*').match(text, pos)
        if not m:
            errors.append('line %d: bad label name at column %d' % (lineno, pos))
            return None, pos
        name = m.group(0)
        pos = m.end()
        if text[pos:pos + 2] != '="':
            errors.append('line %d: expected =" after label %s' % (lineno, name))
            return None, pos
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                errors.append('line %d: unterminated label value' % lineno)
                return None, pos
            c = text[pos]
            if c == '\\':
                nxt = text[pos + 1:pos + 2]
                if nxt not in ('\\', '"', 'n'):
                    errors.append('line %d: bad escape \\%s in label %s' % (lineno, nxt, name))
                    return None, pos
                value.append({'n': '\n'}.get(nxt, nxt))
                pos += 2
            elif c == '"':
                pos += 1
                break
            elif c == '\n':
                errors.append('line %d: raw newline in label value' % lineno)
                return None, pos
            else:
                value.append(c)
                pos += 1
        if name in labels:
            errors.append('line %d: label %s given twice' % (lineno, name))
        labels[name] = ''.join(value)
        if text[pos:pos + 1] == ',':
            pos += 1
            continue
        if text[pos:pos + 1] == '}':
            return labels, pos + 1
        errors.append('line %d: expected , or } after label %s' % (lineno, name))
        return None, pos


def check(data, textfile=False):
    errors = []
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        return ['not UTF-8: %s' % e]
    if not text.endswith('# EOF\n'):
        errors.append('does not end with "# EOF" and a newline')
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    families = {}       # name -> {'type':..., 'help':..., 'done': bool}
    current = None
    seen_series = set()
    eof = False
    samples = 0
    for lineno, line in enumerate(lines, 1):
        if eof:
            errors.append('line %d: text after # EOF' % lineno)
            break
        if line == '# EOF':
            eof = True
            continue
        if line == '':
            errors.append('line %d: blank line' % lineno)
            continue
        if line.startswith('#'):
            parts = line.split(' ', 3)
            if len(parts) < 3 or parts[0] != '#' or parts[1] not in ('TYPE', 'HELP', 'UNIT'):
                errors.append('line %d: only TYPE, HELP and UNIT comments are allowed: %r'
                              % (lineno, line))
                continue
            kind, name = parts[1], parts[2]
            rest = parts[3] if len(parts) > 3 else ''
            if not NAME.match(name):
                errors.append('line %d: bad family name %r' % (lineno, name))
                continue
            if name != current:
                if name in families:
                    errors.append('line %d: family %s is interleaved or repeated' % (lineno, name))
                if current is not None:
                    families[current]['done'] = True
                families.setdefault(name, {'type': 'unknown', 'meta': set(),
                                           'samples': 0, 'done': False})
                current = name
            fam = families[name]
            if fam['samples']:
                errors.append('line %d: %s metadata after its samples' % (lineno, kind))
            if kind in fam['meta']:
                errors.append('line %d: second %s for %s' % (lineno, kind, name))
            fam['meta'].add(kind)
            if kind == 'TYPE':
                if rest not in TYPES:
                    errors.append('line %d: unknown type %r' % (lineno, rest))
                fam['type'] = rest
                if textfile and rest not in ('counter', 'gauge', 'unknown'):
                    errors.append('line %d: type %s is rejected by the Prometheus text parser'
                                  % (lineno, rest))
                if rest == 'counter' and name.endswith('_total'):
                    errors.append('line %d: counter family %s must not end in _total'
                                  % (lineno, name))
            elif kind == 'HELP':
                if re.search(r'\\[^\\n"]', rest):
                    errors.append('line %d: bad escape in HELP' % lineno)
            continue

        # A sample.
        m = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*').match(line)
        if not m:
            errors.append('line %d: bad sample line %r' % (lineno, line))
            continue
        sname = m.group(0)
        pos = m.end()
        labels = {}
        if line[pos:pos + 1] == '{':
            labels, pos = parse_labels(line, pos, errors, lineno)
            if labels is None:
                continue
        if line[pos:pos + 1] != ' ':
            errors.append('line %d: expected one space before the value' % lineno)
            continue
        fields = line[pos + 1:].split(' ')
        if len(fields) not in (1, 2) or '' in fields:
            errors.append('line %d: expected a value and an optional timestamp' % lineno)
            continue
        try:
            value = parse_value(fields[0])
            if len(fields) == 2:
                parse_value(fields[1])
        except ValueError as e:
            errors.append('line %d: %s' % (lineno, e))
            continue
        fam = families.get(current) if current else None
        if fam is None:
            errors.append('line %d: sample %s before any TYPE' % (lineno, sname))
            continue
        ftype = fam['type']
        allowed = {current}
        if ftype == 'counter':
            allowed = {current + '_total', current + '_created'}
        elif ftype in ('histogram', 'gaugehistogram'):
            allowed = {current + s for s in ('_bucket', '_count', '_sum', '_created',
                                             '_gcount', '_gsum')}
        elif ftype == 'summary':
            allowed = {current, current + '_count', current + '_sum', current + '_created'}
        elif ftype == 'info':
            allowed = {current + '_info'}
        if sname not in allowed:
            errors.append('line %d: sample %s does not belong to %s family %s'
                          % (lineno, sname, ftype, current))
        if ftype == 'counter' and sname.endswith('_total') and (
                math.isnan(value) or value < 0 or math.isinf(value)):
            errors.append('line %d: counter %s has value %s' % (lineno, sname, fields[0]))
        for k in labels:
            if not LABEL.match(k) or k.startswith('__'):
                errors.append('line %d: bad label name %s' % (lineno, k))
        key = (sname, tuple(sorted(labels.items())))
        if key in seen_series:
            errors.append('line %d: duplicate series %s%s' % (lineno, sname, labels))
        seen_series.add(key)
        fam['samples'] += 1
        samples += 1
    if not eof:
        errors.append('no # EOF line')
    if samples == 0:
        errors.append('no samples')
    return errors


def main():
    textfile = '--textfile' in sys.argv[1:]
    errors = check(sys.stdin.buffer.read(), textfile)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""slabtop_json_check.py - check slabtop --json output strictly.

    slabtop_json_check.py [--lines N] [--name NAME] [--label TEXT]
                          [--min-threads N] [--state STATE] < output

Every line must be one JSON object (RFC 8259: no NaN or Infinity, no
duplicate keys) with schema_version 2 and every documented field of the
right type.  Exits 0, or 1 with one line per problem.
"""
import argparse
import json
import sys

NUM = (int, float)


def reject_constant(name):
    raise ValueError('non-JSON constant %s' % name)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError('duplicate key in %s' % keys)
    return dict(pairs)


def need(obj, path, fields, errors):
    if not isinstance(obj, dict):
        errors.append('%s is not an object' % path)
        return
    for name, kinds in fields.items():
        if name not in obj:
            errors.append('%s.%s is missing' % (path, name))
        elif not isinstance(obj[name], kinds) or (isinstance(obj[name], bool) and kinds is not bool):
            errors.append('%s.%s has type %s' % (path, name, type(obj[name]).__name__))


CAUSES = ('none', 'undecided', 'run-queue', 'throttling', 'steal', 'blocked', 'off-cpu',
          'work:fast', 'work:refill', 'work:partial', 'work:new-slab', 'work:repair',
          'work:large')


def check_figures(obj, path, errors):
    need(obj, path, {'interval': dict, 'verdict': str, 'percentiles': dict}, errors)
    if 'ratio' not in obj:
        errors.append('%s.ratio is missing' % path)
    verdict = obj.get('verdict')
    if verdict not in ('clean', 'moderate', 'heavy', 'insufficient'):
        errors.append('%s.verdict is %r' % (path, verdict))
    ratio = obj.get('ratio')
    if verdict == 'insufficient':
        if ratio is not None:
            errors.append('%s.ratio should be null when insufficient' % path)
    elif not isinstance(ratio, NUM) or ratio <= 0:
        errors.append('%s.ratio should be a positive number, is %r' % (path, ratio))
    need(obj, path, {'cause': str, 'cause_share': NUM, 'tail': dict}, errors)
    if obj.get('cause') not in CAUSES:
        errors.append('%s.cause is %r' % (path, obj.get('cause')))
    for q in ('p99', 'p999'):
        t = obj.get('tail', {}).get(q)
        need(t, '%s.tail.%s' % (path, q), {'threshold_ns': int, 'samples': NUM,
             'calls': NUM, 'shares': dict, 'text': str}, errors)
        sh = (t or {}).get('shares', {})
        if set(sh) != set(CAUSES) - {'none', 'undecided'}:
            errors.append('%s.tail.%s.shares has %s' % (path, q, sorted(sh)))
        elif sum(sh.values()) > 1.0001 or any(v < 0 for v in sh.values()):
            errors.append('%s.tail.%s.shares do not make a whole: %s' % (path, q, sh))
    iv = obj.get('interval', {})
    need(iv, path + '.interval', {k: NUM for k in (
        'seconds', 'allocs', 'samples', 'preempted', 'repairs', 'allocs_per_s',
        'samples_per_s', 'repairs_per_s', 'wall_mean_ns', 'cpu_mean_ns',
        'preempted_share', 'cpu_share', 'runq_wait_share', 'nivcsw_per_s')}, errors)
    pc = obj.get('percentiles', {})
    for clock in ('wall', 'cpu'):
        need(pc.get(clock), '%s.percentiles.%s' % (path, clock),
             {k: int for k in ('p50', 'p99', 'p999', 'max')}, errors)
        p = pc.get(clock) or {}
        if all(isinstance(p.get(k), int) for k in ('p50', 'p99', 'p999')):
            if not p['p50'] <= p['p99'] <= p['p999']:
                errors.append('%s.percentiles.%s not ordered: %s' % (path, clock, p))


def check_object(obj, args, errors):
    need(obj, '', {'schema_version': int, 'process': dict, 'sampling': dict,
                   'totals': dict, 'repairs': dict, 'threads': list,
                   'classes': list, 'memory': dict}, errors)
    if obj.get('schema_version') != 2:
        errors.append('schema_version is %r' % obj.get('schema_version'))
    proc = obj.get('process', {})
    need(proc, 'process', {'name': str, 'pid': int, 'command': str, 'state': str,
                           'uptime_s': NUM, 'label': str, 'abi': str}, errors)
    need(obj.get('sampling'), 'sampling', {'mode': str, 'rate': int, 'effective_rate': int,
                                           'budget_ppm': int, 'floor_wall_ns': int,
                                           'floor_cpu_ns': int, 'resolution_ns': int,
                                           'sample_cost_ns': int, 'sched': bool,
                                           'floor_wall_pct_ns': dict,
                                           'floor_cpu_pct_ns': dict}, errors)
    need(obj, '', {'context': dict}, errors)
    for k in ('steal_share', 'throttled_ns', 'throttled_periods', 'cpu_pressure_some',
              'cpus_allowed', 'runnable'):
        if k not in obj.get('context', {}):
            errors.append('context.%s missing' % k)
    need(obj.get('totals'), 'totals', {k: int for k in (
        'allocs', 'samples', 'wall_ns_sum', 'cpu_ns_sum', 'wall_ns_max', 'cpu_ns_max',
        'preempted', 'thread_cpu_ns', 'runq_wait_ns', 'nvcsw', 'nivcsw',
        'sched_samples', 'switched', 'sampled_runq_ns', 'sampled_blocked_ns',
        'sampled_other_ns', 'path_fast', 'path_refill', 'path_partial', 'path_new_slab',
        'path_repair', 'path_large', 'allocs_large', 'frees_large')}, errors)
    tot = obj.get('totals', {})
    paths = [tot.get(k) for k in ('path_fast', 'path_refill', 'path_partial',
                                  'path_new_slab', 'path_repair', 'path_large')]
    if all(isinstance(p, int) for p in paths) and isinstance(tot.get('samples'), int):
        if sum(paths) != tot['samples']:
            errors.append('samples by path (%d) do not add up to samples (%d)'
                          % (sum(paths), tot['samples']))
    need(obj.get('repairs'), 'repairs', {k: int for k in (
        'count', 'full_bitmap', 'list_mismatch', 'other')}, errors)
    rep = obj.get('repairs', {})
    if all(isinstance(rep.get(k), int) for k in ('count', 'full_bitmap', 'list_mismatch', 'other')):
        if rep['count'] != rep['full_bitmap'] + rep['list_mismatch'] + rep['other']:
            errors.append('repairs by reason do not add up: %s' % rep)
    check_figures(obj, '', errors)
    if not isinstance(obj.get('since_start'), bool):
        errors.append('since_start is not a boolean')
    for i, t in enumerate(obj.get('threads', [])):
        need(t, 'threads[%d]' % i, {'tid': int, 'name': str, 'state': str,
                                    'samples': int, 'repairs': int}, errors)
        check_figures(t, 'threads[%d]' % i, errors)
    if len(obj.get('classes', [])) != 8:
        errors.append('expected 8 size classes')
    if args.name is not None and proc.get('name') != args.name:
        errors.append('process.name is %r, expected %r' % (proc.get('name'), args.name))
    if args.label is not None and proc.get('label') != args.label:
        errors.append('process.label is %r, expected %r' % (proc.get('label'), args.label))
    if args.state is not None and proc.get('state') != args.state:
        errors.append('process.state is %r, expected %r' % (proc.get('state'), args.state))
    live = [t for t in obj.get('threads', []) if isinstance(t, dict) and t.get('state') != 'overflow']
    if len(live) < args.min_threads:
        errors.append('%d threads, expected at least %d' % (len(live), args.min_threads))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lines', type=int)
    ap.add_argument('--name')
    ap.add_argument('--label')
    ap.add_argument('--state')
    ap.add_argument('--min-threads', type=int, default=0)
    args = ap.parse_args()
    data = sys.stdin.buffer.read()
    errors = []
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        print('not UTF-8: %s' % e)
        return 1
    if not text.endswith('\n'):
        errors.append('output does not end with a newline')
    lines = text.split('\n')[:-1]
    if args.lines is not None and len(lines) != args.lines:
        errors.append('%d lines, expected %d' % (len(lines), args.lines))
    for n, line in enumerate(lines, 1):
        try:
            obj = json.loads(line, parse_constant=reject_constant,
                             object_pairs_hook=no_duplicates)
        except ValueError as e:
            errors.append('line %d: not strict JSON: %s' % (n, e))
            continue
        before = len(errors)
        check_object(obj, args, errors)
        for i in range(before, len(errors)):
            errors[i] = 'line %d: %s' % (n, errors[i])
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())

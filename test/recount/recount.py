#!/usr/bin/env python3
"""Recount the figures of a spamcase bundle's PDF summary from the bundle's CSVs.

Written from docs/RECOUNT.md and the CSV headers only (Python standard library, no spamcase code).
Usage: recount.py <bag>/data summary.txt   (summary.txt = pdftotext -layout data/summary.pdf)
Prints {"checks": [{"figure", "pdf", "csv", "ok"}]} and exits 0 (the caller judges).
Damages are recounted for rule sets whose rules are per-delivery or per-attempt amounts without caps or
multipliers (the rules file under data/rules/ gives the amounts).
"""
import csv
import glob
import json
import os
import re
import sys
from decimal import Decimal

data, text_file = sys.argv[1], sys.argv[2]
text = open(text_file, encoding='utf-8').read()
lines = [l.rstrip() for l in text.splitlines()]


def table(name):
    with open(os.path.join(data, name), encoding='utf-8', newline='') as f:
        return list(csv.DictReader(f))


items = table('items.csv')
samples = table('samples.csv')
deliveries = table('deliveries.csv')
accounts = table('accounts.csv')
ips = table('ips.csv')
overlap = table('overlap.csv')
name_of = {r['bates_prefix']: r['party'] for r in overlap if r['row'] == 'own'}
prefixes = [r['bates_prefix'] for r in overlap if r['row'] == 'own']
checks = []


def num(s):
    return s.replace(',', '')


def check(figure, pdf, value):
    checks.append({'figure': figure, 'pdf': pdf, 'csv': str(value), 'ok': pdf == str(value)})


def row_after(label, start=0):
    """The numbers on the first PDF line starting with label (after line index start)."""
    for l in lines[start:]:
        s = l.strip()
        if s.startswith(label):
            rest = s[len(label):]
            return re.findall(r'\d{4}-\d\d-\d\d|\d[\d,]*(?:\.\d\d)?', rest)
    return None


def line_index(label):
    for i, l in enumerate(lines):
        if l.strip().startswith(label):
            return i
    return 0


def harvesters(d):
    return set(filter(None, d['harvested_by'].split(';')))


def claimants(d):
    return set(filter(None, d['claimed_for'].split(';')))


# Counts table.
dup = sum(1 for s in samples if s['exact_duplicate_of'])
counted = {
    'Samples (as harvested)': len(samples),
    'Exact duplicates': dup,
    'Items (unique bytes)': len(items),
    'Messages': len({d['message_key'] for d in deliveries}),
    'Deliveries with unknown recipient': sum(1 for d in deliveries if d['recipient_source'] == 'unknown'),
    'Deliveries': len(deliveries),
    'Sender accounts': len(accounts),
    'Originating IP addresses': len(ips),
    'Acquisitions': sum(1 for l in open(os.path.join(data, 'custody.jsonl'), encoding='utf-8')
                        if json.loads(l)['action'] == 'acquisition-started'),
    'Defendants': len({d['defendant'] for d in deliveries if d['defendant']}),
}
counts_at = line_index('Counts')
for label in ['Acquisitions', 'Samples (as harvested)', 'Exact duplicates', 'Items (unique bytes)', 'Messages',
              'Deliveries with unknown recipient', 'Sender accounts', 'Originating IP addresses', 'Defendants']:
    got = row_after(label, counts_at)
    if got is None and label == 'Defendants' and counted[label] == 0:
        continue  # the counts table names defendants only when the case has some
    check(label, num(got[-1]) if got else '', counted[label])
got = [l for l in lines[counts_at:] if re.match(r'^Deliveries\s+[\d,]+$', l.strip())]
check('Deliveries', num(got[0].split()[-1]) if got else '', counted['Deliveries'])
check('samples - items = exact duplicates', str(len(samples) - len(items)), dup)

# Per plaintiff: samples, items (distinct within the party), deliveries (every harvester), dates.
per_at = line_index('Per plaintiff')
for p in prefixes:
    ps = [s for s in samples if s['bates_prefix'] == p]
    pd = [d for d in deliveries if p in harvesters(d)]
    dates = sorted(d['date'][:10] for d in pd if d['date'])
    got = row_after(name_of[p], per_at) or []
    want = [len(ps), len({s['sha256'] for s in ps}), len(pd), dates[0] if dates else '', dates[-1] if dates else '']
    for i, what in enumerate(['samples', 'items', 'deliveries', 'first', 'last']):
        check(f'{name_of[p]} {what}', num(got[i]) if i < len(got) else '', want[i])
got = row_after('Case total', per_at) or []
dates = sorted(d['date'][:10] for d in deliveries if d['date'])
for i, (what, want) in enumerate([('samples', len(samples)), ('items', len(items)), ('deliveries', len(deliveries)),
                                  ('first', dates[0]), ('last', dates[-1])]):
    check(f'case total {what}', num(got[i]) if i < len(got) else '', want)

# Overlap: own (diagonal), both (pairs), exclusive; several.
if len(prefixes) > 1:  # joint plaintiffs only
    ov_at = line_index('Overlap between plaintiffs')
    several = sum(1 for d in deliveries if len(harvesters(d)) > 1)
    m = re.search(r'holds ([\d,]+) deliveries, each counted once; ([\d,]+) were harvested', ' '.join(lines[ov_at:ov_at + 4]))
    check('overlap case deliveries', num(m.group(1)) if m else '', len(deliveries))
    check('overlap harvested by several', num(m.group(2)) if m else '', several)
    for p in prefixes:
        got = row_after(name_of[p], ov_at) or []
        for j, q in enumerate(prefixes):
            want = sum(1 for d in deliveries if p in harvesters(d) and q in harvesters(d))
            check(f'overlap {p} x {q}', num(got[j]) if j < len(got) else '', want)
        excl = sum(1 for d in deliveries if harvesters(d) == {p})
        check(f'overlap {p} exclusive', num(got[len(prefixes)]) if len(got) > len(prefixes) else '', excl)

# Accounts: deliveries and distinct recipients per account (a delivery counts for its first item's account).
acc_at = line_index('Top sender accounts by deliveries')
for l in lines[acc_at:line_index('Top originating IP addresses')]:
    m = re.match(r'^\s*\d+\s+(\S+@\S+)\s+([\d,]+)\s+([\d,]+)\s+(\d{4}-\d\d-\d\d)\s+(\d{4}-\d\d-\d\d)', l)
    if not m:
        continue
    a = m.group(1)
    ad = [d for d in deliveries if d['account'] == a]
    dd = sorted(d['date'][:10] for d in ad if d['date'])
    check(f'account {a} deliveries', num(m.group(2)), len(ad))
    check(f'account {a} recipients', num(m.group(3)), len({d['recipient'] for d in ad}))
    check(f'account {a} first seen', m.group(4), dd[0] if dd else '')
    check(f'account {a} last seen', m.group(5), dd[-1] if dd else '')

# Defendants: accounts and deliveries (a delivery is a defendant's when its account is grouped into it).
def_at = next((i for i, l in enumerate(lines) if l.strip().startswith('Name') and 'Deliveries' in l), None)
for dname in sorted({d['defendant'] for d in deliveries if d['defendant']}) if def_at is not None else []:
    got = row_after(dname, def_at) or []
    dd = [d for d in deliveries if d['defendant'] == dname]
    check(f'defendant {dname} accounts', num(got[0]) if got else '', len({d['account'] for d in dd}))
    check(f'defendant {dname} deliveries', num(got[-1]) if got else '', len(dd))

# Damages per plaintiff and defendant: units = deliveries claimed for the plaintiff (claimed_for), and for a
# rule counting logged attempts (unit: attempt) the claim's attempts no harvested item matched of the rule's
# filter (docs/RECOUNT.md); amount = units x per-unit amount of the rules file (low, claimed, max).
FILTERS = {
    'all': {'refused-unknown-user', 'refused-policy', 'delivered', 'bounced', 'deferred', 'accepted'},
    'refused': {'refused-unknown-user', 'refused-policy'},
    'refused-unknown-user': {'refused-unknown-user'},
    'refused-policy': {'refused-policy'},
    'delivered': {'delivered'},
    'bounced': {'bounced'},
    'deferred': {'deferred'},
    'accepted': {'delivered', 'bounced', 'deferred', 'accepted'},
}


def rules_of(rules_text):
    """Each rule of the file: unit, attempts filter, amounts per unit (low, claimed, max)."""
    body = re.split(r'\n(?:sensitivity|multipliers|allocation):', rules_text.split('\nrules:', 1)[1])[0]
    out = []
    for block in re.split(r'\n  - ', '\n' + body)[1:]:
        unit = re.search(r'\bunit:\s*([\w-]+)', block)
        filt = re.search(r'\battempts:\s*([\w-]+)', block)
        am = re.search(r'\bamount:\s*\{\s*low:\s*([\d.]+),\s*claimed:\s*([\d.]+),\s*max:\s*([\d.]+)\s*\}', block)
        per = [Decimal(am.group(i)) for i in (1, 2, 3)] if am else \
            [Decimal(re.search(r'\bamount:\s*([\d.]+)', block).group(1))] * 3
        out.append({'unit': unit.group(1) if unit else 'delivery', 'attempts': filt.group(1) if filt else None,
                    'per': per})
    return out


def attempt_outcomes():
    """Each distinct attempt (docs/RECOUNT.md, "Mail server logs"): its log file, sender, outcome, matched."""
    if not os.path.exists(os.path.join(data, 'attempts.csv')):
        return []
    out = []
    grouped = {}
    for r in table('attempts.csv'):  # in attempt order
        if r['result'] in ('refused-unknown-user', 'refused-policy'):
            out.append({'log_file': r['log_file'], 'sender': r['sender'].lower(), 'outcome': r['result'],
                        'matched': False})
            continue
        key = (r['server'], r['queue_id'] or 'line:' + r['attempt'], r['recipient'])
        g = grouped.setdefault(key, {'log_file': r['log_file'], 'sender': r['sender'].lower(), 'results': set(),
                                     'matched': False})
        g['results'].add(r['result'])
        g['matched'] |= r['matched_bates'] != ''
    for g in grouped.values():
        res = g.pop('results')
        g['outcome'] = next((o for o in ('delivered', 'bounced', 'deferred') if o in res), 'accepted')
        out.append(g)
    return out


def recount_damages():
    rules = rules_of(open(glob.glob(os.path.join(data, 'rules', '*'))[0], encoding='utf-8').read())
    dmg_at = line_index('6. Damages')
    with_attempts = any('Attempts (not harvested)' in l for l in lines[dmg_at:dmg_at + 8])
    filters = [r['attempts'] for r in rules if r['unit'] == 'attempt']
    check('damages attempts column shown', str(with_attempts), bool(filters))
    # An unmatched attempt: claimed by its log file's party, against the defendant of its sender's account
    # (deliveries.csv names each attributed account's defendant); any other sender is not grouped.
    party_of = {f['log_file']: f['bates_prefix'] for f in table('log_files.csv')} if filters else {}
    defendant_of = {d['account'].lower(): d['defendant'] for d in deliveries if d['account']}
    logged = {}
    for a in attempt_outcomes() if filters else []:
        if not a['matched']:
            key = (party_of[a['log_file']], defendant_of.get(a['sender'], ''))
            logged.setdefault(key, []).append(a['outcome'])
    counted = set().union(*(FILTERS[f] for f in filters)) if filters else set()
    totals = [0, 0, Decimal(0), Decimal(0), Decimal(0)]
    for p in sorted(prefixes, key=lambda x: name_of[x]):
        names = {d['defendant'] for d in deliveries if p in claimants(d)} | \
            {dn for (q, dn), outs in logged.items() if q == p and any(o in counted for o in outs)}
        for dname in sorted(names, key=lambda x: (x == '', x)):
            units = sum(1 for d in deliveries if p in claimants(d) and d['defendant'] == dname)
            outs = logged.get((p, dname), [])
            attempts = sum(1 for o in outs if o in counted)
            amount = [Decimal(0)] * 3
            for r in rules:
                n = sum(1 for o in outs if o in FILTERS[r['attempts']]) if r['unit'] == 'attempt' else units
                amount = [amount[i] + n * r['per'][i] for i in range(3)]
            label = dname or '(not grouped)'
            got = None
            for l in lines[dmg_at:]:
                if l.strip().startswith(name_of[p]) and label in l:
                    got = re.findall(r'\d[\d,]*(?:\.\d\d)?', l[l.index(label) + len(label):])
                    break
            got = got or []
            want = [units] + ([attempts] if with_attempts else []) + [f'{a:.2f}' for a in amount]
            what = ['violations'] + (['attempts'] if with_attempts else []) + ['low', 'claimed', 'max']
            for i, w in enumerate(what):
                check(f'damages {name_of[p]} / {label} {w}', num(got[i]) if i < len(got) else '', want[i])
            totals[0] += units
            totals[1] += attempts
            for i in range(3):
                totals[i + 2] += amount[i]
    got = row_after('Total', dmg_at) or []
    want = [totals[0]] + ([totals[1]] if with_attempts else []) + [f'{t:.2f}' for t in totals[2:]]
    what = ['violations'] + (['attempts'] if with_attempts else []) + ['low', 'claimed', 'max']
    for i, w in enumerate(what):
        check(f'damages total {w}', num(got[i]) if i < len(got) else '', want[i])
    check('no delivery claimed twice', str(max(len(claimants(d)) for d in deliveries)), 1)


if glob.glob(os.path.join(data, 'rules', '*')):
    recount_damages()

# Custody log: events and final hash.
events = [json.loads(l) for l in open(os.path.join(data, 'custody.jsonl'), encoding='utf-8')]
m = re.search(r'The log holds ([\d,]+) events; the final hash is:\s+([0-9a-f]{64})', text)
check('custody events', num(m.group(1)) if m else '', len(events))
check('custody final hash', m.group(2) if m else '', events[-1]['hash'])

# Timeline series: per party and day, the party's deliveries by date.
timeline = table('timeline.csv')
for p in prefixes:
    series = {}
    for d in deliveries:
        if p in harvesters(d):
            series[d['date'][:10]] = series.get(d['date'][:10], 0) + 1
    got = {r['day']: int(r['deliveries']) for r in timeline if r['bates_prefix'] == p}
    check(f'timeline {p}', json.dumps(sorted(got.items())), json.dumps(sorted(series.items())))

# Mail server logs (when the case has any): attempts per account and originating IP (docs/RECOUNT.md).
def recount_logs():
    files = table('log_files.csv')
    rows = table('attempts.csv')
    refusals = []
    grouped = {}
    for r in rows:  # in attempt order
        matched = r['matched_bates'] != ''
        account = ((r['account'] if matched else '') or r['sender'] or '(none)').lower()
        ip = (r['originating_ip'] if matched else '') or r['client_ip'] or '(none)'
        if r['result'] in ('refused-unknown-user', 'refused-policy'):
            refusals.append((account, ip, r['result'] == 'refused-unknown-user'))
            continue
        key = (r['server'], r['queue_id'] or 'line:' + r['attempt'], r['recipient'])
        g = grouped.setdefault(key, {'account': account, 'ip': ip, 'delivered': False, 'bounced': False,
                                     'matched': False})
        g['delivered'] |= r['result'] == 'delivered'
        g['bounced'] |= r['result'] == 'bounced'
        if matched:
            g.update(matched=True, account=account, ip=ip)
    fields = ['attempts', 'unknown', 'policy', 'delivered', 'bounced', 'matched']
    total = dict.fromkeys(fields, 0)
    by = {'account': {}, 'ip': {}}

    def add(acc, what):
        for f in what:
            acc[f] += 1

    for g in grouped.values():
        what = ['attempts'] + (['delivered'] if g['delivered'] else ['bounced'] if g['bounced'] else []) + \
            (['matched'] if g['matched'] else [])
        for acc in (by['account'].setdefault(g['account'], dict.fromkeys(fields, 0)),
                    by['ip'].setdefault(g['ip'], dict.fromkeys(fields, 0)), total):
            add(acc, what)
    for account, ip, unknown in refusals:
        what = ['attempts', 'unknown' if unknown else 'policy']
        for acc in (by['account'].setdefault(account, dict.fromkeys(fields, 0)),
                    by['ip'].setdefault(ip, dict.fromkeys(fields, 0)), total):
            add(acc, what)

    at = line_index('Mail server logs: attempts')
    para = re.sub(r'\s+', ' ', ' '.join(lines[at:at + 12]))
    m = re.search(r'([\d,]+) log files of ([\d,]+) lines \(([\d,]+) not read as mail events\) hold ([\d,]+) '
                  r'attempts: ([\d,]+) refused for unknown users, ([\d,]+) refused by policy, ([\d,]+) delivered, '
                  r'([\d,]+) bounced; ([\d,]+) matched', para)
    want = [len(files), sum(int(f['lines']) for f in files), sum(int(f['unknown_lines']) for f in files)] + \
        [total[f] for f in fields]
    for i, what in enumerate(['log files', 'lines', 'unknown lines', 'attempts', 'refused unknown users',
                              'refused policy', 'delivered', 'bounced', 'matched samples']):
        check(f'logs {what}', num(m.group(i + 1)) if m else '', want[i])

    row = re.compile(r'^\s*\d+\s+(\S+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s*$')
    for kind, title in (('account', 'Attempts by sender account'), ('ip', 'Attempts by originating IP address')):
        start = line_index(title)
        stop = next((i for i in range(start + 1, len(lines))
                     if re.match(r'^\s*(\d\. \S|Attempts by )', lines[i])), len(lines))
        ranked = sorted(by[kind].items(), key=lambda kv: (-kv[1]['attempts'], kv[0]))
        shown = [row.match(l) for l in lines[start:stop]]
        shown = [x for x in shown if x]
        check(f'logs {kind} rows shown', str(len(shown)), min(len(ranked), 25))
        for x, (key, acc) in zip(shown, ranked):
            check(f'logs {kind} rank of {x.group(1)}', x.group(1), key)
            v = by[kind].get(x.group(1))
            for i, f in enumerate(fields):
                check(f'logs {kind} {x.group(1)} {f}', num(x.group(i + 2)), v[f] if v else 'absent')


if os.path.exists(os.path.join(data, 'attempts.csv')) and table('attempts.csv'):
    recount_logs()

print(json.dumps({'checks': checks}, indent=1))

#!/usr/bin/env python3
"""Recount the figures of a spamcase bundle's PDF summary from the bundle's CSVs.

Written from docs/RECOUNT.md and the CSV headers only (Python standard library, no spamcase code).
Usage: recount.py <bag>/data summary.txt   (summary.txt = pdftotext -layout data/summary.pdf)
Prints {"checks": [{"figure", "pdf", "csv", "ok"}]} and exits 0 (the caller judges).
Damages are recounted for rule sets whose rules are per-delivery amounts without caps or
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
def_at = next(i for i, l in enumerate(lines) if l.strip().startswith('Name') and 'Deliveries' in l)
for dname in sorted({d['defendant'] for d in deliveries if d['defendant']}):
    got = row_after(dname, def_at) or []
    dd = [d for d in deliveries if d['defendant'] == dname]
    check(f'defendant {dname} accounts', num(got[0]) if got else '', len({d['account'] for d in dd}))
    check(f'defendant {dname} deliveries', num(got[-1]) if got else '', len(dd))

# Damages per plaintiff and defendant: units = deliveries claimed for the plaintiff (claimed_for),
# amount = units x per-delivery amount of the rules file (low, claimed, max).
rules_text = open(glob.glob(os.path.join(data, 'rules', '*'))[0], encoding='utf-8').read()
am = re.search(r'amount:\s*\{\s*low:\s*([\d.]+),\s*claimed:\s*([\d.]+),\s*max:\s*([\d.]+)\s*\}', rules_text)
per = [Decimal(am.group(i)) for i in (1, 2, 3)]
dmg_at = line_index('6. Damages')
totals = [0, Decimal(0), Decimal(0), Decimal(0)]
for p in sorted(prefixes, key=lambda x: name_of[x]):
    for dname in sorted({d['defendant'] for d in deliveries if p in claimants(d)}, key=lambda x: (x == '', x)):
        units = sum(1 for d in deliveries if p in claimants(d) and d['defendant'] == dname)
        label = dname or '(not grouped)'
        got = None
        for l in lines[dmg_at:]:
            if l.strip().startswith(name_of[p]) and label in l:
                got = re.findall(r'\d[\d,]*(?:\.\d\d)?', l[l.index(label) + len(label):])
                break
        got = got or []
        want = [units] + [f'{units * a:.2f}' for a in per]
        for i, what in enumerate(['violations', 'low', 'claimed', 'max']):
            check(f'damages {name_of[p]} / {label} {what}', num(got[i]) if i < len(got) else '', want[i])
        totals[0] += units
        for i in range(3):
            totals[i + 1] += units * per[i]
got = row_after('Total', dmg_at) or []
want = [totals[0]] + [f'{t:.2f}' for t in totals[1:]]
for i, what in enumerate(['violations', 'low', 'claimed', 'max']):
    check(f'damages total {what}', num(got[i]) if i < len(got) else '', want[i])
check('no delivery claimed twice', str(max(len(claimants(d)) for d in deliveries)), 1)

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

print(json.dumps({'checks': checks}, indent=1))

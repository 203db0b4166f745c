import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPdfTemplate, Wording } from '../../server/pdf/template.ts';
import { chartModel, MAX_CHART_POINTS, niceTicks } from '../../server/pdf/chart.ts';

function shape(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map((v) => (typeof v === 'string' ? [...v.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort() : shape(v)));
  if (typeof value === 'string') return [...value.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, shape(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return typeof value;
}

test('English and French templates have the same keys, placeholders and layout', () => {
  const en = loadPdfTemplate('en');
  const fr = loadPdfTemplate('fr');
  // Same keys and, per key, the same {placeholders}: staff can reword a language, not drop a figure.
  assert.deepEqual(shape(fr.text), shape(en.text));
  assert.deepEqual(Object.keys(fr.layout).sort(), Object.keys(en.layout).sort());
});

test('numbers and amounts follow the language: 1,234,567 and USD 12.50 in English, 1 234 567 and 12,50 USD in French', () => {
  const en = new Wording(loadPdfTemplate('en'));
  const fr = new Wording(loadPdfTemplate('fr'));
  assert.equal(en.int(1234567), '1,234,567');
  assert.equal(fr.int(1234567), '1\u202f234\u202f567');
  assert.equal(en.money(1250, 'USD'), 'USD 12.50');
  assert.equal(fr.money(123456789, 'EUR'), '1\u202f234\u202f567,89\u00a0EUR');
  assert.equal(en.money(-5, 'EUR'), 'EUR -0.05');
  assert.equal(en.money(2500, 'JPY'), 'JPY 2,500', 'a currency without minor digits');
  assert.throws(() => en.s('noSuchKey'), /has no text "noSuchKey"/);
  assert.throws(() => en.s('pageOf', { page: 1 }), /placeholder \{pages\} has no value/);
});

test('the timeline puts every plaintiff on one day axis, fills missing days with zero and buckets long spans', () => {
  const m = chartModel([
    {
      party: 'A',
      days: [
        ['2006-01-01', 3],
        ['2006-01-04', 5],
      ],
      undated: 2,
    },
    { party: 'B', days: [['2006-01-02', 1]], undated: 0 },
  ])!;
  assert.equal(m.start, '2006-01-01');
  assert.equal(m.bucketDays, 1);
  assert.deepEqual(
    m.series.map((s) => s.values),
    [
      [3, 0, 0, 5],
      [0, 1, 0, 0],
    ],
  );
  assert.equal(m.max, 5);

  const days: Array<[string, number]> = [];
  for (let d = 0; d < 2000; d++) days.push([new Date(Date.UTC(2004, 0, 1 + d)).toISOString().slice(0, 10), 1]);
  const long = chartModel([{ party: 'A', days, undated: 0 }])!;
  assert.ok(long.buckets <= MAX_CHART_POINTS);
  assert.equal(long.bucketDays, 5);
  assert.equal(
    long.series[0]!.values.reduce((a, b) => a + b, 0),
    2000,
    'bucketing keeps every delivery',
  );
  assert.equal(chartModel([{ party: 'A', days: [], undated: 4 }]), null);
  assert.deepEqual(niceTicks(7), [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(0), [0, 1]);
});

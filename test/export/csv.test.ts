/** CSV and Concordance DAT rows as written, and items.csv read back by verify. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvRow, datRow, parseCsv, parseCsvChunks } from '../../server/export/csv.ts';

test('CSV quotes what needs quoting and reads back exactly', () => {
  const rows = [
    ['plain', 'with,comma', 'with "quotes"', 'multi\r\nline', '', 'é ü 中'],
    ['LPN-0000001', '', '"', ',', '\n', 'end'],
  ];
  const text = rows.map((r) => csvRow(r)).join('');
  assert.equal(csvRow(['a', 'b,c', 'd"e', null, 5]), 'a,"b,c","d""e",,5\r\n');
  assert.deepEqual([...parseCsv(text)], rows);
  assert.deepEqual(
    [...parseCsv('a,b\nc,d')],
    [
      ['a', 'b'],
      ['c', 'd'],
    ],
  );
});

test('Concordance DAT: thorn quotes, DC4 separators, newlines as registered sign, thorn dropped', () => {
  assert.equal(
    datRow(['LPN-1', 'a\r\nb', 'x\u00fey', null]),
    '\u00feLPN-1\u00fe\u0014\u00fea\u00aeb\u00fe\u0014\u00fexy\u00fe\u0014\u00fe\u00fe\r\n',
  );
});

test('CSV read in chunks gives the same rows whatever the cut (inside quotes, a doubled quote, a UTF-8 character)', () => {
  const rows = [
    ['bates', 'subject', 'from'],
    ['LPN-1', 'line one\r\nline "two"\nthree', 'é@x'],
    ['LPN-2', '"', '日本語, "quoted"'],
    ['LPN-3', '', 'last'],
  ];
  const bytes = Buffer.from(rows.map(csvRow).join(''), 'utf8');
  for (let size = 1; size <= bytes.length; size++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    assert.deepEqual([...parseCsvChunks(chunks)], rows, `chunks of ${size} bytes`);
  }
  // A document without a final line break keeps its last row.
  assert.deepEqual(
    [...parseCsvChunks([Buffer.from('a,b\r\nc,'), Buffer.from('d')])],
    [
      ['a', 'b'],
      ['c', 'd'],
    ],
  );
});

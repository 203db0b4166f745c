/** CSV and Concordance DAT rows as written, and items.csv read back by verify. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvRow, datRow, parseCsv } from '../../server/export/csv.ts';

test('CSV quotes what needs quoting and reads back exactly', () => {
  const rows = [
    ['plain', 'with,comma', 'with "quotes"', 'multi\r\nline', '', 'é ü 中'],
    ['LPN-0000001', '', '"', ',', '\n', 'end'],
  ];
  const text = rows.map((r) => csvRow(r)).join('');
  assert.equal(csvRow(['a', 'b,c', 'd"e', null, 5]), 'a,"b,c","d""e",,5\r\n');
  assert.deepEqual([...parseCsv(text)], rows);
  assert.deepEqual([...parseCsv('a,b\nc,d')], [['a', 'b'], ['c', 'd']]);
});

test('Concordance DAT: thorn quotes, DC4 separators, newlines as registered sign, thorn dropped', () => {
  assert.equal(datRow(['LPN-1', 'a\r\nb', 'x\u00fey', null]), '\u00feLPN-1\u00fe\u0014\u00fea\u00aeb\u00fe\u0014\u00fexy\u00fe\u0014\u00fe\u00fe\r\n');
});

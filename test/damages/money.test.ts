import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countToBigInt, formatCount, formatMoney, parseDecimal, toDecimalString } from '../../server/damages/money.ts';

const NBSP = '\u00a0';

test('decimal text becomes exact minor units, digit by digit', () => {
  assert.equal(parseDecimal('1000', 2), 100000n);
  assert.equal(parseDecimal('0.5', 2), 50n);
  assert.equal(parseDecimal('0.50', 2), 50n);
  assert.equal(parseDecimal('0.01', 2), 1n);
  assert.equal(parseDecimal('999999999999999.99', 2), 99999999999999999n);
  assert.match(String(parseDecimal('0.005', 2)), /more than 2 decimal places/);
  assert.match(String(parseDecimal('1000000000000000', 2)), /too large \(at most 15 digits/);
  for (const bad of ['-1', '1,000', '$5', '1e3', '', '.5', '1.'])
    assert.equal(typeof parseDecimal(bad, 2), 'string', bad);
});

test('amounts format per language: en $1,000,000.00, fr 1 000 000,00 € with no-break spaces', () => {
  assert.equal(formatMoney(100000000n, 'USD', 'en'), '$1,000,000.00');
  assert.equal(formatMoney(100000000n, 'EUR', 'fr'), `1${NBSP}000${NBSP}000,00${NBSP}€`);
  assert.equal(formatMoney(100000000n, 'EUR', 'en'), '€1,000,000.00');
  assert.equal(formatMoney(100000000n, 'USD', 'fr'), `1${NBSP}000${NBSP}000,00${NBSP}$US`);
  assert.equal(formatMoney(50n, 'USD', 'en'), '$0.50');
  assert.equal(formatMoney(0n, 'EUR', 'fr'), `0,00${NBSP}€`);
  assert.equal(formatMoney(99999n, 'USD', 'en'), '$999.99');
  assert.equal(formatMoney(-12345n, 'USD', 'en'), '-$123.45');
  assert.equal(formatMoney(300000000000n, 'USD', 'en'), '$3,000,000,000.00');
  assert.equal(formatCount(10000000, 'en'), '10,000,000');
  assert.equal(formatCount(10000000, 'fr'), `10${NBSP}000${NBSP}000`);
});

test('plain decimals for JSON and CSV keep every cent, far beyond 2^53', () => {
  assert.equal(toDecimalString(7n, 2), '0.07');
  assert.equal(toDecimalString(900719925474099100000n, 2), '9007199254740991000.00');
  assert.equal(toDecimalString(-5n, 2), '-0.05');
});

test('a count that is not a safe non-negative integer is refused, never rounded', () => {
  assert.equal(countToBigInt(10_000_000, 'deliveries'), 10_000_000n);
  assert.throws(() => countToBigInt(2 ** 53, 'deliveries'), /non-negative whole number/);
  assert.throws(() => countToBigInt(-1, 'deliveries'), /non-negative whole number/);
  assert.throws(() => countToBigInt(1.5, 'deliveries'), /non-negative whole number/);
});

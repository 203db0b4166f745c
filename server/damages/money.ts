/**
 * Exact money: amounts are BigInt counts of minor units (cents). Nothing here ever goes through a
 * JavaScript number with a fraction, so 10,000,000 deliveries at $0.50 is exactly $5,000,000.00.
 * Decimal text ("1000.00", "0.5") is parsed digit by digit; formatting is done by hand (not Intl),
 * so the output is the same on every machine and ICU version.
 */
import { SpamcaseError } from '../errors.ts';

/** Currencies a rule set may use: ISO 4217 code, minor-unit digits, symbols per language. */
export const CURRENCIES = {
  USD: { digits: 2, en: { prefix: '$', suffix: '' }, fr: { prefix: '', suffix: '\u00a0$US' } },
  EUR: { digits: 2, en: { prefix: '€', suffix: '' }, fr: { prefix: '', suffix: '\u00a0€' } },
  GBP: { digits: 2, en: { prefix: '£', suffix: '' }, fr: { prefix: '', suffix: '\u00a0£GB' } },
  CAD: { digits: 2, en: { prefix: 'CA$', suffix: '' }, fr: { prefix: '', suffix: '\u00a0$CA' } },
} as const;

export type Currency = keyof typeof CURRENCIES;
export type Lang = 'en' | 'fr';

export function isCurrency(code: string): code is Currency {
  return Object.hasOwn(CURRENCIES, code);
}

const DECIMAL = /^(\d{1,15})(?:\.(\d+))?$/;

/**
 * "1000", "1000.5", "0.50" → minor units. Returns a reason (string) instead of throwing, so the
 * rule-set validator can name the line. At most 15 integer digits: the largest amount a rule set
 * may state is below 10^15 currency units.
 */
export function parseDecimal(text: string, digits: number): bigint | string {
  if (/^\d{16,}(\.\d*)?$/.test(text.trim()))
    return `"${text}" is too large (at most 15 digits before the decimal point)`;
  const m = DECIMAL.exec(text.trim());
  if (!m)
    return `"${text}" is not a plain decimal amount (write digits with an optional decimal point, like 1000 or 0.50; no sign, currency symbol or thousands separator)`;
  const frac = m[2] ?? '';
  if (frac.length > digits) return `"${text}" has more than ${digits} decimal places`;
  return BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt(frac.padEnd(digits, '0') || '0');
}

/** Minor units → plain decimal text with exactly `digits` decimals ("1000000.00"); for JSON and CSV. */
export function toDecimalString(minor: bigint, digits: number): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const s = abs.toString().padStart(digits + 1, '0');
  const whole = s.slice(0, s.length - digits);
  const frac = s.slice(s.length - digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${frac}` : ''}`;
}

function groupThousands(whole: string, separator: string): string {
  let out = '';
  for (let i = 0; i < whole.length; i++) {
    if (i > 0 && (whole.length - i) % 3 === 0) out += separator;
    out += whole[i];
  }
  return out;
}

/**
 * en: $1,000,000.00 and €1,000,000.00; fr: 1 000 000,00 € and 1 000 000,00 $US (the spaces are
 * U+00A0 no-break spaces, which every PDF font has, so an amount never breaks across lines).
 */
export function formatMoney(minor: bigint, currency: Currency, lang: Lang): string {
  const c = CURRENCIES[currency];
  const plain = toDecimalString(minor < 0n ? -minor : minor, c.digits);
  const [whole, frac] = plain.split('.') as [string, string | undefined];
  const sign = minor < 0n ? '-' : '';
  if (lang === 'fr')
    return `${sign}${groupThousands(whole, '\u00a0')}${frac === undefined ? '' : `,${frac}`}${c.fr.suffix}`;
  return `${sign}${c.en.prefix}${groupThousands(whole, ',')}${frac === undefined ? '' : `.${frac}`}${c.en.suffix}`;
}

/** A count formatted for sentences: 10,000,000 (en) or 10 000 000 (fr). */
export function formatCount(n: number | bigint, lang: Lang): string {
  const s = BigInt(n).toString();
  return lang === 'fr' ? groupThousands(s, '\u00a0') : groupThousands(s, ',');
}

/** A count that may not be whole (shares of deliveries summed for one defendant): at most 4 decimals. */
export function formatUnits(n: number, lang: Lang): string {
  if (Number.isInteger(n)) return formatCount(n, lang);
  const [whole, frac] = n.toFixed(4).replace(/0+$/, '').split('.');
  return `${formatCount(Number(whole), lang)}${lang === 'fr' ? ',' : '.'}${frac}`;
}

/** A count that may be a fraction (a share of deliveries, docs/DAMAGES.md "shared"): `19 1/2`, `2/3`. */
export function formatShare(numerator: number, denominator: number, lang: Lang): string {
  if (denominator === 1) return formatCount(numerator, lang);
  const whole = Math.floor(numerator / denominator);
  const rest = `${numerator % denominator}/${denominator}`;
  return whole === 0 ? rest : `${formatCount(whole, lang)} ${rest}`;
}

/**
 * A count from the database as a BigInt factor. Counts are JavaScript numbers (or numeric strings
 * from PostgreSQL); anything that is not a non-negative safe integer is refused rather than rounded.
 */
export function countToBigInt(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new SpamcaseError('INVALID_INPUT', `${what} must be a non-negative whole number (got ${String(n)})`);
  return BigInt(n);
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Masking of what spammers vary from copy to copy, token by token (tokens are lower-case words):
 * numbers become "#", random-looking tokens (letters mixed with digits, very long runs, runs
 * without vowels) become "*". A line that is mostly random tokens is a hash-buster line and is
 * dropped whole (its few real words are the bust, e.g. "vortex plume 9kq2x7").
 */
import { MAX_TOKEN_CHARS } from '../limits.ts';

export const NUMBER_MASK = '#';
export const RANDOM_MASK = '*';

/** Longest token kept as a word: longer ones are random strings or glued garbage. */
const LONG_TOKEN = 20;

const VOWELS = new Set([0x61, 0x65, 0x69, 0x6f, 0x75, 0x79]);

/** Masks one lower-case token (as tokenize gives them). One pass over its characters. */
export function maskToken(token: string): string {
  let digits = 0;
  let vowels = 0;
  let asciiLetters = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c >= 0x61 && c <= 0x7a) {
      asciiLetters++;
      if (VOWELS.has(c)) vowels++;
    }
  }
  if (digits === token.length) return NUMBER_MASK;
  if (token.length > LONG_TOKEN) return RANDOM_MASK;
  if (digits > 0) return token.length >= 4 ? RANDOM_MASK : NUMBER_MASK;
  // ASCII words have vowels: "xkqzvbrt" does not.
  if (asciiLetters === token.length && token.length >= 7 && vowels / token.length < 0.15) return RANDOM_MASK;
  return token;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

function isWordChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
  if (c >= 0xd800 && c <= 0xdfff) return false; // astral symbols (emoji) separate words
  return WORD_CHAR.test(text[i]!);
}

/** Lower-case word tokens of a line (letters and digits of any script), each at most MAX_TOKEN_CHARS + 1 characters. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const text = line.toLowerCase();
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const word = i < text.length && isWordChar(text, i);
    if (word && start < 0) start = i;
    else if (!word && start >= 0) {
      out.push(text.slice(start, Math.min(i, start + MAX_TOKEN_CHARS + 1)));
      start = -1;
    }
  }
  return out;
}

/** A line whose masked tokens are at least half random masks (and short enough to be a buster, not prose). */
export function isHashBusterLine(masked: readonly string[]): boolean {
  if (masked.length === 0 || masked.length > 8) return false;
  const random = masked.filter((t) => t === RANDOM_MASK).length;
  return random > 0 && random * 3 >= masked.length;
}

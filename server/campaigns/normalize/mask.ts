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

/** Bit (c - 0x61) is set for the ASCII vowels a e i o u y. */
export const VOWEL_BITS = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 14) | (1 << 20) | (1 << 24);

/** What masking does to a token, from its counts: 0 keep, 1 number mask, 2 random mask. The one rule. */
export function maskClass(length: number, digits: number, asciiLetters: number, vowels: number): 0 | 1 | 2 {
  if (digits === length) return 1;
  if (length > LONG_TOKEN) return 2;
  if (digits > 0) return length >= 4 ? 2 : 1;
  // ASCII words have vowels: "xkqzvbrt" does not.
  if (asciiLetters === length && length >= 7 && vowels / length < 0.15) return 2;
  return 0;
}

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
      if ((VOWEL_BITS >>> (c - 0x61)) & 1) vowels++;
    }
  }
  const k = maskClass(token.length, digits, asciiLetters, vowels);
  return k === 0 ? token : k === 1 ? NUMBER_MASK : RANDOM_MASK;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

export function isWordChar(text: string, i: number): boolean {
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
  return isHashBusterCount(masked.length, masked.filter((t) => t === RANDOM_MASK).length);
}

/** The same rule from counts: `tokens` on the line, `random` of them random masks. */
export function isHashBusterCount(tokens: number, random: number): boolean {
  return tokens > 0 && tokens <= 8 && random > 0 && random * 3 >= tokens;
}

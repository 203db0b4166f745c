/**
 * RFC 2047 encoded words ("=?iso-8859-1?Q?caf=E9?="), decoded by libmime. libmime reads an unknown
 * charset as UTF-8; here an unknown or refused one (UTF-7 smuggles markup) is read as latin1
 * instead, which keeps every byte visible, and reported. Never throws.
 */
import libmime from 'libmime';
import { MAX_CHARSET_CACHE_ENTRIES } from './limits.ts';
import { PROBLEM, addProblem } from './problems.ts';

/** The encoded-word pattern libmime decodes. */
const ENCODED_WORD = /=\?([\w_\-*]+)\?([QqBb])\?([^?]*)\?=/g;

const charsetSupported = new Map<string, boolean>();

/** Whether libmime can decode this charset (cached; the cache is bounded). */
export function isKnownCharset(charset: string): boolean {
  const star = charset.indexOf('*'); // RFC 2231 language tag: "utf-8*en"
  const name = (star >= 0 ? charset.slice(0, star) : charset).toLowerCase();
  const cached = charsetSupported.get(name);
  if (cached !== undefined) return cached;
  let supported = false;
  try {
    supported = libmime.createDecodeStream(name).supported;
  } catch {
    supported = false;
  }
  if (charsetSupported.size < MAX_CHARSET_CACHE_ENTRIES) charsetSupported.set(name, supported);
  return supported;
}

/**
 * Decode the encoded words in `text`. Text without "=?" is returned as is, without calling libmime.
 * Problems (unknown charset, NUL) are added to `problems` when given.
 */
export function decodeEncodedWords(text: string, problems?: string[]): string {
  if (text.indexOf('=?') < 0) return text;
  let unknown = false;
  const rewritten = text.replace(ENCODED_WORD, (word: string, charset: string, encoding: string, payload: string) => {
    if (isKnownCharset(charset)) return word;
    unknown = true;
    return `=?ISO-8859-1?${encoding}?${payload}?=`;
  });
  if (unknown && problems) addProblem(problems, PROBLEM.unknownCharset);
  let decoded: string;
  try {
    decoded = libmime.decodeWords(rewritten);
  } catch {
    if (problems) addProblem(problems, PROBLEM.malformedEncodedWord);
    return text;
  }
  if (decoded.indexOf('\0') >= 0) {
    if (problems) addProblem(problems, PROBLEM.nulInEncodedWord);
    decoded = decoded.replaceAll('\0', '\uFFFD');
  }
  return decoded;
}

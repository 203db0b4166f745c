/**
 * The one tokenizer of full-text search, used at index and at query time on both databases: text is
 * compatibility-normalized, accents and case are removed, and it is cut at everything that is not a
 * letter or a digit. Chinese, Japanese and Korean characters are one token each (those scripts have
 * no spaces between words), so a word of them is found as a phrase of characters.
 */

/** Longer runs (base64 blobs, hash-busters) are not words anyone searches for. */
export const MAX_TOKEN_LENGTH = 64;
/** Tokens indexed per field of one item. */
export const MAX_TOKENS_PER_FIELD = 20_000;

const SPLIT = /[^\p{L}\p{N}]+/u;
const MARKS = /\p{M}+/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_ALL = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])/u;

/** The folded form of a text: what is compared. */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

/** The tokens of a text, in order. */
export function tokens(text: string, max = MAX_TOKENS_PER_FIELD): string[] {
  const out: string[] = [];
  for (const word of fold(text).split(SPLIT)) {
    if (word === '') continue;
    const parts = CJK.test(word) ? word.split(CJK_ALL).filter((p) => p !== '') : [word];
    for (const p of parts) {
      if (p.length > MAX_TOKEN_LENGTH) continue;
      out.push(p);
      if (out.length >= max) return out;
    }
  }
  return out;
}

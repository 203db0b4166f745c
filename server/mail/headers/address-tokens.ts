/**
 * Lexer for address headers (RFC 5322 section 3.4 and its obsolete forms). Lenient: unclosed
 * quotes, comments and angle brackets run to the end of the value; stray closers are kept as
 * 'stray' tokens that callers ignore. Never throws.
 */

export type TokenType = 'atom' | 'quoted' | 'comment' | 'angle' | 'literal' | 'special' | 'space' | 'stray';

export interface Token {
  type: TokenType;
  /** atom/special/stray: as written; quoted/comment: content with quoted-pairs resolved; angle/literal: raw content. */
  text: string;
}

/** An RFC 2047 encoded word starting exactly at lastIndex. */
const ENCODED_WORD_AT = /=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=/y;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Characters that end an atom. */
function isDelimiter(c: number): boolean {
  switch (c) {
    case 0x20: // space
    case 0x09: // tab
    case 0x0d: // CR
    case 0x0a: // LF
    case 0x22: // "
    case 0x28: // (
    case 0x29: // )
    case 0x3c: // <
    case 0x3e: // >
    case 0x5b: // [
    case 0x5d: // ]
    case 0x2c: // ,
    case 0x3b: // ;
    case 0x3a: // :
    case 0x40: // @
    case 0x2e: // .
      return true;
    default:
      return false;
  }
}

export function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  const n = value.length;
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (isSpace(c)) {
      while (i < n && isSpace(value.charCodeAt(i))) i++;
      tokens.push({ type: 'space', text: ' ' });
    } else if (c === 0x22) {
      let text = '';
      i++;
      while (i < n) {
        const ch = value[i] as string;
        if (ch === '\\' && i + 1 < n) {
          text += value[i + 1];
          i += 2;
        } else if (ch === '"') {
          i++;
          break;
        } else {
          text += ch;
          i++;
        }
      }
      tokens.push({ type: 'quoted', text });
    } else if (c === 0x28) {
      let depth = 1;
      let text = '';
      i++;
      while (i < n) {
        const ch = value[i] as string;
        if (ch === '\\' && i + 1 < n) {
          text += value[i + 1];
          i += 2;
          continue;
        }
        i++;
        if (ch === '(') depth++;
        else if (ch === ')' && --depth === 0) break;
        text += ch;
      }
      tokens.push({ type: 'comment', text });
    } else if (c === 0x3c) {
      // up to the next '>' outside a quoted string
      const start = i + 1;
      let quoted = false;
      i++;
      while (i < n) {
        const ch = value[i];
        if (quoted && ch === '\\') i++;
        else if (ch === '"') quoted = !quoted;
        else if (ch === '>' && !quoted) break;
        i++;
      }
      tokens.push({ type: 'angle', text: value.slice(start, Math.min(i, n)) });
      i++;
    } else if (c === 0x5b) {
      const close = value.indexOf(']', i + 1);
      const end = close < 0 ? n : close;
      tokens.push({ type: 'literal', text: value.slice(i + 1, end) });
      i = end + 1;
    } else if (c === 0x29 || c === 0x3e || c === 0x5d) {
      tokens.push({ type: 'stray', text: value[i] as string });
      i++;
    } else if (c === 0x2c || c === 0x3b || c === 0x3a || c === 0x40 || c === 0x2e) {
      tokens.push({ type: 'special', text: value[i] as string });
      i++;
    } else {
      const start = i;
      if (c === 0x3d && value.charCodeAt(i + 1) === 0x3f) {
        // An encoded word is one atom even when its text holds specials (",", ":", "@", ".").
        ENCODED_WORD_AT.lastIndex = i;
        if (ENCODED_WORD_AT.test(value)) i = ENCODED_WORD_AT.lastIndex;
      }
      while (i < n && !isDelimiter(value.charCodeAt(i))) i++;
      tokens.push({ type: 'atom', text: value.slice(start, i) });
    }
  }
  return tokens;
}

/**
 * Address lists as spam writes them: groups, comments, quoted local parts holding "@", display
 * names that look like addresses, missing angle brackets, encoded-word names, bare local parts and
 * plain garbage. Returns what is recoverable; never throws.
 */
import { tokenize } from './address-tokens.ts';
import type { Token } from './address-tokens.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import type { Address } from './types.ts';

/** RFC 5322 dot-atom, with RFC 6532 UTF-8 allowed: such a local part needs no quotes. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+)*$/;

function isWord(t: Token | undefined): boolean {
  return t !== undefined && (t.type === 'atom' || t.type === 'quoted');
}

/** Words of a local part; a domain literal there is garbage ("[ufa]@example.com") but kept as written. */
function isLocalWord(t: Token | undefined): boolean {
  return t !== undefined && (t.type === 'atom' || t.type === 'quoted' || t.type === 'literal');
}

function isAt(t: Token | undefined): boolean {
  return t !== undefined && t.type === 'special' && t.text === '@';
}

function isDot(t: Token | undefined): boolean {
  return t !== undefined && t.type === 'special' && t.text === '.';
}

function isCfws(t: Token | undefined): boolean {
  return t !== undefined && (t.type === 'space' || t.type === 'comment');
}

/** Local part from tokens: as written; a quoted one unquoted when the quotes were only syntax. */
function localPart(tokens: Token[], from: number, to: number): string {
  let text = '';
  let hadQuotes = false;
  let pendingSpace = false;
  for (let k = from; k < to; k++) {
    const t = tokens[k] as Token;
    if (t.type === 'comment' || t.type === 'stray') continue;
    if (t.type === 'space') {
      pendingSpace = text !== '';
      continue;
    }
    const dot = isDot(t);
    if (pendingSpace && !dot && !text.endsWith('.')) text += ' ';
    pendingSpace = false;
    if (t.type === 'quoted') hadQuotes = true;
    text += t.type === 'literal' ? `[${t.text}]` : t.text;
  }
  if (!hadQuotes || DOT_ATOM.test(text)) return text;
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** Domain from tokens: comments and spaces dropped, lowercased. */
function domainPart(tokens: Token[], from: number, to: number): string {
  let text = '';
  for (let k = from; k < to; k++) {
    const t = tokens[k] as Token;
    if (t.type === 'atom' || t.type === 'special') text += t.text;
    else if (t.type === 'literal') text += `[${t.text.trim()}]`;
    else if (t.type === 'quoted') text += t.text;
  }
  return text.toLowerCase();
}

function collapseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Display name from the tokens in [from, to): words as written, comments left out, encoded words decoded. */
function phrase(tokens: Token[], from: number, to: number, problems: string[] | undefined): string {
  let text = '';
  for (let k = from; k < to; k++) {
    const t = tokens[k] as Token;
    if (t.type === 'space') text += ' ';
    else if (t.type === 'atom' || t.type === 'special' || t.type === 'quoted') text += t.text;
    else if (t.type === 'literal') text += `[${t.text}]`;
  }
  return collapseSpace(decodeEncodedWords(text, problems));
}

function comments(tokens: Token[], problems: string[] | undefined): string {
  const parts: string[] = [];
  for (const t of tokens) if (t.type === 'comment') parts.push(t.text);
  return collapseSpace(decodeEncodedWords(parts.join(' '), problems));
}

function joinAddress(local: string, domain: string | null): string {
  return domain === null ? local : `${local}@${domain}`;
}

/** The addr-spec inside <...>: obsolete route dropped, split at the last "@". */
function angleAddress(content: string): string {
  const tokens = tokenize(content);
  let start = 0;
  while (isCfws(tokens[start])) start++;
  const first = tokens[start];
  if (isAt(first)) {
    // obs-route "@relay1,@relay2:user@domain"
    const colon = tokens.findIndex((t) => t.type === 'special' && t.text === ':');
    if (colon >= 0) start = colon + 1;
  }
  let at = -1;
  for (let k = tokens.length - 1; k >= start; k--) {
    if (isAt(tokens[k])) {
      at = k;
      break;
    }
  }
  if (at < 0) return localPart(tokens, start, tokens.length);
  return joinAddress(localPart(tokens, start, at), domainPart(tokens, at + 1, tokens.length));
}

/** One mailbox from the tokens of one list entry, or null when nothing is recoverable. */
function mailbox(tokens: Token[], problems: string[] | undefined): Address | null {
  const angle = tokens.findIndex((t) => t.type === 'angle');
  if (angle >= 0) {
    const address = angleAddress((tokens[angle] as Token).text);
    const name =
      phrase(tokens, 0, angle, problems) ||
      phrase(tokens, angle + 1, tokens.length, problems) ||
      comments(tokens, problems);
    return address === '' && name === '' ? null : { address, name };
  }

  let at = -1;
  for (let k = tokens.length - 1; k >= 0; k--) {
    if (isAt(tokens[k])) {
      at = k;
      break;
    }
  }
  if (at >= 0) {
    // Walk back from "@" over the local part: words joined by dots (spaces around dots allowed).
    let localStart = at;
    let k = at - 1;
    while (isCfws(tokens[k])) k--;
    while (isLocalWord(tokens[k])) {
      localStart = k;
      if (isLocalWord(tokens[k - 1])) {
        k--;
        continue;
      }
      if (isAt(tokens[k - 1]) && isLocalWord(tokens[k - 2])) {
        // "abc@def@21cn.com": the mailbox is at the last "@"; the rest is the local part, as written
        localStart = k - 1;
        k -= 2;
        continue;
      }
      let j = k - 1;
      while (isCfws(tokens[j])) j--;
      if (!isDot(tokens[j])) break;
      localStart = j;
      j--;
      while (isCfws(tokens[j])) j--;
      k = j;
    }
    // Walk forward over the domain: atoms or a literal joined by dots.
    let domainEnd = at + 1;
    k = at + 1;
    while (isCfws(tokens[k])) k++;
    for (;;) {
      const t = tokens[k];
      if (t === undefined || (t.type !== 'atom' && t.type !== 'literal')) break;
      domainEnd = k + 1;
      let j = k + 1;
      if (tokens[j]?.type === 'atom') {
        k = j;
        continue;
      }
      while (isCfws(tokens[j])) j++;
      if (!isDot(tokens[j])) break;
      domainEnd = j + 1;
      j++;
      while (isCfws(tokens[j])) j++;
      k = j;
    }
    const address = joinAddress(localPart(tokens, localStart, at), domainPart(tokens, at + 1, domainEnd));
    const name =
      collapseSpace(
        `${phrase(tokens, 0, localStart, problems)} ${phrase(tokens, domainEnd, tokens.length, problems)}`,
      ) || comments(tokens, problems);
    return { address, name };
  }

  // No "@": a single dot-joined run of words is a bare local part ("zzzz"); several words are only a name.
  const significant = tokens.filter((t) => t.type !== 'space' && t.type !== 'comment' && t.type !== 'stray');
  if (significant.length === 0) {
    const name = comments(tokens, problems);
    return name === '' ? null : { address: '', name };
  }
  let singleRun = true;
  let previousSignificant: Token | undefined;
  let spaceSince = false;
  for (const t of tokens) {
    if (t.type === 'space' || t.type === 'comment') {
      spaceSince = true;
      continue;
    }
    if (t.type === 'stray') continue;
    if (previousSignificant !== undefined && spaceSince && isWord(previousSignificant) && isWord(t)) singleRun = false;
    if (t.type === 'special' || t.type === 'literal') singleRun = singleRun && isDot(t);
    previousSignificant = t;
    spaceSince = false;
  }
  if (singleRun) {
    const local = localPart(tokens, 0, tokens.length);
    // A lone quoted string that needs its quotes ("John Doe") is a name, not a mailbox.
    if (!local.startsWith('"')) return { address: local, name: comments(tokens, problems) };
  }
  return { address: '', name: phrase(tokens, 0, tokens.length, problems) };
}

/** Parse an address list; encoded-word problems go to `problems` when given. */
export function parseAddresses(value: string, problems?: string[]): Address[] {
  const tokens = tokenize(value);
  const result: Address[] = [];
  let entry: Token[] = [];
  const flush = (): void => {
    if (entry.length > 0) {
      const box = mailbox(entry, problems);
      if (box !== null) result.push(box);
    }
    entry = [];
  };
  for (const t of tokens) {
    if (t.type === 'special' && (t.text === ',' || t.text === ';')) flush();
    else if (t.type === 'special' && t.text === ':')
      entry = []; // group name ("undisclosed-recipients:") or "mailto:"
    else entry.push(t);
  }
  flush();
  return result;
}

/**
 * "Paypal <x123@hotmail.com>, \"john@evil\"@hotmail.com" => two addresses. Groups are flattened,
 * their names dropped; an entry with no recoverable mailbox but a name gets address ''.
 */
export function parseAddressList(value: string): Address[] {
  return parseAddresses(value, undefined);
}

/** Return-Path: "<x@y>" => "x@y", "<>" => '' (the null sender), nothing recoverable => null. */
export function parseReturnPath(value: string): string | null {
  const tokens = tokenize(value);
  const angle = tokens.find((t) => t.type === 'angle');
  if (angle !== undefined && angle.text.trim() === '') return '';
  // "<user@[1086695621] [ufa]>" (SpamAssassin corpus spam-2/00135): a domain literal followed by a
  // tag inside the brackets; the address is the mailbox and its literal.
  const literal = /<\s*([^\s<>@]+@\[[^\]\s<>]*\])\s+[^<>]*>/.exec(value);
  if (literal) return literal[1]!;
  for (const a of parseAddresses(value)) if (a.address !== '') return a.address;
  return null;
}

/**
 * The search language staff type (docs/SEARCH.md): words, "phrases", prefix*, AND / OR / NOT (or a
 * leading -), parentheses, and field:value for subject, from, to and body. parseSearch reads it into
 * a tree with the words already tokenized (tokens.ts); toFts5 and toTsquery write that tree in each
 * backend's syntax with every word quoted, so no user text reaches MATCH or a tsquery as typed.
 */
import { SpamcaseError } from '../errors.ts';
import { tokens } from './tokens.ts';

export const SEARCH_FIELDS = ['subject', 'from', 'to', 'body'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export const MAX_SEARCH_LENGTH = 200;
export const MAX_SEARCH_TERMS = 32;
const MAX_DEPTH = 8;

export type SearchNode =
  | { kind: 'term'; field: SearchField | null; tokens: string[]; prefix: boolean }
  | { kind: 'and'; children: SearchNode[] }
  | { kind: 'or'; children: SearchNode[] }
  | { kind: 'not'; child: SearchNode };

type Lexeme =
  | { t: '(' | ')' | 'OR' | 'AND' | 'NOT' }
  | { t: 'field'; field: SearchField }
  | { t: 'word'; text: string; prefix: boolean }
  | { t: 'phrase'; text: string; prefix: boolean };

function invalid(message: string): SpamcaseError {
  return new SpamcaseError('INVALID_INPUT', message, { field: 'search' });
}

const FIELD_PREFIX = /^(subject|from|to|body):/i;

function lex(text: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  const word = (w: string): void => {
    if (w === 'OR' || w === 'AND' || w === 'NOT') return void out.push({ t: w });
    if (w.length > 1 && w.startsWith('-')) {
      out.push({ t: 'NOT' });
      return word(w.slice(1));
    }
    const f = FIELD_PREFIX.exec(w);
    if (f) {
      out.push({ t: 'field', field: f[1]!.toLowerCase() as SearchField });
      const rest = w.slice(f[0].length);
      return rest === '' ? undefined : word(rest);
    }
    const prefix = w.endsWith('*');
    out.push({ t: 'word', text: prefix ? w.replace(/\*+$/, '') : w, prefix });
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      out.push({ t: c });
      i += 1;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? text.length : end;
      let j = stop + 1;
      const prefix = text[j] === '*';
      if (prefix) j += 1;
      out.push({ t: 'phrase', text: text.slice(i + 1, stop), prefix });
      i = j;
    } else {
      let j = i;
      while (j < text.length && !/[\s()"]/.test(text[j]!)) j += 1;
      word(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** The tree of a search; INVALID_INPUT (field `search`) with a sentence saying what is wrong. */
export function parseSearch(text: string): SearchNode {
  if (text.length > MAX_SEARCH_LENGTH) throw invalid(`has at most ${MAX_SEARCH_LENGTH} characters`);
  const lexemes = lex(text);
  let pos = 0;
  let terms = 0;
  const peek = (): Lexeme | undefined => lexemes[pos];

  const withField = (node: SearchNode, field: SearchField): SearchNode => {
    if (node.kind === 'term') return node.field ? node : { ...node, field };
    if (node.kind === 'not') return { kind: 'not', child: withField(node.child, field) };
    return { kind: node.kind, children: node.children.map((c) => withField(c, field)) };
  };

  const primary = (depth: number): SearchNode | null => {
    const l = lexemes[pos++];
    if (!l) return null;
    if (l.t === '(') {
      if (depth >= MAX_DEPTH) throw invalid(`has parentheses nested more than ${MAX_DEPTH} deep`);
      const inner = or(depth + 1);
      if (peek()?.t !== ')') throw invalid('has a "(" that is never closed');
      pos += 1;
      return inner;
    }
    if (l.t === 'word' || l.t === 'phrase') {
      const toks = tokens(l.text, MAX_SEARCH_TERMS + 1);
      if (toks.length === 0) return null; // punctuation only ("&"): nothing to look for
      terms += toks.length;
      if (terms > MAX_SEARCH_TERMS) throw invalid(`has at most ${MAX_SEARCH_TERMS} words`);
      return { kind: 'term', field: null, tokens: toks, prefix: l.prefix };
    }
    if (l.t === ')') throw invalid('has a ")" without its "("');
    // A dangling operator or field name ("NOT" at the end, "subject:" alone) looks for nothing.
    pos -= 1;
    return null;
  };

  const unary = (depth: number): SearchNode | null => {
    const l = peek();
    if (l?.t === 'NOT') {
      pos += 1;
      const child = unary(depth);
      if (!child) return null;
      return child.kind === 'not' ? child.child : { kind: 'not', child };
    }
    if (l?.t === 'field') {
      pos += 1;
      const child = unary(depth);
      return child ? withField(child, l.field) : null;
    }
    return primary(depth);
  };

  const and = (depth: number): SearchNode | null => {
    const children: SearchNode[] = [];
    for (;;) {
      const l = peek();
      if (!l || l.t === ')' || l.t === 'OR') break;
      if (l.t === 'AND') {
        pos += 1;
        continue;
      }
      const before = pos;
      const node = unary(depth);
      if (node) children.push(node);
      else if (pos === before) pos += 1; // skip a lexeme that looked for nothing
    }
    if (children.length === 0) return null;
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  };

  const or = (depth: number): SearchNode | null => {
    const children: SearchNode[] = [];
    const first = and(depth);
    if (first) children.push(first);
    while (peek()?.t === 'OR') {
      pos += 1;
      const next = and(depth);
      if (next) children.push(next);
    }
    if (children.length === 0) return null;
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  };

  const root = or(0);
  if (pos < lexemes.length) throw invalid('has a ")" without its "("');
  if (!root) throw invalid('has no word to look for (only punctuation or operators)');
  checkPositive(root);
  return root;
}

/** Every group must look for something, not only leave things out: no index can answer "NOT x". */
function checkPositive(node: SearchNode): void {
  const fail = (): never => {
    throw invalid('needs a word to look for besides the words to leave out (NOT, -)');
  };
  if (node.kind === 'not') fail();
  if (node.kind === 'or') for (const c of node.children) checkPositive(c);
  if (node.kind === 'and') {
    if (!node.children.some((c) => c.kind !== 'not')) fail();
    for (const c of node.children) if (c.kind === 'not') checkInner(c.child);
    for (const c of node.children) if (c.kind !== 'not') checkPositive(c);
  }
}

function checkInner(node: SearchNode): void {
  if (node.kind === 'term') return;
  checkPositive(node);
}

/** The positive terms (not under NOT): what a snippet highlights. */
export function positiveTerms(node: SearchNode): Array<Extract<SearchNode, { kind: 'term' }>> {
  if (node.kind === 'term') return [node];
  if (node.kind === 'not') return [];
  return node.children.flatMap(positiveTerms);
}

const FTS_COLUMNS: Record<SearchField, string> = {
  subject: 'subject',
  from: 'sender',
  to: 'recipients',
  body: 'body',
};
/** The FTS5 columns a word without a field is looked for in (never the `meta` column). */
export const FTS_TEXT_COLUMNS = '{subject sender recipients body}';

function ftsString(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The tree as an FTS5 MATCH expression over search_fts's text columns. */
export function toFts5(node: SearchNode): string {
  switch (node.kind) {
    case 'term': {
      const column = node.field ? FTS_COLUMNS[node.field] : FTS_TEXT_COLUMNS;
      return `${column} : ${ftsString(node.tokens.join(' '))}${node.prefix ? ' *' : ''}`;
    }
    case 'or':
      return `(${node.children.map(toFts5).join(' OR ')})`;
    case 'not':
      throw new Error('NOT outside an AND group'); // checkPositive refused it
    case 'and': {
      let out = `(${node.children
        .filter((c) => c.kind !== 'not')
        .map(toFts5)
        .join(' AND ')})`;
      for (const c of node.children) if (c.kind === 'not') out = `(${out} NOT ${toFts5Inner(c.child)})`;
      return out;
    }
  }
}

function toFts5Inner(node: SearchNode): string {
  return node.kind === 'term' ? `(${toFts5(node)})` : toFts5(node);
}

/** PostgreSQL weights of the fields in search_docs.tsv. */
export const TS_WEIGHTS: Record<SearchField, 'A' | 'B' | 'C' | 'D'> = { subject: 'A', from: 'B', to: 'C', body: 'D' };

function tsLexeme(token: string): string {
  return `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The tree as a PostgreSQL tsquery literal (cast with ::tsquery; no parser or dictionary involved). */
export function toTsquery(node: SearchNode): string {
  switch (node.kind) {
    case 'term': {
      const w = node.field ? TS_WEIGHTS[node.field] : '';
      return `(${node.tokens
        .map((t, i) => {
          const star = node.prefix && i === node.tokens.length - 1 ? '*' : '';
          return `${tsLexeme(t)}${star || w ? `:${star}${w}` : ''}`;
        })
        .join(' <-> ')})`;
    }
    case 'or':
      return `(${node.children.map(toTsquery).join(' | ')})`;
    case 'not':
      return `!${toTsquery(node.child)}`;
    case 'and':
      return `(${node.children.map(toTsquery).join(' & ')})`;
  }
}

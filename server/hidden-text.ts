/**
 * Hostile text made safe to show and faithful to what was written (docs/SECURITY.md, "Hidden
 * characters"): bidirectional controls (overrides, embeddings, isolates, marks) and invisible
 * characters (zero-width space, word joiner, BOM, soft hyphen, C0/C1 controls, tag characters,
 * variation selectors outside emoji) reorder or hide text, so a subject with U+202E can read as
 * "...exe.png". Wherever spamcase shows message text (web pages, the PDF, the staff CSVs) each one
 * is replaced by a visible marker ⟦U+202E⟧ and the value is flagged; the raw value stays in the
 * evidence (the bundle's CSVs keep every value exactly, the item page shows it as written).
 * ZWJ and ZWNJ are left alone: emoji sequences and Persian words need them and they reorder nothing.
 */

/** The characters neutralized, with their Unicode names (the name of anything else in the set is its block's). */
export const HIDDEN_NAMES: Readonly<Record<number, string>> = {
  0x00ad: 'SOFT HYPHEN',
  0x061c: 'ARABIC LETTER MARK',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x200b: 'ZERO WIDTH SPACE',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2061: 'FUNCTION APPLICATION',
  0x2062: 'INVISIBLE TIMES',
  0x2063: 'INVISIBLE SEPARATOR',
  0x2064: 'INVISIBLE PLUS',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (BOM)',
};

const HIDDEN =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|[\u{e0000}-\u{e007f}]/gu;
const HIDDEN_ONE = new RegExp(HIDDEN.source, 'u');

export function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "U+202E RIGHT-TO-LEFT OVERRIDE", or "U+0007 control character". */
export function describeHidden(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const name =
    HIDDEN_NAMES[cp] ??
    (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
      ? 'control character'
      : cp >= 0xe0000
        ? 'tag character'
        : 'format character');
  return `${codePointLabel(ch)} ${name}`;
}

export function hasHidden(text: string | null | undefined): boolean {
  return !!text && HIDDEN_ONE.test(text);
}

/** The text with each hidden character as a visible marker ⟦U+202E⟧ (tab, CR and LF are kept). */
export function neutralize(text: string): string {
  return text.replace(HIDDEN, (ch) => `⟦${codePointLabel(ch)}⟧`);
}

/** The text cut into plain runs and hidden characters, for a page to mark each one. */
export function hiddenSegments(text: string): Array<{ text: string; hidden: string | null }> {
  const out: Array<{ text: string; hidden: string | null }> = [];
  let at = 0;
  for (const m of text.matchAll(HIDDEN)) {
    if (m.index > at) out.push({ text: text.slice(at, m.index), hidden: null });
    out.push({ text: codePointLabel(m[0]), hidden: describeHidden(m[0]) });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), hidden: null });
  return out;
}

/** The value as written, each hidden character spelled \u{202E}: nothing in it can reorder or hide. */
export function escapedForm(text: string): string {
  return text.replace(HIDDEN, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

/**
 * Fonts embedded in the PDF, all from npm packages (nothing is downloaded): DejaVu Sans (Latin,
 * Greek, Cyrillic, Arabic, Hebrew, many symbols) as the text face, Noto Sans SC for CJK (Chinese,
 * kana, hangul is not in it), Noto Emoji (monochrome) for emoji. Text is split into runs, each in
 * the first font that has a glyph for its characters (fontkit's hasGlyphForCodePoint); a character
 * no font has is printed as a visible replacement mark, never dropped silently.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as fontkit from 'fontkit';
import type PDFDocument from 'pdfkit';
import { REPLACEMENT } from './safe-text.ts';

const require = createRequire(import.meta.url);

function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

export type Weight = 'regular' | 'bold' | 'mono';

interface FontFile {
  /** Name the font is registered under in each document. */
  name: string;
  file: string;
}

const DEJAVU = 'dejavu-fonts-ttf';
export const FONT_FILES = {
  regular: { name: 'Text', file: packageFile(DEJAVU, 'ttf/DejaVuSans.ttf') },
  bold: { name: 'TextBold', file: packageFile(DEJAVU, 'ttf/DejaVuSans-Bold.ttf') },
  mono: { name: 'Mono', file: packageFile(DEJAVU, 'ttf/DejaVuSansMono.ttf') },
} satisfies Record<Weight, FontFile>;

/** Tried in order for a character the text face lacks. */
export const FALLBACK_FILES: FontFile[] = [
  { name: 'FallbackCJK', file: packageFile('@expo-google-fonts/noto-sans-sc', '400Regular/NotoSansSC_400Regular.ttf') },
  { name: 'FallbackEmoji', file: packageFile('@expo-google-fonts/noto-emoji', '400Regular/NotoEmoji_400Regular.ttf') },
];

interface LoadedFont {
  name: string;
  data: Buffer;
  font: fontkit.Font;
}

const loaded = new Map<string, LoadedFont>();

function load(f: FontFile): LoadedFont {
  let l = loaded.get(f.name);
  if (!l) {
    const data = fs.readFileSync(f.file);
    const font = fontkit.create(data) as fontkit.Font;
    l = { name: f.name, data, font };
    loaded.set(f.name, l);
  }
  return l;
}

/**
 * Characters that only modify their neighbour (joiners, variation selectors, skin tones): kept with the run when its
 * font has them, else dropped.
 */
function isModifier(cp: number): boolean {
  return (
    cp === 0x200d ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
    (cp >= 0xe0020 && cp <= 0xe007f)
  );
}

/** Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, NKo and presentation forms). */
function isRtl(cp: number): boolean {
  return (cp >= 0x0590 && cp <= 0x08ff) || (cp >= 0xfb1d && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff);
}

/** Characters that take the direction of the run they are in (spaces, digits, punctuation). */
function isNeutral(cp: number): boolean {
  return cp < 0x41 || (cp >= 0x5b && cp <= 0x60) || (cp >= 0x7b && cp <= 0xbf) || (cp >= 0x2000 && cp <= 0x206f);
}

export interface TextRun {
  font: string;
  text: string;
}

const runCache = new Map<string, TextRun[]>();
const RUN_CACHE_LIMIT = 5000;

/**
 * Split text into runs by font (and by direction, so fontkit lays a right-to-left run out on its
 * own). Characters no font covers become the replacement mark in the text face.
 */
export function textRuns(text: string, weight: Weight = 'regular'): TextRun[] {
  const cacheKey = `${weight}\u0000${text}`;
  const cached = runCache.get(cacheKey);
  if (cached) return cached;
  const primary = load(FONT_FILES[weight]);
  const runs: TextRun[] = [];
  let cur: { font: LoadedFont; rtl: boolean; text: string } | null = null;
  const push = (font: LoadedFont, rtl: boolean, s: string) => {
    if (cur && cur.font === font && cur.rtl === rtl) cur.text += s;
    else {
      if (cur) runs.push({ font: cur.font.name, text: cur.text });
      cur = { font, rtl, text: s };
    }
  };
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (isModifier(cp)) {
      const c = cur as { font: LoadedFont; rtl: boolean; text: string } | null;
      if (c && c.font.font.hasGlyphForCodePoint(cp)) c.text += ch;
      continue;
    }
    // Spaces join any run; other neutrals (digits, brackets, punctuation) join only a left-to-right
    // run, so "Doe 2 (name)" keeps its brackets and numbers are never reversed.
    const c0 = cur as { font: LoadedFont; rtl: boolean } | null;
    if (ch === '\n' || ch === ' ' || (isNeutral(cp) && c0 && !c0.rtl && c0.font.font.hasGlyphForCodePoint(cp))) {
      if (cur) (cur as { text: string }).text += ch;
      else push(primary, false, ch);
      continue;
    }
    let chosen: LoadedFont | null = primary.font.hasGlyphForCodePoint(cp) ? primary : null;
    if (!chosen) {
      for (const f of FALLBACK_FILES) {
        const l = load(f);
        if (l.font.hasGlyphForCodePoint(cp)) {
          chosen = l;
          break;
        }
      }
    }
    if (chosen) push(chosen, isRtl(cp), ch);
    else push(primary, false, REPLACEMENT);
  }
  if (cur) runs.push({ font: (cur as { font: LoadedFont }).font.name, text: (cur as { text: string }).text });
  if (runCache.size >= RUN_CACHE_LIMIT) runCache.clear();
  runCache.set(cacheKey, runs);
  return runs;
}

/** Register every font under its name in a document (pdfkit embeds only the glyphs used). */
export function registerFonts(doc: PDFKit.PDFDocument | InstanceType<typeof PDFDocument>): void {
  for (const f of [...Object.values(FONT_FILES), ...FALLBACK_FILES]) doc.registerFont(f.name, load(f).data);
}

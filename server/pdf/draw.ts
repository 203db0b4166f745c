/**
 * Drawing primitives over pdfkit that keep every mark inside the page's margins: flowing
 * paragraphs in font runs, single-line cells cut to their width with "…", and tables whose rows
 * break across pages with the header row repeated on each page.
 */
import type PDFDocument from 'pdfkit';
import { textRuns, type TextRun, type Weight } from './fonts.ts';

export type Doc = InstanceType<typeof PDFDocument>;

/** Smallest size a figure or hash is shrunk to so that it is never cut. */
export const MIN_EXACT_SIZE = 4.5;

export function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

export function bottomLimit(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Start a new page unless `height` points still fit below the cursor. */
export function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottomLimit(doc)) doc.addPage();
  doc.x = doc.page.margins.left;
}

/** A flowing paragraph across the content width (pdfkit wraps and breaks pages). */
export function paragraph(
  doc: Doc,
  text: string,
  opts: {
    size: number;
    weight?: Weight;
    align?: 'left' | 'center' | 'justify';
    gap?: number;
    color?: string;
    indent?: number;
  },
): void {
  // pdfkit loses a line break that ends one font run of continued text: lay out line by line.
  const lines = text.split('\n');
  if (lines.length > 1) {
    lines.forEach((line, i) => paragraph(doc, line, { ...opts, gap: i === lines.length - 1 ? opts.gap : 0 }));
    return;
  }
  const runs = textRuns(text, opts.weight ?? 'regular');
  const left = doc.page.margins.left + (opts.indent ?? 0);
  const width = contentWidth(doc) - (opts.indent ?? 0);
  doc.fillColor(opts.color ?? '#000000').fontSize(opts.size);
  ensureSpace(doc, opts.size * 1.4);
  doc.x = left;
  runs.forEach((r, i) => {
    const last = i === runs.length - 1;
    if (i === 0)
      doc
        .font(r.font)
        .text(r.text, left, doc.y, { width, align: opts.align ?? 'left', continued: !last, lineGap: 1.5 });
    else doc.font(r.font).text(r.text, { continued: !last });
  });
  doc.x = doc.page.margins.left;
  doc.y += opts.gap ?? opts.size * 0.6;
  doc.fillColor('#000000');
}

interface Glyphs {
  font: string;
  chars: string[];
  widths: number[];
}

/** Cut runs so they fit `width` at `size`, marking a cut with "…". */
export function fitRuns(doc: Doc, runs: TextRun[], width: number, size: number): { runs: TextRun[]; width: number } {
  const measured: Glyphs[] = runs.map((r) => {
    doc.font(r.font).fontSize(size);
    const chars = Array.from(r.text);
    return { font: r.font, chars, widths: chars.map((c) => doc.widthOfString(c)) };
  });
  const total = measured.reduce((sum, g) => sum + g.widths.reduce((a, b) => a + b, 0), 0);
  const exact = runs.reduce((sum, r) => sum + doc.font(r.font).fontSize(size).widthOfString(r.text), 0);
  if (Math.max(total, exact) <= width) return { runs, width: exact };
  const first = runs[0]?.font ?? 'Text';
  doc.font(first).fontSize(size);
  const ellipsis = doc.widthOfString('…');
  const out: TextRun[] = [];
  let used = 0;
  for (const g of measured) {
    let text = '';
    for (let i = 0; i < g.chars.length; i++) {
      if (used + g.widths[i]! + ellipsis > width) {
        if (text) out.push({ font: g.font, text });
        out.push({ font: first, text: '…' });
        return { runs: out, width: used + ellipsis };
      }
      used += g.widths[i]!;
      text += g.chars[i];
    }
    if (text) out.push({ font: g.font, text });
  }
  return { runs: out, width: used };
}

/** One line of text at (x, y) within `width`, cut to fit, never wrapping and never breaking the page. */
export function cellText(
  doc: Doc,
  text: string,
  x: number,
  y: number,
  width: number,
  opts: { size: number; weight?: Weight; align?: 'left' | 'right' | 'center'; color?: string; exact?: boolean },
): void {
  if (text === '' || width <= 0) return;
  const runs = textRuns(text, opts.weight ?? 'regular');
  let size = opts.size;
  if (opts.exact) {
    // Figures and hashes are never cut: they shrink to fit (down to MIN_EXACT_SIZE) instead.
    const natural = runs.reduce((sum, r) => sum + doc.font(r.font).fontSize(size).widthOfString(r.text), 0);
    if (natural > width) size = Math.max(MIN_EXACT_SIZE, (size * width) / natural - 0.05);
  }
  const fitted = fitRuns(doc, runs, width, size);
  let cx = x;
  if (opts.align === 'right') cx = x + width - fitted.width;
  else if (opts.align === 'center') cx = x + (width - fitted.width) / 2;
  const savedX = doc.x;
  const savedY = doc.y;
  doc.fillColor(opts.color ?? '#000000');
  for (const r of fitted.runs) {
    doc.font(r.font).fontSize(size);
    doc.text(r.text, cx, y, { lineBreak: false });
    cx += doc.widthOfString(r.text);
  }
  doc.fillColor('#000000');
  // A cell never moves the flow: the caller places rows.
  doc.x = savedX;
  doc.y = savedY;
}

export interface Column {
  header: string;
  /** Share of the content width (the shares of a table add up to 1). */
  share: number;
  align?: 'left' | 'right';
  weight?: Weight;
  /** Never cut (shrink to fit instead): default for right-aligned (figures) and mono (hashes) columns. */
  exact?: boolean;
}

export interface TableStyle {
  size: number;
  rule: string;
  headerFill: string;
}

/**
 * A table of single-line rows. When a row does not fit, the table continues on a new page under
 * a repeated header row. Returns the number of pages it spans.
 */
export function table(
  doc: Doc,
  columns: Column[],
  rows: string[][],
  style: TableStyle,
  opts: { boldLastRow?: boolean } = {},
): number {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  const rowH = style.size * 1.7;
  const pad = 3;
  const xs: number[] = [];
  let acc = left;
  for (const c of columns) {
    xs.push(acc);
    acc += c.share * width;
  }
  let pages = 1;
  const header = () => {
    doc.save().rect(left, doc.y, width, rowH).fill(style.headerFill).restore();
    // Column headers are never cut either: a long word shrinks to fit its column.
    columns.forEach((c, i) =>
      cellText(doc, c.header, xs[i]! + pad, doc.y + rowH * 0.25, c.share * width - 2 * pad, {
        size: style.size,
        weight: 'bold',
        align: c.align,
        exact: true,
      }),
    );
    doc.y += rowH;
    doc
      .save()
      .moveTo(left, doc.y)
      .lineTo(left + width, doc.y)
      .lineWidth(0.6)
      .stroke(style.rule)
      .restore();
  };
  ensureSpace(doc, rowH * 3);
  header();
  rows.forEach((row, r) => {
    if (doc.y + rowH > bottomLimit(doc)) {
      doc.addPage();
      pages++;
      header();
    }
    const bold = opts.boldLastRow === true && r === rows.length - 1;
    columns.forEach((c, i) =>
      cellText(doc, row[i] ?? '', xs[i]! + pad, doc.y + rowH * 0.25, c.share * width - 2 * pad, {
        size: style.size,
        weight: bold ? 'bold' : (c.weight ?? 'regular'),
        align: c.align,
        exact: c.exact ?? (c.align === 'right' || c.weight === 'mono'),
      }),
    );
    doc.y += rowH;
    doc
      .save()
      .moveTo(left, doc.y)
      .lineTo(left + width, doc.y)
      .lineWidth(0.25)
      .stroke(style.rule)
      .restore();
  });
  doc.x = left;
  doc.y += style.size;
  return pages;
}

/**
 * Outside readers of a PDF, the tools the other side would use: poppler's pdftotext, pdfinfo and
 * pdftoppm, and qpdf. Each writes the PDF to a temp file and runs the real binary.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/databases.ts';

function toFile(pdf: Buffer): string {
  const file = path.join(tempDir('spamcase-pdf-'), 'doc.pdf');
  fs.writeFileSync(file, pdf);
  return file;
}

/** Text of the whole document, or of one page (1-based), in layout mode. */
export function pdfText(pdf: Buffer, page?: number): string {
  const args = ['-layout', '-enc', 'UTF-8'];
  if (page !== undefined) args.push('-f', String(page), '-l', String(page));
  return execFileSync('pdftotext', [...args, toFile(pdf), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

export function pdfInfo(pdf: Buffer): Record<string, string> {
  const out = execFileSync('pdfinfo', ['-isodates', toFile(pdf)], { encoding: 'utf8' });
  const info: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) info[m[1]!.trim()] = m[2]!.trim();
  }
  return info;
}

export function qpdfCheck(pdf: Buffer): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync('qpdf', ['--check', toFile(pdf)], { encoding: 'utf8' }) };
  } catch (err) {
    return { ok: false, output: String((err as { stdout?: string }).stdout ?? err) };
  }
}

/** The outline (bookmarks) titles, read by qpdf. */
export function outlineTitles(pdf: Buffer): string[] {
  const json = JSON.parse(
    execFileSync('qpdf', ['--json', '--json-key=outlines', toFile(pdf)], { encoding: 'utf8' }),
  ) as { outlines: Array<{ title: string }> };
  return json.outlines.map((o) => o.title);
}

export interface Word {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Every word with its box (pdftotext -bbox), with the page size. */
export function pdfWords(pdf: Buffer): { pages: Array<{ width: number; height: number }>; words: Word[] } {
  const html = execFileSync('pdftotext', ['-bbox', '-enc', 'UTF-8', toFile(pdf), '-'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const pages: Array<{ width: number; height: number }> = [];
  const words: Word[] = [];
  const re =
    /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/g;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    if (m[1] !== undefined) pages.push({ width: Number(m[1]), height: Number(m[2]) });
    else
      words.push({
        page: pages.length,
        text: m[7]!,
        xMin: Number(m[3]),
        yMin: Number(m[4]),
        xMax: Number(m[5]),
        yMax: Number(m[6]),
      });
  }
  return { pages, words };
}

/**
 * Renders every page (pdftoppm, grayscale) and returns, per page, the share of dark pixels inside
 * the body (between the top and bottom margins): 0 means a blank page.
 */
export function pageInk(pdf: Buffer, margins: { top: number; bottom: number }): number[] {
  const dir = tempDir('spamcase-ppm-');
  const file = toFile(pdf);
  execFileSync('pdftoppm', ['-gray', '-r', '24', file, path.join(dir, 'p')]);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pgm'))
    .sort();
  return files.map((f) => {
    const buf = fs.readFileSync(path.join(dir, f));
    // Binary PGM: "P5\n<w> <h>\n<max>\n" then w*h bytes.
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.toString('latin1', 0, 40));
    if (!header) throw new Error(`not a PGM: ${f}`);
    const w = Number(header[1]);
    const h = Number(header[2]);
    const data = buf.subarray(header[0].length);
    const scale = 24 / 72;
    const y0 = Math.floor(margins.top * scale);
    const y1 = Math.ceil(h - margins.bottom * scale);
    let dark = 0;
    for (let y = y0; y < y1; y++) for (let x = 0; x < w; x++) if (data[y * w + x]! < 160) dark++;
    return dark / (w * (y1 - y0));
  });
}

/**
 * Progress for long CLI work: one self-rewriting line on a TTY (messages/s, count, bytes), nothing
 * when piped, so scripts read clean output.
 */
import type { IngestProgress } from '../usecases/ingest.ts';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

const fmt = new Intl.NumberFormat('en-US');

export function progressLine(p: IngestProgress): string {
  const seconds = Math.max(p.elapsedMs / 1000, 0.001);
  return `${fmt.format(p.samples)} samples, ${formatBytes(p.bytes)}, ${fmt.format(Math.round(p.samples / seconds))} msg/s, ${fmt.format(p.rejected)} rejected`;
}

export function ttyProgress(stream: NodeJS.WriteStream): { update(p: IngestProgress): void; done(): void } | null {
  if (!stream.isTTY) return null;
  let shown = false;
  return {
    update(p) {
      stream.write(`\r\x1b[2K${progressLine(p)}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

/** One self-rewriting status line on a TTY for any long command; null when piped. */
export function ttyStatusLine(stream: NodeJS.WriteStream): { update(text: string): void; done(): void } | null {
  if (!stream.isTTY) return null;
  let shown = false;
  return {
    update(text) {
      stream.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

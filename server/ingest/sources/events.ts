/** What readSource emits. See README.md for the order of events and the locator scheme. */

export type WrapperKind = 'arf' | 'forward' | 'bounce';

export type SourceEvent =
  /** A physical file (depth 0) or archive member (depth > 0) was read completely; sha256 of its exact bytes. */
  | { type: 'file'; locator: string; depth: number; size: number; sha256: string }
  /** One message as harvested. `sha256` is set when the sample is a whole file already hashed for its `file` event. */
  | {
      type: 'sample';
      locator: string;
      bytes: Buffer;
      envelopeSender: string | null;
      wrapperLocator: string | null;
      sha256?: string;
    }
  /** A report / forward / bounce whose inner message(s) became samples; emitted before them. */
  | { type: 'wrapper'; locator: string; bytes: Buffer; kind: WrapperKind }
  /** Input that gave no sample, and why. size and sha256 are known when it was read completely. */
  | { type: 'rejected'; locator: string; reason: string; size: number | null; sha256: string | null };

export type FileEvent = Extract<SourceEvent, { type: 'file' }>;
export type RejectedEvent = Extract<SourceEvent, { type: 'rejected' }>;

export function rejected(
  locator: string,
  reason: string,
  size: number | null = null,
  sha256: string | null = null,
): RejectedEvent {
  return { type: 'rejected', locator, reason, size, sha256 };
}

export function fileRead(locator: string, depth: number, size: number, sha256: string): FileEvent {
  return { type: 'file', locator, depth, size, sha256 };
}

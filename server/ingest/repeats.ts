/**
 * Copies of one message (the same spam to many recipients, one sample each) share its campaign fingerprint, and
 * the writer stores the fingerprint of a message's first sample only. A reader thread remembers the messages it
 * has just seen (Message-ID and identity), so that a later copy is not normalized and hashed again: about a third
 * of a harvest's samples are such copies, and the fingerprint is the costliest part of a sample's analysis.
 *
 * Bounded and lossy by design: a direct-mapped table of hashes, so memory stays flat at any corpus size. A
 * copy it forgot is fingerprinted as before; a wrong "seen" (a hash collision, or a copy the writer keys as a
 * new message after all: a Message-ID reused with other content) only defers the work, since the writer
 * fingerprints any new message whose sample came without one (batch-writer.ts).
 */

/** Slots of the table (a power of two): 65,536 x 8 bytes. */
const SLOTS = 1 << 16;

/** 32-bit FNV-1a of a string's UTF-16 code units, from a seed. */
function fnv(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class RecentMessages {
  private readonly slot = new Uint32Array(SLOTS);
  private readonly check = new Uint32Array(SLOTS);

  /** Whether this Message-ID and identity were seen lately by this reader; remembers them either way. */
  seen(messageId: string, identity: string): boolean {
    const key = `${messageId}\u0000${identity}`;
    const a = fnv(key, 0x811c9dc5);
    const b = (fnv(key, 0x9e3779b9) | 1) >>> 0;
    const i = a & (SLOTS - 1);
    if (this.slot[i] === a && this.check[i] === b) return true;
    this.slot[i] = a;
    this.check[i] = b;
    return false;
  }
}

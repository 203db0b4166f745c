/**
 * Bot-account signals shown beside an account. Each is a hint for a person, never a decision:
 * real people have digits in their addresses too.
 */

/** Shape of a local part: letters => a, digits => 9, runs kept ("jsmith1977" => "aaaaaa9999"). */
export function localShape(local: string): string {
  return local.replace(/[a-z]/gi, 'a').replace(/[0-9]/g, '9');
}

const VOWELS = /[aeiouy]/g;

/** Local parts a person would hardly pick: few vowels, long consonant runs, letters and digits interleaved. */
export function looksRandom(local: string): boolean {
  const core = local.replace(/[._-]/g, '');
  if (core.length < 6) return false;
  const letters = core.replace(/[^a-z]/gi, '');
  const vowels = (letters.match(VOWELS) ?? []).length;
  let transitions = 0;
  for (let i = 1; i < core.length; i++) if (/[0-9]/.test(core[i]!) !== /[0-9]/.test(core[i - 1]!)) transitions++;
  return (
    (letters.length >= 5 && vowels / letters.length < 0.2) ||
    /[bcdfghjklmnpqrstvwxz]{5,}/i.test(letters) ||
    transitions >= 3
  );
}

export function hasDigitsSuffix(local: string): boolean {
  return /[a-z][0-9]{2,}$/i.test(local);
}

/** Accounts of one shape and domain first seen within this window of each other form a creation burst. */
export const BURST_WINDOW_MS = 24 * 3600 * 1000;
/** Accounts of one shape and domain needed within the window to call it a burst. */
export const BURST_MIN_ACCOUNTS = 5;

export interface SignalInput {
  address: string;
  messages: number;
  /**
   * How many accounts of this account's shape and domain were first seen within BURST_WINDOW_MS of it (itself
   * included).
   */
  burstPeers: number;
}

export function accountSignals(a: SignalInput): string[] {
  const at = a.address.lastIndexOf('@');
  const local = at < 0 ? a.address : a.address.slice(0, at);
  const out: string[] = [];
  if (looksRandom(local)) out.push('random-looking');
  if (hasDigitsSuffix(local)) out.push('digits-suffix');
  if (a.burstPeers >= BURST_MIN_ACCOUNTS) out.push(`creation-burst(${a.burstPeers})`);
  if (a.messages === 1) out.push('single-use');
  return out;
}

/**
 * Sign-in throttling, per account and per client IP (OWASP Authentication cheat sheet): after
 * MAX_FAILURES failed attempts within WINDOW_MS, further attempts for that key are refused until the
 * window has passed since the last failure. Kept in memory (one server process); a success clears
 * the account's counter. The table is bounded so a flood of random names cannot exhaust memory.
 */
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_IP = 20;
export const WINDOW_MS = 15 * 60 * 1000;
const MAX_KEYS = 100_000;

interface Entry {
  failures: number;
  last: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private get(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.last > WINDOW_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** True when this attempt must be refused without checking the password. */
  blocked(account: string, ip: string): boolean {
    return (
      (this.get(`a:${account}`)?.failures ?? 0) >= MAX_FAILURES_PER_ACCOUNT ||
      (this.get(`i:${ip}`)?.failures ?? 0) >= MAX_FAILURES_PER_IP
    );
  }

  failed(account: string, ip: string): void {
    for (const key of [`a:${account}`, `i:${ip}`]) {
      const e = this.get(key) ?? { failures: 0, last: 0 };
      e.failures += 1;
      e.last = this.now();
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    while (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value as string);
  }

  succeeded(account: string): void {
    this.entries.delete(`a:${account}`);
  }
}

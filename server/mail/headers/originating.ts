/**
 * X-Originating-IP and X-Originating-Email: what the sender's provider recorded about the
 * authenticated client. Values arrive as "[203.0.113.7]" or "203.0.113.7 (via proxy)".
 */
import { parseAddressList } from './address.ts';

/** "[203.0.113.7]" => "203.0.113.7"; otherwise the first word of the value; null when empty. */
export function parseOriginatingIp(value: string): string | null {
  const text = value.trim();
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const inner = (close < 0 ? text.slice(1) : text.slice(1, close)).trim();
    return inner === '' ? null : inner;
  }
  const word = text.split(/\s+/)[0] ?? '';
  return word === '' ? null : word;
}

/** "[x123@hotmail.com]" => "x123@hotmail.com"; null when no address is recoverable. */
export function parseOriginatingEmail(value: string): string | null {
  const text = value.trim().replace(/^\[(.*)\]$/s, '$1');
  for (const a of parseAddressList(text)) if (a.address !== '') return a.address;
  return null;
}

/**
 * The registrable domain of a host ("click.mail.example.co.uk" -> "example.co.uk"), so that links
 * rotating through subdomains and paths compare equal. A compact rule instead of the full Public
 * Suffix List: the last two labels, or three when the second-to-last is a common second-level
 * registry label (co, com, net, org, ac, gov, edu, ...) under a two-letter country code. IP
 * addresses are kept whole. Good enough for comparing spam, not for cookie security.
 */

const SECOND_LEVEL = new Set([
  'co',
  'com',
  'net',
  'org',
  'ac',
  'gov',
  'edu',
  'ne',
  'or',
  'go',
  'gob',
  'mil',
  'nom',
  'ltd',
  'plc',
  'sch',
  'me',
  'info',
  'biz',
]);

export function registrableDomain(host: string): string {
  let h = host.trim().toLowerCase().replace(/\.+$/, '');
  const at = h.lastIndexOf('@');
  if (at >= 0) h = h.slice(at + 1);
  h = h.replace(/:\d+$/, '');
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(h) || h.startsWith('[')) return h;
  const labels = h.split('.').filter((l) => l !== '');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1]!;
  const second = labels[labels.length - 2]!;
  const take = tld.length === 2 && SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** The host of a URL-ish string ("http://user@host:80/path", "www.host.com/x"), or null. */
export function urlHost(url: string): string | null {
  const m =
    /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/\s]*@)?([a-z0-9.-]+\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:[/?#]|$)/i.exec(
      url.trim(),
    );
  return m ? m[1]!.toLowerCase() : null;
}

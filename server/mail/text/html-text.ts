/**
 * HTML to the text a reader sees, for comparison only (never for display): comments, <script>,
 * <style> and <head> dropped, tags removed (block tags become line breaks), character references
 * decoded; declarations (<!DOCTYPE …>) dropped. Link targets (href, src) are returned separately: rotating links are a
 * campaign's
 * signature even when the visible text is an image. Linear in the input; never executes anything.
 */

export interface HtmlText {
  text: string;
  links: string[];
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  agrave: 'à',
  acirc: 'â',
  ccedil: 'ç',
  ocirc: 'ô',
  ucirc: 'û',
  uuml: 'ü',
  ouml: 'ö',
  auml: 'ä',
  iuml: 'ï',
  euml: 'ë',
  szlig: 'ß',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  middot: '·',
  bull: '•',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  deg: '°',
  times: '×',
};

/** Decode &name; &#123; &#x7B; (unknown names are kept as written). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : ' ';
    }
    const exact = NAMED[ref];
    if (exact !== undefined) return exact;
    // Names are case-sensitive: &Eacute; is the capital of &eacute;. Legacy all-capitals forms
    // (&AMP;, &LT;, &QUOT;) mean the same as the lower-case ones.
    const lower = ref.toLowerCase();
    const value = NAMED[lower];
    if (value === undefined) return whole;
    return ref.length > 1 && ref.slice(1) === lower.slice(1) ? value.toUpperCase() : value;
  });
}

/** Tags that end a line of text (names are ASCII letters and digits, compared lower-case). */
const BLOCK: ReadonlySet<string> = new Set([
  'p',
  'div',
  'br',
  'tr',
  'td',
  'th',
  'li',
  'ul',
  'ol',
  'table',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'center',
  'blockquote',
  'hr',
  'title',
  'body',
  'html',
  'form',
  'pre',
]);
const LINK_ATTRIBUTE = /\b(?:href|src|action)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

// Each pass runs only when its opening characters occur: most spam has no comment or declaration,
// and a tag without "=" has no link attribute (measured: the regular-expression passes and a new
// attribute expression per tag were most of a message's HTML-to-text time).
export function htmlToText(html: string): HtmlText {
  const links: string[] = [];
  let cleaned = html;
  if (cleaned.includes('<!--')) cleaned = cleaned.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ');
  if (cleaned.includes('<!')) cleaned = cleaned.replace(/<![^>]*>?/g, ' ');
  cleaned = cleaned.replace(/<(script|style|head)\b[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ');
  const text = cleaned.replace(/<\/?([a-z][a-z0-9]*)\b([^>]*)>?/gi, (_m, name: string, attrs: string) => {
    if (attrs.includes('=')) {
      for (const a of attrs.matchAll(LINK_ATTRIBUTE)) links.push(decodeEntities(a[1] ?? a[2] ?? a[3] ?? ''));
    }
    return BLOCK.has(name.toLowerCase()) ? '\n' : ' ';
  });
  return { text: decodeEntities(text), links };
}

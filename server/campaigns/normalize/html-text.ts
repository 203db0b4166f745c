/**
 * HTML to the text a reader sees, for comparison only (never for display): comments, <script>,
 * <style> and <head> dropped, tags removed (block tags become line breaks), character references
 * decoded; declarations (<!DOCTYPE …>) dropped. Link targets (href, src) are returned separately: rotating links are a campaign's
 * signature even when the visible text is an image. Linear in the input; never executes anything.
 */

export interface HtmlText {
  text: string;
  links: string[];
}

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  eacute: 'é', egrave: 'è', ecirc: 'ê', agrave: 'à', acirc: 'â', ccedil: 'ç', ocirc: 'ô', ucirc: 'û',
  uuml: 'ü', ouml: 'ö', auml: 'ä', iuml: 'ï', euml: 'ë', szlig: 'ß', euro: '€', pound: '£', yen: '¥',
  cent: '¢', middot: '·', bull: '•', hellip: '…', mdash: '—', ndash: '–', laquo: '«', raquo: '»',
  rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', deg: '°', times: '×',
};

/** Decode &name; &#123; &#x7B; (unknown names are kept as written). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : ' ';
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

const BLOCK = /^(?:p|div|br|tr|td|th|li|ul|ol|table|h[1-6]|center|blockquote|hr|title|body|html|form|pre)$/i;

export function htmlToText(html: string): HtmlText {
  const links: string[] = [];
  const cleaned = html
    .replace(/<!--[\s\S]*?(?:-->|$)/g, ' ')
    .replace(/<![^>]*>?/g, ' ')
    .replace(/<(script|style|head)\b[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ');
  const text = cleaned.replace(/<\/?([a-z][a-z0-9]*)\b([^>]*)>?/gi, (_m, name: string, attrs: string) => {
    for (const a of attrs.matchAll(/\b(?:href|src|action)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      links.push(decodeEntities(a[1] ?? a[2] ?? a[3] ?? ''));
    }
    return BLOCK.test(name) ? '\n' : ' ';
  });
  return { text: decodeEntities(text), links };
}

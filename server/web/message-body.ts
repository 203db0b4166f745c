/**
 * A stored message made fit to show: headers, text body, HTML body sanitized, attachments.
 * Parsing (postal-mime) is bounded by named limits; the HTML is sanitized (sanitize-html, an
 * allow-list: no script, no form, no meta, no event handler, no link target) and then served only
 * inside a sandboxed iframe under its own CSP (see app.ts): two independent layers.
 */
import crypto from 'node:crypto';
import PostalMime from 'postal-mime';
import sanitizeHtml from 'sanitize-html';
import { decodeEncodedWords } from '../mail/headers/encoded-words.ts';
import { neutralize } from '../hidden-text.ts';

/** Messages above this size are shown with headers only (the raw .eml can still be downloaded). */
export const MAX_DISPLAY_PARSE_BYTES = 25 * 1024 * 1024;
/** MIME nesting deeper than this is not walked (hostile messages nest thousands deep). */
export const MAX_MIME_NESTING = 50;
/** Header section size postal-mime reads per part. */
export const MAX_PART_HEADER_BYTES = 1024 * 1024;
/** Text shown on the page; longer bodies are cut with a note (the raw .eml has everything). */
export const MAX_TEXT_CHARS = 500_000;

export interface DisplayAttachment {
  index: number;
  filename: string | null;
  mimeType: string;
  size: number;
  sha256: string;
  content: Uint8Array;
}

export interface DisplayMessage {
  parsed: boolean;
  problem: string | null;
  /** Each field as written (`value`) and with its RFC 2047 encoded words decoded (`decoded`). */
  headers: Array<{ name: string; value: string; decoded: string }>;
  text: string | null;
  textTruncated: boolean;
  html: string | null;
  attachments: DisplayAttachment[];
}

function headersOnly(raw: Buffer): Array<{ name: string; value: string }> {
  const end = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const head = raw
    .subarray(0, end < 0 ? Math.min(raw.length, MAX_PART_HEADER_BYTES) : Math.min(end, MAX_PART_HEADER_BYTES))
    .toString('latin1');
  const out: Array<{ name: string; value: string }> = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length > 0) out[out.length - 1]!.value += ` ${line.trim()}`;
    else {
      const i = line.indexOf(':');
      if (i > 0) out.push({ name: line.slice(0, i), value: line.slice(i + 1).trim() });
    }
  }
  return out;
}

function withDecoded(headers: Array<{ name: string; value: string }>): DisplayMessage['headers'] {
  return headers.map((h) => ({ ...h, decoded: decodeEncodedWords(h.value) }));
}

export async function parseForDisplay(raw: Buffer): Promise<DisplayMessage> {
  if (raw.length > MAX_DISPLAY_PARSE_BYTES) {
    return {
      parsed: false,
      problem: `message over ${MAX_DISPLAY_PARSE_BYTES} bytes: headers only`,
      headers: withDecoded(headersOnly(raw)),
      text: null,
      textTruncated: false,
      html: null,
      attachments: [],
    };
  }
  try {
    const email = await PostalMime.parse(raw, {
      attachmentEncoding: 'arraybuffer',
      maxNestingDepth: MAX_MIME_NESTING,
      maxHeadersSize: MAX_PART_HEADER_BYTES,
    });
    const text = email.text ?? null;
    return {
      parsed: true,
      problem: null,
      headers: withDecoded(email.headers.map((h) => ({ name: h.originalKey ?? h.key, value: h.value }))),
      text: text === null ? null : text.slice(0, MAX_TEXT_CHARS),
      textTruncated: text !== null && text.length > MAX_TEXT_CHARS,
      html: email.html ?? null,
      attachments: email.attachments.map((a, index) => {
        const content =
          a.content instanceof ArrayBuffer
            ? new Uint8Array(a.content)
            : typeof a.content === 'string'
              ? Buffer.from(a.content)
              : new Uint8Array(a.content);
        return {
          index,
          filename: a.filename ?? null,
          mimeType: a.mimeType || 'application/octet-stream',
          size: content.byteLength,
          sha256: crypto.createHash('sha256').update(content).digest('hex'),
          content,
        };
      }),
    };
  } catch (err) {
    return {
      parsed: false,
      problem: `MIME could not be read: ${err instanceof Error ? err.message : String(err)}`,
      headers: withDecoded(headersOnly(raw)),
      text: null,
      textTruncated: false,
      html: null,
      attachments: [],
    };
  }
}

const BASE_TAGS = [
  'a',
  'abbr',
  'b',
  'blockquote',
  'br',
  'caption',
  'center',
  'code',
  'col',
  'colgroup',
  'dd',
  'div',
  'dl',
  'dt',
  'em',
  'font',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'u',
  'ul',
];
const PRESENTATION = [
  'style',
  'align',
  'valign',
  'width',
  'height',
  'bgcolor',
  'color',
  'border',
  'cellpadding',
  'cellspacing',
  'colspan',
  'rowspan',
  'face',
  'size',
  'dir',
  'title',
  'alt',
];

/**
 * Sanitized HTML for display. Links lose their href (the target is kept as a tooltip), so a click
 * cannot navigate the frame to the spammer's site. Images keep an http(s) src only when the user
 * asked for remote images; otherwise only data: images remain. Control, direction and invisible
 * characters in the text show as markers ⟦U+202E⟧, as on the item page (server/hidden-text.ts).
 */
export function sanitizeForDisplay(html: string, options: { remoteImages: boolean }): string {
  return sanitizeHtml(html, {
    allowedTags: [...BASE_TAGS, 'img'],
    allowedAttributes: { '*': PRESENTATION, img: [...PRESENTATION, 'src'] },
    allowedSchemes: options.remoteImages ? ['http', 'https', 'data'] : ['data'],
    allowedSchemesByTag: { img: options.remoteImages ? ['http', 'https', 'data'] : ['data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    // The text arrives HTML-escaped; the markers hold no markup character.
    textFilter: (text) => neutralize(text),
    nonTextTags: [
      'script',
      'style',
      'textarea',
      'option',
      'noscript',
      'title',
      'head',
      'template',
      'iframe',
      'object',
      'embed',
      'svg',
      'math',
    ],
    transformTags: {
      a: (_tag, attribs) => {
        const href = attribs.href ?? '';
        const attrs: Record<string, string> = /^(https?|mailto):/i.test(href) ? { title: href.slice(0, 2000) } : {};
        return { tagName: 'span', attribs: attrs };
      },
    },
  });
}

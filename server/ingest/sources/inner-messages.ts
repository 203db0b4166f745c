/**
 * Finds the messages carried inside a message: the reported message of an ARF report (RFC 5965),
 * the returned message of a DSN (RFC 3464), the attached messages of a forward. A cheap
 * prefilter keeps ordinary spam from paying for the MIME walk.
 */
import type { SourceLimits } from './limits.ts';
import { locateEntity, parseContentType, readHeaderFields, splitMultipart } from '../../mail/mime/mime-entity.ts';
import type { Entity } from '../../mail/mime/mime-entity.ts';
import { decodeTransferEncoding } from '../../mail/mime/transfer-decoding.ts';

import type { WrapperKind } from './events.ts';

export interface Unwrapped {
  kind: WrapperKind;
  /** The inner messages, transfer-decoded, in document order; never empty. */
  messages: Buffer[];
  /** ARF `Original-Mail-From`: the reported message's envelope sender. */
  envelopeSender: string | null;
}

type MimeLimits = Pick<SourceLimits, 'maxMimeDepth' | 'maxMimeParts' | 'maxHeaderBytes'>;

/** Whole messages (RFC 5322 / RFC 6532). */
const MESSAGE_TYPES = new Set(['message/rfc822', 'message/global']);
/** A message's header section only, as reports may carry (RFC 5965 section 2, RFC 3462). */
const HEADER_TYPES = new Set(['text/rfc822-headers', 'text/global-headers']);
const ENTITY_FIELDS = new Set(['content-type', 'content-transfer-encoding']);
const FEEDBACK_FIELDS = new Set(['original-mail-from']);

interface Part {
  entity: Entity;
  mimeType: string;
  params: Map<string, string>;
  encoding: string;
}

/** What an acquisition unwraps besides ARF reports (always). */
export interface UnwrapOptions {
  /** Messages attached as message/rfc822 (acquisitions by user report). */
  forwards: boolean;
  /** Delivery status notifications (acquisitions by user report or bounce). */
  bounces: boolean;
}

/**
 * The inner messages of `message`, or null when it carries none (it is then a sample as is).
 * Reports are unwrapped only when they are structurally reports: a top-level multipart/report whose
 * direct parts hold the machine-readable report (message/feedback-report for ARF,
 * message/delivery-status for a DSN) and the message; a subject such as "Undeliverable:" or an
 * attached message alone makes no bounce. ARF reports are always unwrapped; DSNs when
 * `options.bounces`, forwards when `options.forwards`.
 */
export function unwrapMessage(message: Buffer, options: UnwrapOptions, limits: MimeLimits): Unwrapped | null {
  const unwrapForwards = options.forwards;
  const top = locateEntity(message, 0, message.length, limits.maxHeaderBytes);
  const isReport = mentionsReport(message, top);
  if (!isReport && !(unwrapForwards && mentionsMessagePart(message))) return null;
  const root = readPart(message, top, '');
  const budget = { parts: limits.maxMimeParts };

  if (root.mimeType === 'multipart/report') {
    const reportType = (root.params.get('report-type') ?? '').toLowerCase();
    if (reportType === 'feedback-report') return unwrapReport(message, root, 'arf', limits, budget);
    if (reportType === 'delivery-status' || reportType === 'global-delivery-status') {
      // A report that is not structurally one stays a sample, whatever the acquisition unwraps.
      return options.bounces ? unwrapReport(message, root, 'bounce', limits, budget) : null;
    }
  }
  if (!unwrapForwards) return null;
  const found: Part[] = [];
  collectMessageParts(message, root, 0, limits, budget, found);
  if (found.length === 0) return null;
  const messages = found.map((part) => bodyOf(message, part)).filter((bytes) => bytes.length > 0);
  return messages.length === 0 ? null : { kind: 'forward', messages, envelopeSender: null };
}

/** The machine-readable part that makes a multipart/report a report of its kind (RFC 5965, RFC 3464, RFC 6533). */
const REPORT_PARTS: Record<'arf' | 'bounce', ReadonlySet<string>> = {
  arf: new Set(['message/feedback-report']),
  bounce: new Set(['message/delivery-status', 'message/global-delivery-status']),
};

/**
 * ARF and DSN: the first message (or header) part among the report's direct parts, when a direct
 * part is the report of that kind; null otherwise (the outer message then stays a sample).
 */
function unwrapReport(
  message: Buffer,
  root: Part,
  kind: 'arf' | 'bounce',
  limits: MimeLimits,
  budget: { parts: number },
): Unwrapped | null {
  let inner: Buffer | null = null;
  let envelopeSender: string | null = null;
  let structural = false;
  for (const part of childParts(message, root, limits, budget)) {
    if (REPORT_PARTS[kind].has(part.mimeType)) structural = true;
    if (inner === null && (MESSAGE_TYPES.has(part.mimeType) || HEADER_TYPES.has(part.mimeType))) {
      const bytes = bodyOf(message, part);
      if (bytes.length > 0) inner = bytes;
    } else if (kind === 'arf' && part.mimeType === 'message/feedback-report') {
      envelopeSender = originalMailFrom(bodyOf(message, part));
    }
  }
  return inner === null || !structural ? null : { kind, messages: [inner], envelopeSender };
}

/** message/rfc822 parts anywhere in the tree (not inside each other), depth-first. */
function collectMessageParts(
  message: Buffer,
  part: Part,
  depth: number,
  limits: MimeLimits,
  budget: { parts: number },
  found: Part[],
): void {
  if (MESSAGE_TYPES.has(part.mimeType)) {
    found.push(part);
    return;
  }
  if (!part.mimeType.startsWith('multipart/') || depth >= limits.maxMimeDepth) return;
  for (const child of childParts(message, part, limits, budget)) {
    collectMessageParts(message, child, depth + 1, limits, budget, found);
  }
}

function childParts(message: Buffer, parent: Part, limits: MimeLimits, budget: { parts: number }): Part[] {
  if (!parent.mimeType.startsWith('multipart/') || budget.parts <= 0) return [];
  const boundary = parent.params.get('boundary') ?? '';
  const ranges = splitMultipart(message, parent.entity.bodyStart, parent.entity.end, boundary, budget.parts);
  budget.parts -= ranges.length;
  // In a multipart/digest a part without Content-Type is a message (RFC 2046 section 5.1.5).
  const defaultType = parent.mimeType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
  return ranges.map(([start, end]) =>
    readPart(message, locateEntity(message, start, end, limits.maxHeaderBytes), defaultType),
  );
}

function readPart(message: Buffer, entity: Entity, defaultType: string): Part {
  const fields = readHeaderFields(message, entity.start, entity.headerEnd, ENTITY_FIELDS);
  const contentType = parseContentType(fields.get('content-type'));
  return {
    entity,
    mimeType: contentType.mimeType === '' ? defaultType : contentType.mimeType,
    params: contentType.params,
    encoding: fields.get('content-transfer-encoding') ?? '',
  };
}

function bodyOf(message: Buffer, part: Part): Buffer {
  return decodeTransferEncoding(message.subarray(part.entity.bodyStart, part.entity.end), part.encoding);
}

function originalMailFrom(report: Buffer): string | null {
  const fields = readHeaderFields(report, 0, report.length, FEEDBACK_FIELDS);
  const value = fields.get('original-mail-from');
  if (value === undefined) return null;
  const address = value.replace(/^<(.*)>$/, '$1').trim();
  return address === '' ? null : address;
}

/** Prefilter: the top header section mentions multipart/report (any case). */
function mentionsReport(message: Buffer, top: Entity): boolean {
  const header = message.toString('latin1', top.start, top.headerEnd);
  return header.toLowerCase().includes('multipart/report');
}

const RFC822_ANCHOR = Buffer.from('822', 'latin1');
const GLOBAL_VARIANTS = ['message/global', 'Message/Global', 'MESSAGE/GLOBAL'].map((s) => Buffer.from(s, 'latin1'));

/** Prefilter: the message mentions message/rfc822 (any case) or message/global anywhere. */
function mentionsMessagePart(message: Buffer): boolean {
  let pos = message.indexOf(RFC822_ANCHOR);
  while (pos !== -1) {
    if (pos >= 11 && message.toString('latin1', pos - 11, pos).toLowerCase() === 'message/rfc') return true;
    pos = message.indexOf(RFC822_ANCHOR, pos + 3);
  }
  return GLOBAL_VARIANTS.some((variant) => message.includes(variant));
}

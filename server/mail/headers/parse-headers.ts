/**
 * parseHeaders: the header facts ingest needs from one raw message, in one pass over its fields.
 * Pure; never throws on hostile input: what is wrong is listed in `problems`.
 */
import { parseAddresses, parseReturnPath } from './address.ts';
import { parseMailDate } from './date.ts';
import { parseDkimSignature } from './dkim.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { splitHeaderSection } from './header-section.ts';
import { normalizeMessageId } from './message-id.ts';
import { parseOriginatingEmail, parseOriginatingIp } from './originating.ts';
import { PROBLEM, addProblem, repeatedProblem } from './problems.ts';
import type { ParsedHeaders } from './types.ts';

/** Single-valued fields: the first occurrence counts, a repeat is a problem. Key => name used in the problem. */
const SINGLE: Record<string, string> = {
  from: 'From',
  sender: 'Sender',
  'reply-to': 'Reply-To',
  subject: 'Subject',
  date: 'Date',
  'message-id': 'Message-ID',
  'return-path': 'Return-Path',
};

export function parseHeaders(raw: Buffer): ParsedHeaders {
  const section = splitHeaderSection(raw);
  const problems = section.problems;
  const result: ParsedHeaders = {
    fields: section.fields,
    bodyOffset: section.bodyOffset,
    messageId: null,
    date: null,
    dateRaw: null,
    from: [],
    sender: [],
    replyTo: [],
    to: [],
    cc: [],
    returnPath: null,
    deliveredTo: [],
    xOriginalTo: [],
    subject: null,
    received: [],
    xOriginatingIp: [],
    xOriginatingEmail: [],
    dkimSignatures: [],
    authenticationResults: [],
    problems,
  };
  const seen = new Set<string>();
  let messageIdValue: string | null = null;

  for (const field of section.fields) {
    const { key, value } = field;
    const single = SINGLE[key];
    if (single !== undefined) {
      if (seen.has(key)) {
        addProblem(problems, repeatedProblem(single));
        continue;
      }
      seen.add(key);
    }
    switch (key) {
      case 'from':
        result.from = parseAddresses(value, problems);
        break;
      case 'sender':
        result.sender = parseAddresses(value, problems);
        break;
      case 'reply-to':
        result.replyTo = parseAddresses(value, problems);
        break;
      case 'to':
        for (const a of parseAddresses(value, problems)) result.to.push(a);
        break;
      case 'cc':
        for (const a of parseAddresses(value, problems)) result.cc.push(a);
        break;
      case 'subject':
        result.subject = decodeEncodedWords(value, problems);
        break;
      case 'date':
        result.dateRaw = value;
        result.date = parseMailDate(value);
        break;
      case 'message-id':
        messageIdValue = value;
        result.messageId = normalizeMessageId(value);
        break;
      case 'return-path':
        result.returnPath = parseReturnPath(value);
        break;
      case 'delivered-to':
        for (const a of parseAddresses(value)) if (a.address !== '') result.deliveredTo.push(a.address);
        break;
      case 'x-original-to':
        for (const a of parseAddresses(value)) if (a.address !== '') result.xOriginalTo.push(a.address);
        break;
      case 'received':
        result.received.push(value);
        break;
      case 'x-originating-ip': {
        const ip = parseOriginatingIp(value);
        if (ip !== null) result.xOriginatingIp.push(ip);
        break;
      }
      case 'x-originating-email': {
        const email = parseOriginatingEmail(value);
        if (email !== null) result.xOriginatingEmail.push(email);
        break;
      }
      case 'dkim-signature':
        result.dkimSignatures.push(parseDkimSignature(value));
        break;
      case 'authentication-results':
        result.authenticationResults.push(value);
        break;
      default:
        break;
    }
  }

  // Facts about a message that has a header at all; a headerless input already says so.
  if (section.fields.length > 0) {
    if (!seen.has('from')) addProblem(problems, PROBLEM.noFrom);
    else if (!result.from.some((a) => a.address !== '')) addProblem(problems, PROBLEM.noFromAddress);
    if (messageIdValue === null) addProblem(problems, PROBLEM.noMessageId);
    else if (result.messageId === null) addProblem(problems, PROBLEM.emptyMessageId);
    if (result.dateRaw === null) addProblem(problems, PROBLEM.noDate);
    else if (result.date === null) addProblem(problems, PROBLEM.unparseableDate);
  }
  return result;
}

/**
 * RFC 3161 timestamps: ask a timestamp authority (TSA) to sign the SHA-256 of the bundle signature,
 * keep its whole reply (TimeStampResp, what `openssl ts -reply` writes and `openssl ts -verify -in`
 * reads), and check a reply: granted status, the imprint matches the data, the token's CMS
 * signature verifies, the TSA certificate is for time stamping.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import { SpamcaseError } from '../errors.ts';
import { checkSignedData, issuedByOrSame } from './cms.ts';

const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
/** A TSA that does not answer within this time fails the export (nothing half-signed is kept). */
export const TSA_TIMEOUT_MS = 30_000;
/** Largest TSA reply accepted (a token with a certificate chain is a few KB). */
const MAX_REPLY_BYTES = 1024 * 1024;

const { asn1 } = forge;

function integerBytes(buf: Buffer): string {
  const b = buf[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), buf]) : buf;
  return b.toString('binary');
}

/** DER TimeStampReq for SHA-256(data), certReq true, with a random nonce. */
export function timestampRequest(data: Buffer): Buffer {
  const digest = crypto.createHash('sha256').update(data).digest();
  const req = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(1)),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_SHA256).getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
      ]),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, digest.toString('binary')),
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, integerBytes(crypto.randomBytes(8))),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, String.fromCharCode(0xff)),
  ]);
  return Buffer.from(asn1.toDer(req).getBytes(), 'binary');
}

/** POST the request to the TSA; returns its reply after checking it grants a token for `data`. */
export async function fetchTimestamp(url: string, data: Buffer): Promise<Buffer> {
  const body = timestampRequest(data);
  let reply: Buffer;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body,
      signal: AbortSignal.timeout(TSA_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const ab = await res.arrayBuffer();
    if (ab.byteLength > MAX_REPLY_BYTES) throw new Error('reply too large');
    reply = Buffer.from(ab);
  } catch (err) {
    throw new SpamcaseError(
      'INPUT_UNREADABLE',
      `timestamp authority ${url} did not give a timestamp: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const check = checkTimestampReply(reply, data);
  if (check.problems.length > 0)
    throw new SpamcaseError(
      'INPUT_UNREADABLE',
      `timestamp authority ${url} replied with an unusable token: ${check.problems.join('; ')}`,
    );
  return reply;
}

export interface TimestampCheck {
  problems: string[];
  genTime: string | null;
  tsa: crypto.X509Certificate | null;
}

type Node = forge.asn1.Asn1;
const kids = (n: Node | undefined): Node[] => (n && Array.isArray(n.value) ? (n.value as Node[]) : []);

/** Check a TimeStampResp against the data it should time (and, when given, a trusted TSA certificate). */
export function checkTimestampReply(reply: Buffer, data: Buffer, trustedTsa?: crypto.X509Certificate): TimestampCheck {
  const result: TimestampCheck = { problems: [], genTime: null, tsa: null };
  let root: Node;
  try {
    root = asn1.fromDer(forge.util.createBuffer(reply.toString('binary')), false);
  } catch (err) {
    result.problems.push(`timestamp reply is not DER: ${(err as Error).message}`);
    return result;
  }
  const [status, token] = kids(root);
  const statusValue = kids(status)[0];
  const granted = typeof statusValue?.value === 'string' ? statusValue.value.charCodeAt(0) : -1;
  if (granted !== 0 && granted !== 1) {
    result.problems.push(`timestamp was not granted (status ${granted})`);
    return result;
  }
  if (!token) {
    result.problems.push('timestamp reply holds no token');
    return result;
  }
  const tokenDer = Buffer.from(asn1.toDer(token).getBytes(), 'binary');
  const cms = checkSignedData(tokenDer, null);
  result.problems.push(...cms.problems.map((p) => `timestamp token: ${p}`));
  result.tsa = cms.signer;
  if (cms.eContentType !== OID_TST_INFO || !cms.eContent) {
    result.problems.push('timestamp token does not hold TSTInfo');
    return result;
  }
  const tst = kids(asn1.fromDer(forge.util.createBuffer(cms.eContent.toString('binary')), false));
  const imprint = kids(tst[2]);
  const algOid = kids(imprint[0])[0];
  const algo = algOid && typeof algOid.value === 'string' ? asn1.derToOid(algOid.value) : '';
  const hashed = typeof imprint[1]?.value === 'string' ? Buffer.from(imprint[1].value, 'binary') : Buffer.alloc(0);
  if (algo !== OID_SHA256) result.problems.push(`timestamp imprint uses ${algo}, not SHA-256`);
  else if (!hashed.equals(crypto.createHash('sha256').update(data).digest()))
    result.problems.push('timestamp imprint does not match the signature it should time (signature altered)');
  const gen = tst[4];
  if (gen && typeof gen.value === 'string') {
    const v = gen.value; // YYYYMMDDhhmmss[.fff]Z
    result.genTime = `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}T${v.slice(8, 10)}:${v.slice(10, 12)}:${v.slice(12, 14)}Z`;
  }
  if (cms.signer) {
    const eku = cms.signer.keyUsage ?? [];
    if (!eku.includes(OID_TIME_STAMPING))
      result.problems.push('timestamp signer certificate is not for time stamping (extendedKeyUsage)');
    if (trustedTsa && !issuedByOrSame(cms.signer, trustedTsa, cms.certificates))
      result.problems.push(
        `timestamp signed by "${cms.signer.subject.replace(/\n/g, ', ')}", not by the trusted TSA certificate`,
      );
  }
  return result;
}

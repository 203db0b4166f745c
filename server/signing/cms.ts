/**
 * Detached CMS (PKCS#7) signatures, made in-process with node-forge and checked in-process with
 * node:crypto over a small ASN.1 walk (forge parses, node verifies). The same check serves the
 * bundle signature and RFC 3161 timestamp tokens (a token is CMS SignedData too).
 *
 * What is signed: SignedData, SHA-256, RSA PKCS#1 v1.5, with the signer's certificate (and chain)
 * included and the signed attributes content-type (id-data), message-digest and, when given,
 * signing-time. RSA PKCS#1 v1.5 is deterministic, so the same tag manifest signed with the same key
 * and time gives the same bytes (bundles are reproducible); the bundle's signing time is its as-of
 * event's time, a time the signer states; trusted time comes from the RFC 3161 token.
 * `openssl cms -verify -binary -inform DER -content <file>` accepts these signatures.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import { SpamcaseError } from '../errors.ts';
import type { Signer } from './keys.ts';

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.3.14.3.2.26': 'sha1',
};

/**
 * `signingTime` (RFC 5652 section 11.3) is given by the caller: the bundle passes its as-of event's
 * time, which keeps the same export byte-identical.
 */
export function signDetached(content: Buffer, signer: Signer, signingTime?: Date): Buffer {
  if (signer.key.asymmetricKeyType !== 'rsa') {
    throw new SpamcaseError(
      'CONFIG_INVALID',
      `the signing key is ${signer.key.asymmetricKeyType}: bundles are signed with RSA keys`,
    );
  }
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(content.toString('binary'));
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(signer.certDer.toString('binary')));
  p7.addCertificate(cert);
  for (const der of signer.chainDer)
    p7.addCertificate(forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary'))));
  const keyPem = signer.key.export({ type: 'pkcs8', format: 'pem' }).toString();
  p7.addSigner({
    key: forge.pki.privateKeyFromPem(keyPem),
    certificate: cert,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
      { type: forge.pki.oids.messageDigest! },
      ...(signingTime ? [{ type: forge.pki.oids.signingTime!, value: signingTime as unknown as string }] : []),
    ],
  });
  p7.sign({ detached: true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

export interface SignedDataCheck {
  /** Problems found; empty when the signature is valid for the content. */
  problems: string[];
  /** The signer's certificate, when found. */
  signer: crypto.X509Certificate | null;
  /** Every certificate carried in the SignedData. */
  certificates: crypto.X509Certificate[];
  /** The encapsulated content (timestamp tokens), or null when detached. */
  eContent: Buffer | null;
  eContentType: string | null;
}

type Node = forge.asn1.Asn1;

function children(n: Node | undefined): Node[] {
  return n && Array.isArray(n.value) ? (n.value as Node[]) : [];
}

function oidOf(n: Node | undefined): string | null {
  return n && n.type === forge.asn1.Type.OID && typeof n.value === 'string' ? forge.asn1.derToOid(n.value) : null;
}

function bytesOf(n: Node | undefined): Buffer {
  if (!n) return Buffer.alloc(0);
  if (typeof n.value === 'string') return Buffer.from(n.value, 'binary');
  // constructed OCTET STRING (BER): concatenate its pieces
  return Buffer.concat(children(n).map(bytesOf));
}

function der(n: Node): Buffer {
  return Buffer.from(forge.asn1.toDer(n).getBytes(), 'binary');
}

/**
 * Check a CMS SignedData: the message-digest attribute matches the content (detached `content`,
 * or the encapsulated content), the content-type attribute matches, and the signature over the
 * signed attributes verifies with the signer's certificate public key. Does not judge trust: the
 * caller compares the signer certificate with the one it trusts.
 */
export function checkSignedData(cmsDer: Buffer, content: Buffer | null): SignedDataCheck {
  const result: SignedDataCheck = { problems: [], signer: null, certificates: [], eContent: null, eContentType: null };
  let root: Node;
  try {
    root = forge.asn1.fromDer(forge.util.createBuffer(cmsDer.toString('binary')), false);
  } catch (err) {
    result.problems.push(`not a DER CMS structure: ${(err as Error).message}`);
    return result;
  }
  const [typeNode, wrapped] = children(root);
  if (oidOf(typeNode) !== OID_SIGNED_DATA) {
    result.problems.push('not CMS SignedData');
    return result;
  }
  const sd = children(children(wrapped)[0]);
  const encap = sd[2];
  const [eTypeNode, eWrapped] = children(encap);
  result.eContentType = oidOf(eTypeNode);
  if (eWrapped) result.eContent = bytesOf(children(eWrapped)[0]);
  let signerInfos: Node | undefined;
  for (const n of sd.slice(3)) {
    if (n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 0) {
      for (const c of children(n)) {
        try {
          result.certificates.push(new crypto.X509Certificate(der(c)));
        } catch {
          result.problems.push('a certificate in the signature cannot be read');
        }
      }
    } else if (n.tagClass === forge.asn1.Class.UNIVERSAL && n.type === forge.asn1.Type.SET) {
      signerInfos = n;
    }
  }
  const infos = children(signerInfos);
  if (infos.length !== 1) {
    result.problems.push(`expected one signer, found ${infos.length}`);
    return result;
  }
  const si = children(infos[0]);
  const sid = si[1];
  const digestOid = oidOf(children(si[2])[0]);
  const hash = digestOid ? DIGESTS[digestOid] : undefined;
  if (!hash) {
    result.problems.push(`unsupported digest algorithm ${digestOid ?? '(none)'}`);
    return result;
  }
  const attrsNode = si[3];
  if (!attrsNode || attrsNode.tagClass !== forge.asn1.Class.CONTEXT_SPECIFIC || attrsNode.type !== 0) {
    result.problems.push('the signature has no signed attributes');
    return result;
  }
  const signature = bytesOf(si[5]);
  // Find the signer certificate: issuer and serial number of the SignerIdentifier.
  const sidParts = children(sid);
  const serialHex = sidParts[1] ? bytesOf(sidParts[1]).toString('hex').replace(/^0+/, '').toUpperCase() : '';
  result.signer =
    result.certificates.find((c) => c.serialNumber.replace(/^0+/, '').toUpperCase() === serialHex) ?? null;
  if (!result.signer) {
    result.problems.push('the signer certificate is not in the signature');
    return result;
  }
  const signed = content ?? result.eContent;
  if (!signed) {
    result.problems.push('no content to check the signature against');
    return result;
  }
  let messageDigest: Buffer | null = null;
  let contentType: string | null = null;
  for (const attr of children(attrsNode)) {
    const [t, values] = children(attr);
    const oid = oidOf(t);
    if (oid === OID_MESSAGE_DIGEST) messageDigest = bytesOf(children(values)[0]);
    if (oid === OID_CONTENT_TYPE) contentType = oidOf(children(values)[0]);
  }
  const expectedType = result.eContentType ?? OID_DATA;
  if (contentType !== expectedType) result.problems.push('the content-type attribute does not match the content');
  const actual = crypto.createHash(hash).update(signed).digest();
  if (!messageDigest || !messageDigest.equals(actual))
    result.problems.push('the signed message digest does not match the content (content altered)');
  // The signature covers the DER of the attributes as a SET (tag 0x31), not the [0] IMPLICIT tag.
  const attrsDer = der(attrsNode);
  attrsDer[0] = 0x31;
  let valid = false;
  try {
    valid = crypto.verify(hash, attrsDer, result.signer.publicKey, signature);
  } catch {
    valid = false;
  }
  if (!valid) result.problems.push('the signature value does not verify with the signer certificate');
  return result;
}

/** Does `trusted` vouch for `cert`: the same certificate, or its issuer (signature checked)? */
export function issuedByOrSame(
  cert: crypto.X509Certificate,
  trusted: crypto.X509Certificate,
  chain: crypto.X509Certificate[] = [],
): boolean {
  if (cert.raw.equals(trusted.raw)) return true;
  let current = cert;
  for (let depth = 0; depth < 8; depth++) {
    if (current.checkIssued(trusted) && current.verify(trusted.publicKey)) return true;
    const next = chain.find((c) => !c.raw.equals(current.raw) && current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) return false;
    current = next;
  }
  return false;
}

export { OID_DATA };

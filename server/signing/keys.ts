/**
 * The organization's signing certificate and key: loaded from PEM files or a PKCS#12 file
 * (server/config.ts says where), refused when the key file is readable by everyone or writable by its group; and
 * `spamcase keys init`, which makes a self-signed certificate labelled as for trying the product.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import type { Config } from '../config.ts';
import { SpamcaseError } from '../errors.ts';

export interface Signer {
  /** The signer's certificate, DER. */
  certDer: Buffer;
  certPem: string;
  key: crypto.KeyObject;
  /** Extra certificates (chain) carried in the signature, DER. */
  chainDer: Buffer[];
}

/** Words every trial certificate carries in its subject, so no one mistakes it for a real one. */
export const TRIAL_LABEL = 'SELF-SIGNED, FOR TRYING SPAMCASE ONLY';

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** A key (PEM or PKCS#12) others may read (o+r, o+w) or its group replace (g+w) is refused, naming the fix. */
function refuseWorldReadable(file: string): void {
  let mode: number;
  try {
    mode = fs.statSync(file).mode;
  } catch (err) {
    throw new SpamcaseError(
      'CONFIG_INVALID',
      `cannot read signing key ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (spamcase keys init makes a trial key)`,
      { cause: err },
    );
  }
  if (mode & 0o006) {
    throw new SpamcaseError(
      'CONFIG_INVALID',
      `signing key ${file} is readable by every user on this machine (mode ${octal(mode)}): chmod 600 ${file}`,
    );
  }
  if (mode & 0o020) {
    throw new SpamcaseError(
      'CONFIG_INVALID',
      `signing key ${file} can be replaced by its group (mode ${octal(mode)}): chmod 600 ${file}`,
    );
  }
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new SpamcaseError(
      'CONFIG_INVALID',
      `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (spamcase keys init makes a trial certificate)`,
      { cause: err },
    );
  }
}

export function pemToDer(pem: string): Buffer {
  return new crypto.X509Certificate(pem).raw;
}

export function derToPem(der: Buffer): string {
  return new crypto.X509Certificate(der).toString();
}

export function loadSigner(source: Config['signing']): Signer {
  if ('p12' in source) {
    refuseWorldReadable(source.p12);
    const p12Der = readFile(source.p12, 'PKCS#12 file');
    let p12: forge.pkcs12.Pkcs12Pfx;
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12Der.toString('binary')), source.password);
    } catch (err) {
      throw new SpamcaseError('CONFIG_INVALID', `cannot open PKCS#12 file ${source.p12}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
    const KEY_BAG = '1.2.840.113549.1.12.10.1.1';
    const CERT_BAG = '1.2.840.113549.1.12.10.1.3';
    const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
    const keyBag = [...bags(SHROUDED_KEY_BAG), ...bags(KEY_BAG)][0];
    const certs = bags(CERT_BAG)
      .map((b) => b.cert)
      .filter((c): c is forge.pki.Certificate => !!c);
    if (!keyBag?.key || certs.length === 0)
      throw new SpamcaseError('CONFIG_INVALID', `PKCS#12 file ${source.p12} holds no key or no certificate`);
    const key = crypto.createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
    const ders: Buffer[] = certs.map((c) =>
      Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes(), 'binary'),
    );
    const pub = crypto.createPublicKey(key);
    const signerIndex = ders.findIndex((d) => new crypto.X509Certificate(d).publicKey.equals(pub));
    if (signerIndex < 0)
      throw new SpamcaseError('CONFIG_INVALID', `PKCS#12 file ${source.p12}: no certificate matches its key`);
    const certDer = ders[signerIndex]!;
    return { certDer, certPem: derToPem(certDer), key, chainDer: ders.filter((_, i) => i !== signerIndex) };
  }
  refuseWorldReadable(source.key);
  const certText = readFile(source.cert, 'signing certificate').toString('utf8');
  const pems = certText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new SpamcaseError('CONFIG_INVALID', `${source.cert} holds no PEM certificate`);
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(readFile(source.key, 'signing key'));
  } catch (err) {
    if (err instanceof SpamcaseError) throw err;
    throw new SpamcaseError(
      'CONFIG_INVALID',
      `${source.key} is not a usable private key (encrypted keys: use a PKCS#12 file)`,
      { cause: err },
    );
  }
  const certDer = pemToDer(pems[0]!);
  if (!new crypto.X509Certificate(certDer).checkPrivateKey(key))
    throw new SpamcaseError('CONFIG_INVALID', `${source.key} is not the key of ${source.cert}`);
  return { certDer, certPem: derToPem(certDer), key, chainDer: pems.slice(1).map(pemToDer) };
}

/**
 * Make a self-signed RSA-3072 certificate and key for trying the product (valid 2 years), written
 * with mode 0600 (key) and 0644 (certificate). Refuses to overwrite existing files.
 */
export function initTrialKeys(
  files: { cert: string; key: string },
  organization: string,
  now: Date,
): { cert: string; key: string; fingerprint: string; subject: string } {
  for (const f of [files.cert, files.key]) {
    if (fs.existsSync(f))
      throw new SpamcaseError(
        'INVALID_INPUT',
        `${f} already exists: remove it first if you really mean to replace the signing key`,
      );
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 3072 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${crypto.randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 2 * 365 * 24 * 3600 * 1000);
  const attrs = [
    { name: 'commonName', value: `${organization} (${TRIAL_LABEL})` },
    { name: 'organizationName', value: organization },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyCertSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  cert.sign(forgeKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  fs.mkdirSync(path.dirname(files.key), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(files.cert), { recursive: true });
  fs.writeFileSync(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  fs.chmodSync(files.key, 0o600);
  fs.writeFileSync(files.cert, certPem, { mode: 0o644, flag: 'wx' });
  const x = new crypto.X509Certificate(certPem);
  return { cert: files.cert, key: files.key, fingerprint: x.fingerprint256, subject: x.subject };
}

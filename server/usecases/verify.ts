/**
 * Verifying a bundle (`spamcase verify`, the web's upload): every check of export/verify.ts, then the
 * verification recorded as a custody event of the case the bundle belongs to when that case is on
 * this server (by the ZIP's SHA-256 among recorded exports, else by the bag's Spamcase-Case). The
 * web records it only on the case the upload was made in: a bundle of another case is checked,
 * never written into that case's log.
 */
import crypto from 'node:crypto';
import { loadConfig, type Config } from '../config.ts';
import { loadSigner } from '../signing/keys.ts';
import type { Context } from '../context.ts';
import { recordVerification, verifyBundle, type VerifyResult } from '../export/verify.ts';
import * as v from 'valibot';
import { optionalText, PATH_MAX, requiredText } from './input.ts';

export const verifyInput = v.object({
  file: requiredText(PATH_MAX),
  /** The signer's certificate, or a CA's, to trust (PEM). */
  cert: optionalText(PATH_MAX),
  /** The signer certificate's SHA-256 fingerprint, pinned (hex, colons allowed). */
  fingerprint: optionalText(200),
  tsaCert: optionalText(PATH_MAX),
});

export interface Verification {
  result: VerifyResult;
  /** The case the verification was recorded on, or null. */
  recordedOn: string | null;
  /** The bundle belongs to a case of this server other than `onlyCase`. */
  otherCase: boolean;
}

/** The case a verification would be recorded on, as recordVerification finds it. */
async function caseOfBundle(ctx: Context, r: VerifyResult): Promise<string | null> {
  const byHash = (await ctx.db
    .knex('exports as e')
    .join('cases as c', 'c.id', 'e.case_id')
    .where('e.sha256', r.sha256)
    .first('c.slug')) as { slug: string } | undefined;
  return byHash?.slug ?? r.caseSlug;
}

export async function verifyAndRecord(
  ctx: Context,
  input: { file: string; cert?: string; fingerprint?: string; tsaCert?: string },
  options: { onlyCase?: string; ownSigning?: Config['signing'] } = {},
): Promise<Verification> {
  const config = loadConfig();
  const trustStore = config.trustedCerts ?? undefined;
  // The web verifies what this server exported: without a trust store, its own signing certificate is the one trusted.
  let trusted: crypto.X509Certificate | undefined;
  if (
    options.ownSigning !== undefined &&
    trustStore === undefined &&
    input.cert === undefined &&
    input.fingerprint === undefined
  ) {
    try {
      trusted = new crypto.X509Certificate(loadSigner(options.ownSigning).certDer);
    } catch {
      trusted = undefined; // no signing key configured: the signer stays not established
    }
  }
  const result = await verifyBundle(input.file, {
    trusted,
    cert: input.cert,
    fingerprint: input.fingerprint,
    trustStore,
    tsaCert: input.tsaCert,
  });
  if (options.onlyCase === undefined)
    return { result, recordedOn: await recordVerification(ctx, result), otherCase: false };
  const target = await caseOfBundle(ctx, result);
  const recordedOn = target === options.onlyCase ? await recordVerification(ctx, result) : null;
  return { result, recordedOn, otherCase: target !== null && target !== options.onlyCase };
}

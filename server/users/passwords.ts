/**
 * Password hashing and policy. scrypt from node:crypto (memory-hard, no native add-on), with the
 * parameters stored in the hash so they can be raised later without invalidating old hashes:
 *
 *   scrypt$N$r$p$<salt base64>$<key base64>
 *
 * Policy (NIST SP 800-63B): a minimum length, no composition rules, and a refusal of passwords
 * found in a list of common ones (the 49,000-entry list bundled in the npm package
 * @zxcvbn-ts/language-common, built from leaked-password frequency lists).
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { SpamcaseError } from '../errors.ts';

/** Shorter passwords are refused: 12 characters resist offline guessing of a stolen hash far better than 8. */
export const MIN_PASSWORD_LENGTH = 12;
/** Longer input is refused before hashing, so a megabyte "password" cannot be used to burn CPU. */
export const MAX_PASSWORD_LENGTH = 256;
/**
 * scrypt cost: N=2^15, r=8 uses 32 MiB and about 50-100 ms per hash on this kind of machine (OWASP minimum is 2^17 with
 * r=8, p=1 at 128 MiB; 2^15 keeps sign-in bearable on 2 shared cores).
 */
export const SCRYPT_N = 2 ** 15;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/**
 * The common-password list, read on the first password checked: loading the dictionaries takes
 * tens of milliseconds, which every CLI command paid at start-up while only user commands need it.
 */
let common: Set<string> | null = null;
function commonPasswords(): Set<string> {
  if (common) return common;
  const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as {
    dictionary: Record<string, unknown>;
  };
  common = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/** Every reason a password is refused (empty when it is acceptable). */
export function passwordProblems(password: string, username?: string): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) problems.push(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) problems.push(`a password has at most ${MAX_PASSWORD_LENGTH} characters`);
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) problems.push('this password is in a list of commonly used passwords');
  if (username && lower.includes(username.toLowerCase())) problems.push('a password must not contain the user name');
  return problems;
}

export function checkPassword(password: string, username?: string): void {
  const problems = passwordProblems(password, username);
  if (problems.length > 0) throw new SpamcaseError('INVALID_INPUT', problems.join('; '), { details: { problems } });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_LENGTH, {
    N: SCRYPT_N,
    r: SCRYPT_R,
    p: SCRYPT_P,
    maxmem: 256 * SCRYPT_N * SCRYPT_R,
  });
  return `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time comparison; false for a malformed stored hash rather than an exception. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH * 4) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || n > 2 ** 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await scrypt(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r });
  return key.length === expected.length && crypto.timingSafeEqual(key, expected);
}

let dummy: Promise<string> | null = null;
/** A hash to verify against when the user does not exist, so sign-in takes the same time either way. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return dummy;
}

/**
 * Security headers, cookies and CSRF checks, in one file so they can be read (and tested) at once.
 *
 * CSP: no inline script, no inline style, nothing from another origin; frames only from this
 * origin (the sandboxed message body), and this app never framed (frame-ancestors 'none').
 * CSRF: synchronizer token (OWASP): every session has a random token, every form carries it, every
 * non-GET request must send it back (form field `_csrf` or header X-CSRF-Token); on top of that a
 * cross-site Origin or Sec-Fetch-Site is refused outright.
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { SpamcaseError } from '../errors.ts';
import type { Session } from './sessions.ts';

export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The CSP of a sanitized message body: nothing may load or run; remote images only on request. */
export function messageBodyCsp(remoteImages: boolean): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data:${remoteImages ? ' https: http:' : ''}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
    'sandbox',
  ].join('; ');
}

export function setSecurityHeaders(req: Request, res: Response): void {
  res.setHeader('Content-Security-Policy', APP_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // same-origin, not no-referrer: under no-referrer browsers send "Origin: null" on our own form posts (found by the
  // browser test), and the Origin check below needs the real one. Other sites still get no referrer.
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  res.setHeader('Cache-Control', 'no-store');
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}

/** `__Host-` prefixed (Secure, Path=/, no Domain) behind TLS; a plain name on http://localhost. */
export function sessionCookieName(req: Request): string {
  return req.secure ? '__Host-spamcase_session' : 'spamcase_session';
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(req: Request, res: Response, id: string): void {
  res.append(
    'Set-Cookie',
    `${sessionCookieName(req)}=${id}; Path=/; HttpOnly; SameSite=Lax${req.secure ? '; Secure' : ''}`,
  );
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append(
    'Set-Cookie',
    `${sessionCookieName(req)}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${req.secure ? '; Secure' : ''}`,
  );
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Refuses a cross-site request outright, whatever token it carries. */
export function checkSameOrigin(req: Request): void {
  if (req.headers['sec-fetch-site'] === 'cross-site')
    throw new SpamcaseError('CSRF_REJECTED', 'cross-site request refused');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `${req.protocol}://${req.get('host') ?? ''}`)
    throw new SpamcaseError('CSRF_REJECTED', 'cross-origin request refused');
}

export function checkCsrfToken(session: Session | null, token: unknown): void {
  if (!session || typeof token !== 'string' || !sameToken(token, session.csrfToken)) {
    throw new SpamcaseError(
      'CSRF_REJECTED',
      'this form has expired or did not come from this site: reload the page and try again',
    );
  }
}

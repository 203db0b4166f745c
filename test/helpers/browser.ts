/**
 * The real browser the e2e tests drive: Debian's chromium through playwright-core, launched with the
 * flags that keep it quiet and self-contained on a shared CI machine, and a sign-in as a user does it.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Context } from '../../server/context.ts';
import { startServer } from '../../server/web/server.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** For node:test's `skip`: a reason when there is no chromium (never skipped under CI). */
export const noChromium = !fs.existsSync(CHROMIUM) && !process.env.CI ? `no chromium at ${CHROMIUM}` : false;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function signInPage(page: Page, origin: string, username: string, password: string): Promise<void> {
  await page.goto(`${origin}/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${origin}/`);
}

/**
 * A served case in a real browser: the server on a free port, chromium, a page signed in as `username`; `fn` gets
 * the page and the server's origin, and the browser and server are closed whatever it does.
 */
export async function withSignedInPage(
  ctx: Context,
  username: string,
  password: string,
  fn: (page: Page, origin: string) => Promise<void>,
  options: { locale?: string } = {},
): Promise<void> {
  const server = await startServer(ctx, { host: '127.0.0.1', port: 0, log: () => undefined });
  const origin = server.url.replace(/\/$/, '');
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const page = await (await browser.newContext({ locale: options.locale ?? 'en-US' })).newPage();
    await signInPage(page, origin, username, password);
    await fn(page, origin);
  } finally {
    await browser?.close();
    await server.close();
  }
}

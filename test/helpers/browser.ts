/**
 * The real browser the e2e tests drive: Debian's chromium through playwright-core, launched with the
 * flags that keep it quiet and self-contained on a shared CI machine, and a sign-in as a user does it.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

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

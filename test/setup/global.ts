/**
 * Runs once in vitest's main process before any test file. It makes sure the Temporal binaries exist
 * (resolving only: `npm run setup` / CI installs them) and prints the Node version the suite runs on.
 * Environment set here is inherited by the forked test workers.
 */
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): void {
  if (project.name === 'unit' || !process.env.__TOGETHER_SETUP_PRINTED) {
    process.env.__TOGETHER_SETUP_PRINTED = '1';
    console.log(`together-o365 tests on Node ${process.version}`);
  }
}

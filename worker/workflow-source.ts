/**
 * Where the worker gets workflow code. In production it loads the bundle that `npm run build` made once
 * (bundleWorkflowCode), so start-up does no webpack work and every worker runs byte-identical code; in
 * development it uses that bundle too when one is present and newer than every workflow and contract source
 * (so a stale bundle never hides an edit), and otherwise bundles `workflows/index.ts` at start-up.
 *
 * Why it matters (issue 15, bench/health.bench.ts "which settings matter"): bundling at start-up runs webpack
 * inside the worker, ~120 MB of its peak RSS that a pre-built bundle never allocates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ConfigError } from '../temporal/connection';
import { DEFAULT_BUNDLE_PATH } from './config';

// index.ts from the sources, index.js in the compiled package (dist/), whichever this module is.
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', `index${path.extname(__filename)}`);

export type WorkflowSource = { workflowBundle: { codePath: string } } | { workflowsPath: string };

/** The sources a bundle is built from (workflows import only contracts/ and @temporalio/workflow). */
const SOURCE_DIRS = ['workflows', 'contracts'].map((d) => path.resolve(__dirname, '..', d));

/** True when `bundle` exists and no workflow/contract source (.ts, tests excluded) is newer. */
export function bundleIsFresh(bundle: string, sourceDirs: string[] = SOURCE_DIRS): boolean {
  let built: number;
  try {
    built = fs.statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  for (const dir of sourceDirs) {
    let files: string[];
    try {
      files = fs.readdirSync(dir, { recursive: true }) as string[];
    } catch {
      continue; // no sources next to a compiled worker: the bundle is all there is
    }
    for (const f of files) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      if (fs.statSync(path.join(dir, f)).mtimeMs > built) return false;
    }
  }
  return true;
}

export function workflowSource(
  bundlePath: string | undefined,
  presentBundle: string = DEFAULT_BUNDLE_PATH,
): WorkflowSource {
  if (!bundlePath) {
    return bundleIsFresh(presentBundle)
      ? { workflowBundle: { codePath: presentBundle } }
      : { workflowsPath: WORKFLOWS_PATH };
  }
  if (!fs.existsSync(bundlePath)) {
    throw new ConfigError(
      `Workflow bundle ${bundlePath} does not exist. Build it with 'npm run build' (NODE_ENV=production ` +
        `loads the pre-built bundle), or set TOGETHER_WORKFLOW_BUNDLE to its path.`,
    );
  }
  return { workflowBundle: { codePath: bundlePath } };
}

export async function buildWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
}

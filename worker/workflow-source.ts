/**
 * Where the worker gets workflow code. In production it loads the bundle that `npm run build` made once
 * (bundleWorkflowCode), so start-up does no webpack work and every worker runs byte-identical code; in
 * development it bundles `workflows/index.ts` at start-up so edits take effect.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ConfigError } from '../temporal/connection';

// index.ts from the sources, index.js in the compiled package (dist/), whichever this module is.
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', `index${path.extname(__filename)}`);

export type WorkflowSource = { workflowBundle: { codePath: string } } | { workflowsPath: string };

export function workflowSource(bundlePath: string | undefined): WorkflowSource {
  if (!bundlePath) return { workflowsPath: WORKFLOWS_PATH };
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

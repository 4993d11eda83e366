/**
 * Temporal servers for tests, from the project-local binaries (no downloads): the dev server through
 * `TestWorkflowEnvironment.createLocal` and the Java time-skipping server through `createTimeSkipping`,
 * both with `executable: { type: 'existing-path' }`. Start one per test file in beforeAll; give each test
 * its own task queue (`uniqueTaskQueue`).
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/temporal-cli';
import { TENANT_ID } from '../../workflows/search-attributes';
import { WORKFLOWS_PATH } from '../../worker/workflow-source';

let runtimeInstalled = false;

/** Runtime.install must precede any env or worker in the process (it throws when called twice). */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export async function createLocalTestEnv(
  options: { namespace?: string; extraArgs?: string[]; dbFilename?: string } = {},
): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolveTemporalCli() },
      namespace: options.namespace,
      dbFilename: options.dbFilename,
      searchAttributes: [TENANT_ID],
      extraArgs: options.extraArgs,
    },
  });
}

export async function createTimeSkippingTestEnv(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServer() } },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundle the workflows once per test file (bundling costs ~1 s of CPU each time). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Registers the TenantId keyword attribute on a server that was not started with it (time-skipping server). */
export async function registerTenantIdAttribute(env: TestWorkflowEnvironment, namespace = 'default'): Promise<void> {
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [TENANT_ID.name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
  } catch (err) {
    if (!/already exists/i.test(String(err))) throw err;
  }
}

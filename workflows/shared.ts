/** Small helpers shared by the workflows (sandbox-safe). */
import type { SearchAttributePair } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';
import { TENANT_ID } from '../contracts/ids';

/**
 * activities/contract.ts PERMANENT_FAILURE_TYPES, repeated here because workflows may import only types
 * from activities/ (lint rule); workflows/shared.test.ts keeps both lists equal.
 */
export const PERMANENT_FAILURES: string[] = [
  'ConfigurationError',
  'ConsentMissingError',
  'UnknownTenantError',
  'CredentialRejectedError',
];

/** The TenantId search attribute to pass on to children, if this workflow carries one. */
export function tenantSearchAttributes(): SearchAttributePair[] | undefined {
  const value = workflowInfo().typedSearchAttributes.get(TENANT_ID);
  return value ? [{ key: TENANT_ID, value }] : undefined;
}

export const iso = (ms: number = Date.now()): string => new Date(ms).toISOString();

/** Small helpers shared by the workflows (sandbox-safe). */
import type { SearchAttributePair } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';
import { PERMANENT_FAILURE_TYPES } from '../contracts/activities';
import { TENANT_ID } from '../contracts/ids';

/** The ApplicationFailure types no retry can fix: the one list in contracts/activities.ts. */
export const PERMANENT_FAILURES: string[] = PERMANENT_FAILURE_TYPES;

/** The TenantId search attribute to pass on to children, if this workflow carries one. */
export function tenantSearchAttributes(): SearchAttributePair[] | undefined {
  const value = workflowInfo().typedSearchAttributes.get(TENANT_ID);
  return value ? [{ key: TENANT_ID, value }] : undefined;
}

export const iso = (ms: number = Date.now()): string => new Date(ms).toISOString();

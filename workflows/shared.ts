/** Small helpers shared by the workflows (sandbox-safe). */
import type { SearchAttributePair } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, workflowInfo } from '@temporalio/workflow';
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

/** A permanent activity failure: non-retryable, or one of the permanent types. */
export function isPermanent(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (
    cause instanceof ApplicationFailure &&
    (cause.nonRetryable || PERMANENT_FAILURES.includes(cause.type ?? ''))
  );
}

/** The message of an activity failure's cause (what the activity said), else of the error itself. */
export function messageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

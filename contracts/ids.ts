import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Every workflow and schedule of a tenant carries its tenant id, so `TenantId = '…'` finds them all. */
export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);

/** The task queue of the worker, the schedules and the client when nothing else is configured (TEMPORAL_TASK_QUEUE). */
export const DEFAULT_TASK_QUEUE = 'together-o365';

export const onboardingWorkflowId = (tenantId: string): string => `onboard-${tenantId}`;
export const monitorWorkflowId = (tenantId: string): string => `monitor-${tenantId}`;
export const healthScheduleId = (tenantId: string): string => `health-${tenantId}`;
export const teamsProbeWorkflowId = (tenantId: string): string => `teamsprobe-${tenantId}`;
export const sampleTestWorkflowIdPrefix = (tenantId: string): string => `sampletest-${tenantId}-`;

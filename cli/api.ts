/**
 * What the CLI and the console need from Temporal. The real implementation (temporal-api.ts) goes through
 * client/; tests use fakes.
 */
import type { ConsoleBackend } from '../console/backend';
import type { OnboardTenantInput } from '../workflows/messages';

export interface ScheduleInfo {
  scheduleId: string;
  tenantId: string;
  paused: boolean;
  note?: string;
  /** Minutes between runs, when the spec is a plain interval. */
  intervalMinutes?: number;
  nextRunAt?: string;
  recentRuns: { at: string; workflowId?: string }[];
}

export interface TogetherApi extends ConsoleBackend {
  /** Starts (or, when one runs already, returns) the tenant's onboarding workflow. */
  startOnboarding(input: OnboardTenantInput): Promise<{ workflowId: string; started: boolean }>;
  describeSchedule(tenantId: string): Promise<ScheduleInfo | null>;
  createSchedule(tenantId: string, intervalMinutes?: number): Promise<ScheduleInfo>;
  pauseSchedule(tenantId: string, note: string): Promise<void>;
  unpauseSchedule(tenantId: string, note: string): Promise<void>;
  triggerSchedule(tenantId: string): Promise<void>;
  deleteSchedule(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

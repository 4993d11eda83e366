/**
 * The signatures of the workflows, by their registered names, so client/, temporal/ and activities/ can start
 * and signal them with typed arguments without importing workflows/ (which only the worker loads).
 * workflows/*.ts implement these; a `satisfies` check there keeps the two equal.
 */
import type { HealthCheckInput, HealthResult } from './health';
import type { MonitorInput, OnboardingStatus, OnboardTenantInput } from './messages';
import type { TeamsLinks, TeamsProbeInput } from './teams';

export type OnboardTenantWorkflow = (input: OnboardTenantInput) => Promise<OnboardingStatus>;
export type HealthCheckWorkflow = (input: HealthCheckInput) => Promise<HealthResult>;
export type TenantMonitorWorkflow = (input: MonitorInput) => Promise<void>;
export type TeamsProbeWorkflow = (input: TeamsProbeInput) => Promise<TeamsLinks>;

/** The activity of `workerSelfTest` (implemented in worker/self-test-activities.ts). */
export interface SelfTestActivities {
  describeWorker(): Promise<string>;
}

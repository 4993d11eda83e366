import { describe, expectTypeOf, it } from 'vitest';
import type {
  HealthCheckWorkflow,
  OnboardTenantWorkflow,
  SelfTestActivities,
  TeamsProbeWorkflow,
  TenantMonitorWorkflow,
} from '../contracts/workflows';
import type { teamsProbe } from './teams-probe';
import type { healthCheck } from './health-check';
import type { onboardTenant } from './onboard-tenant';
import type { tenantMonitor } from './tenant-monitor';
import type { workerSelfTest } from './self-test';

// client/, temporal/ and activities/ start these workflows through the signatures in contracts/workflows.ts
// (they may not import workflows/); tsc fails here if a workflow's signature drifts from its contract.
describe('workflow signatures in contracts/', () => {
  it('are the workflows’ own', () => {
    expectTypeOf<typeof onboardTenant>().toEqualTypeOf<OnboardTenantWorkflow>();
    expectTypeOf<typeof healthCheck>().toEqualTypeOf<HealthCheckWorkflow>();
    expectTypeOf<typeof tenantMonitor>().toEqualTypeOf<TenantMonitorWorkflow>();
    expectTypeOf<typeof teamsProbe>().toEqualTypeOf<TeamsProbeWorkflow>();
    expectTypeOf<typeof workerSelfTest>().returns.toEqualTypeOf<
      Promise<Awaited<ReturnType<SelfTestActivities['describeWorker']>>>
    >();
  });
});

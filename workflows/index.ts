// Every workflow the worker registers. Workflow files run in Temporal's sandbox: no Node built-ins, no I/O.
export { workerSelfTest } from './self-test';
export { onboardTenant } from './onboard-tenant';
export { sampleTest } from './sample-test';
export { healthCheck } from './health-check';
export { tenantMonitor } from './tenant-monitor';
export { teamsProbe } from './teams-probe';
export { individualSweep } from './individual-sweep';
export { individualSampleTest } from './individual-sample-test';
export { healthShard } from './health-shard';

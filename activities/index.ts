/**
 * The Graph activities. The worker registers them with
 *   `createActivities({ config: loadGraphConfig(process.env), logger })`.
 * Every function here is a Temporal activity implementing `GraphActivities` from ./contract.
 */
import { capabilityProbe } from './capability';
import { parseGraphConfig, type GraphConfig, type GraphConfigInput } from './config';
import { checkConsent } from './consent';
import type { GraphActivities, ScopeActivities } from '../contracts/activities';
import { checkCredentialExpiry } from './credentials';
import { createGraphClientFactory } from './graph/client';
import { registerSecret } from './graph/errors';
import { configureWorkerRequestBudget } from './graph/budget';
import { workerMailboxLimiter } from './graph/limiter';
import { notifyOwner } from './notify/notify';
import type { IdempotencyStore } from './notify/store';
import { createIdempotencyStore } from './notify/store-factory';
import { probeCalendars, type ProbeOverrides } from './probe/probe';
import { silentLogger, type ActivityDeps } from './runtime';
import { sampleUsers } from './sample';
import { proveMailboxScope } from './scope';

export interface CreateActivitiesDeps extends Omit<ActivityDeps, 'config'> {
  /** A validated config (loadGraphConfig) or an input object to validate. */
  config: GraphConfig | GraphConfigInput;
  /**
   * Where notification idempotency records live; default: the shared Azure Table when configured
   * (config.notifyTable), else files under config.stateDir.
   */
  idempotencyStore?: IdempotencyStore;
  /** Test hooks for the probe (fast backoff, shared limiter). */
  probeOverrides?: ProbeOverrides;
}

export function createActivities(deps: CreateActivitiesDeps): GraphActivities & ScopeActivities {
  const config = parseGraphConfig(deps.config as GraphConfigInput);
  for (const p of Object.values(config.credentials)) if (p.kind === 'secret') registerSecret(p.clientSecret);
  registerSecret(config.webhookSecret);
  configureWorkerRequestBudget(config.probe.requestsPer10Seconds); // one bucket per worker process
  const full: ActivityDeps = {
    ...deps,
    config,
    logger: deps.logger ?? silentLogger,
    clients: deps.clients ?? createGraphClientFactory(config),
    mailboxLimiter: deps.mailboxLimiter ?? workerMailboxLimiter(config.probe.perMailboxConcurrency),
  };
  const store = deps.idempotencyStore ?? createIdempotencyStore(config, { logger: full.logger });
  return {
    checkConsent: (input) => checkConsent(full, input),
    sampleUsers: (input) => sampleUsers(full, input),
    probeCalendars: (input) => probeCalendars(full, input, deps.probeOverrides),
    capabilityProbe: (input) => capabilityProbe(full, input),
    notifyOwner: (n) => notifyOwner(full, store, n),
    checkCredentialExpiry: () => checkCredentialExpiry(full),
    proveMailboxScope: (input) => proveMailboxScope(full, input),
  };
}

export {
  loadGraphConfig,
  parseGraphConfig,
  ENV,
  ConfigurationError,
  type GraphConfig,
  type GraphConfigInput,
} from './config';
export { createGraphClientFactory, type GraphClientFactory } from './graph/client';
export { FileIdempotencyStore, MemoryIdempotencyStore, type IdempotencyStore } from './notify/store';
export { TableIdempotencyStore } from './notify/table-store';
export { createIdempotencyStore } from './notify/store-factory';
export { PROBE_REASONS, MAILBOX_DETAILS, CONSENT_STATES, describeProbe } from '../contracts/texts';
export { verifyWebhook, signWebhook, SIGNATURE_HEADER, IDEMPOTENCY_HEADER } from './notify/notify';
export type { Logger } from './runtime';
export * from '../contracts/activities';

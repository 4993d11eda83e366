/**
 * One onboarding run: its input, the fixed facts derived from it, and the mutable state its handlers and
 * phases share; plus the small operations every part uses (phase changes, the status view, notifications).
 */
import { log, workflowInfo, type WorkflowInfo } from '@temporalio/workflow';
import type { OnboardingPhase, OnboardingStatus, OnboardTenantInput } from '../../contracts/messages';
import { iso } from '../shared';
import { notifyOwner } from './activities';
import type { Notice } from './notices';
import { consentDeadlineMs, consentWaitStartMs, initialState, statusOf, type OnboardingState } from './state';

export interface Onboarding {
  readonly input: OnboardTenantInput;
  /** workflowInfo() at the start of this run (historyLength and continueAsNewSuggested: ask workflowInfo()). */
  readonly info: WorkflowInfo;
  readonly tenantId: string;
  /** When the wait for consent started (carried across continue-as-new). */
  readonly startMs: number;
  readonly deadlineMs: number;
  readonly healthTaskQueue: string;
  readonly s: OnboardingState;
}

export function startOnboarding(input: OnboardTenantInput): Onboarding {
  const info = workflowInfo();
  const startMs = consentWaitStartMs(input, Date.now());
  return {
    input,
    info,
    tenantId: input.tenant.tenantId,
    startMs,
    deadlineMs: consentDeadlineMs(input, startMs),
    healthTaskQueue: input.healthTaskQueue ?? info.taskQueue,
    s: initialState(input, startMs),
  };
}

/** Idempotency key of a notification: one per onboarding (first run id) and kind. */
export function notificationKey(o: Onboarding, kind: string): string {
  return `${o.tenantId}:${o.info.firstExecutionRunId}:${kind}`;
}

export function setPhase(o: Onboarding, p: OnboardingPhase): void {
  if (p === o.s.phase) return;
  log.info('onboarding phase', { tenantId: o.tenantId, from: o.s.phase, to: p });
  o.s.phase = p;
  o.s.phaseSince = iso();
}

export function status(o: Onboarding): OnboardingStatus {
  return statusOf(o.input, o.s, o.deadlineMs);
}

export async function notify(o: Onboarding, n: Notice): Promise<void> {
  try {
    await notifyOwner({ ...n, tenantId: o.tenantId, to: o.s.settings.owner });
  } catch (err) {
    // A notification that could not be delivered after all retries must not end the onboarding.
    log.error('notification failed', { tenantId: o.tenantId, kind: n.kind, error: String(err) });
  }
}

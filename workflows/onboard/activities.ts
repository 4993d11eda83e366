/** The activities the onboarding calls, with their timeouts and retry policies (one place). */
import { proxyActivities } from '@temporalio/workflow';
import type { GraphActivities, ScopeActivities } from '../../contracts/activities';
import type { TemporalActivities } from '../../contracts/health';
import { PERMANENT_FAILURES } from '../shared';

export const { checkConsent } = proxyActivities<GraphActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, initialInterval: '5 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});
export const { notifyOwner } = proxyActivities<GraphActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '10 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['ConfigurationError'],
  },
});
export const { proveMailboxScope } = proxyActivities<ScopeActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '10 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});
export const { upsertHealthSchedule, reportToMonitor } = proxyActivities<TemporalActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, initialInterval: '2 seconds' },
});

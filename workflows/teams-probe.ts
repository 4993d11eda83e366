/**
 * teamsProbe: does a booking by Together get a Teams join link in this tenant? One capability probe (create one
 * private online meeting, check the join URL, delete it: activities/capability.ts) on a given mailbox, or on a
 * reachable one found by a small sample. `together-o365 probe --teams` runs this workflow; the sample test and
 * the health check run the same probe when the tenant's `teamsProbe` setting is on.
 * The answer is a finding, never a failure: a probe that cannot run says "not checked" and why.
 */
import { proxyActivities, workflowInfo, type RetryPolicy } from '@temporalio/workflow';
import type { CapabilityProbeInput, GraphActivities, TenantRef } from '../contracts/activities';
import {
  classifyTeamsProbe,
  reachableMailboxes,
  teamsNotChecked,
  type TeamsLinks,
  type TeamsProbeInput,
} from '../contracts/teams';
import { messageOf, PERMANENT_FAILURES } from './shared';

const retry: RetryPolicy = {
  maximumAttempts: 3,
  initialInterval: '5 seconds',
  nonRetryableErrorTypes: PERMANENT_FAILURES,
};
// Create, read, calendar, delete: a handful of requests, each retried on 429/5xx inside the activity.
const { capabilityProbe } = proxyActivities<GraphActivities>({ startToCloseTimeout: '3 minutes', retry });
const { sampleUsers, probeCalendars } = proxyActivities<GraphActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry,
});

export const TEAMS_PROBE_SAMPLE_SIZE = 5;

/** One capability probe, classified; an activity failure becomes "not checked" with its message. */
export async function probeTeamsLinks(
  tenant: TenantRef,
  target: Pick<CapabilityProbeInput, 'mailbox' | 'candidates'>,
): Promise<TeamsLinks> {
  try {
    return classifyTeamsProbe(await capabilityProbe({ tenant, ...target }));
  } catch (err) {
    return teamsNotChecked(`the Teams probe could not run: ${messageOf(err)}`, target.mailbox);
  }
}

export async function teamsProbe(input: TeamsProbeInput): Promise<TeamsLinks> {
  if (input.mailbox) return probeTeamsLinks(input.tenant, { mailbox: input.mailbox });
  let candidates: string[];
  try {
    const sample = await sampleUsers({
      tenant: input.tenant,
      size: input.sampleSize ?? TEAMS_PROBE_SAMPLE_SIZE,
      source: { kind: 'all' },
      seed: workflowInfo().workflowId,
    });
    const probed = await probeCalendars({
      tenant: input.tenant,
      users: sample.users,
      options: { freeBusy: false },
    });
    candidates = reachableMailboxes(probed.results);
  } catch (err) {
    return teamsNotChecked(`no mailbox to probe: sampling the tenant failed: ${messageOf(err)}`);
  }
  return probeTeamsLinks(input.tenant, { candidates });
}

/**
 * capabilityProbe: on one mailbox (a designated probe mailbox, or a reachable one from a sample), create a private
 * 5-minute event as a Teams online meeting,
 * check that a join URL came back (Graph can answer 201 without one: microsoft-graph-docs#9741), read the
 * organizer and response fields, and delete the event — in `finally`, so nothing is left behind even when a
 * step fails. A deterministic `transactionId` (from the activity's identity) makes a retried create return the
 * event of the earlier attempt instead of a duplicate, which the retry then deletes.
 */
import { createHash } from 'node:crypto';
import type { CapabilityProbeInput, CapabilityProbeResult } from '../contracts/activities';
import { FailureTypes } from '../contracts/activities';
import { failureForGraph, permanentFailure } from './graph/errors';
import { currentContext, graphCallerFor, type ActivityDeps } from './runtime';

interface EventOut {
  id: string;
  isOnlineMeeting?: boolean;
  onlineMeeting?: { joinUrl?: string | null } | null;
  organizer?: { emailAddress?: { address?: string; name?: string } };
  responseStatus?: { response?: string; time?: string };
}

export const PROBE_SUBJECT = 'Together capability check (deleted automatically)';

export async function capabilityProbe(
  deps: ActivityDeps,
  input: CapabilityProbeInput,
): Promise<CapabilityProbeResult> {
  const mailbox = pickMailbox(deps, input);
  const graph = deps.clients!.forTenant(input.tenant);
  await graph.token();
  const caller = graphCallerFor(deps, graph);
  const mbx = encodeURIComponent(mailbox);
  const info = currentContext()?.info;
  const txSource = info
    ? `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`
    : `${Date.now()}-${Math.random()}`;
  const transactionId = createHash('sha256').update(txSource).digest('hex').slice(0, 32);

  const steps: CapabilityProbeResult['steps'] = [];
  const result: CapabilityProbeResult = {
    mailbox,
    ok: false,
    teamsJoinUrl: false,
    organizerIsMailbox: false,
    responseStatusReadable: false,
    cleanedUp: false,
    steps,
  };
  const now = deps.now?.() ?? new Date();
  const start = new Date(Math.ceil(now.getTime() / 300_000) * 300_000 + 24 * 3600_000); // tomorrow, on a 5-min boundary
  const end = new Date(start.getTime() + 5 * 60_000);
  const fmt = (d: Date) => d.toISOString().slice(0, 19);

  let eventId: string | undefined;
  try {
    const created = await caller.call<EventOut>({
      method: 'POST',
      url: `/users/${mbx}/calendar/events`,
      mailboxes: [mailbox],
      body: {
        subject: PROBE_SUBJECT,
        sensitivity: 'private',
        showAs: 'free',
        isReminderOn: false,
        responseRequested: false,
        start: { dateTime: fmt(start), timeZone: 'UTC' },
        end: { dateTime: fmt(end), timeZone: 'UTC' },
        isOnlineMeeting: true,
        onlineMeetingProvider: 'teamsForBusiness',
        transactionId,
      },
    });
    if (!created.ok) {
      steps.push({
        step: 'create',
        ok: false,
        ...(created.failure.code ? { code: created.failure.code } : {}),
        ...(created.failure.requestId ? { requestId: created.failure.requestId } : {}),
      });
      if (created.failure.status === 0 || created.failure.status >= 500 || created.failure.status === 429) {
        throw failureForGraph(input.tenant.tenantId, 'Creating the probe event', created.failure);
      }
      return result;
    }
    eventId = created.value.id;
    result.teamsJoinUrl = Boolean(created.value.onlineMeeting?.joinUrl);
    steps.push({ step: 'create', ok: true, ...(result.teamsJoinUrl ? {} : { code: 'NoJoinUrl' }) });

    const read = await caller.call<EventOut>({
      method: 'GET',
      url: `/users/${mbx}/events/${encodeURIComponent(eventId)}?$select=id,organizer,responseStatus,isOnlineMeeting,onlineMeeting`,
      mailboxes: [mailbox],
    });
    if (read.ok) {
      const org = read.value.organizer?.emailAddress?.address?.toLowerCase();
      const addresses = new Set([mailbox.toLowerCase()]);
      if (!mailbox.includes('@')) {
        // Given as an object id: learn its addresses (basic profile fields only).
        const who = await caller.call<{ mail?: string | null; userPrincipalName?: string }>({
          method: 'GET',
          url: `/users/${mbx}?$select=mail,userPrincipalName`,
        });
        if (who.ok)
          for (const a of [who.value.mail, who.value.userPrincipalName])
            if (a) addresses.add(a.toLowerCase());
      }
      result.organizerIsMailbox = org !== undefined && addresses.has(org);
      result.responseStatusReadable = typeof read.value.responseStatus?.response === 'string';
      if (!result.teamsJoinUrl) result.teamsJoinUrl = Boolean(read.value.onlineMeeting?.joinUrl);
      steps.push({ step: 'read', ok: true });
    } else {
      steps.push({
        step: 'read',
        ok: false,
        ...(read.failure.code ? { code: read.failure.code } : {}),
        ...(read.failure.requestId ? { requestId: read.failure.requestId } : {}),
      });
    }
    if (!result.teamsJoinUrl) {
      // Why no join URL? The calendar says which providers it allows (learn.microsoft.com/graph/outlook-calendar-
      // online-meetings: "Look for the allowedOnlineMeetingProviders … to verify if an Outlook calendar supports
      // any online meeting providers"). Best effort: the answer only refines the explanation.
      const cal = await caller.call<{ allowedOnlineMeetingProviders?: string[] }>({
        method: 'GET',
        url: `/users/${mbx}/calendar?$select=allowedOnlineMeetingProviders,defaultOnlineMeetingProvider`,
        mailboxes: [mailbox],
      });
      if (cal.ok && Array.isArray(cal.value.allowedOnlineMeetingProviders))
        result.allowedOnlineMeetingProviders = cal.value.allowedOnlineMeetingProviders;
      steps.push({
        step: 'calendar',
        ok: cal.ok,
        ...(!cal.ok && cal.failure.code ? { code: cal.failure.code } : {}),
      });
    }
  } finally {
    if (eventId) {
      const del = await caller.call({
        method: 'DELETE',
        url: `/users/${mbx}/events/${encodeURIComponent(eventId)}`,
        mailboxes: [mailbox],
      });
      const gone = del.ok || del.failure.status === 404;
      result.cleanedUp = gone;
      steps.push({
        step: 'delete',
        ok: gone,
        ...(!del.ok && del.failure.code ? { code: del.failure.code } : {}),
        ...(!del.ok && del.failure.requestId ? { requestId: del.failure.requestId } : {}),
      });
      if (!gone)
        deps.logger?.error(
          { tenantId: input.tenant.tenantId, mailbox, eventId },
          'capability probe could not delete its event',
        );
    } else {
      result.cleanedUp = true; // nothing was created
    }
  }
  result.ok =
    result.teamsJoinUrl &&
    result.organizerIsMailbox &&
    result.responseStatusReadable &&
    result.cleanedUp &&
    steps.every((s) => s.ok);
  if (!result.cleanedUp) {
    // Leaving an event behind must not go unnoticed: a retry deletes it (same transactionId ⇒ same event).
    throw failureForGraph(input.tenant.tenantId, 'Deleting the probe event', {
      status: 503,
      code: steps.at(-1)?.code ?? 'DeleteFailed',
    });
  }
  return result;
}

/**
 * Which mailbox to write to: the one asked for (only a designated one when TOGETHER_PROBE_MAILBOXES is set), else
 * the first designated probe mailbox, else the first reachable candidate from a sample.
 */
export function pickMailbox(deps: Pick<ActivityDeps, 'config'>, input: CapabilityProbeInput): string {
  const designated = deps.config.probeMailboxes;
  if (input.mailbox) {
    const allowed = designated.map((m) => m.toLowerCase());
    if (allowed.length > 0 && !allowed.includes(input.mailbox.toLowerCase())) {
      throw permanentFailure(
        FailureTypes.Configuration,
        `${input.mailbox} is not a designated probe mailbox (TOGETHER_PROBE_MAILBOXES): the capability probe writes only to designated mailboxes.`,
      );
    }
    return input.mailbox;
  }
  const chosen = designated[0] ?? input.candidates?.[0];
  if (!chosen) {
    throw permanentFailure(
      FailureTypes.Configuration,
      'No mailbox to probe: name one (--mailbox <upn>), set TOGETHER_PROBE_MAILBOXES on the worker, or sample a tenant with at least one reachable calendar.',
    );
  }
  return chosen;
}

/**
 * individualSweep: one per individual-mode tenant (workflow id `connections-<tenant>`), not one per user, so
 * the Temporal cost stays flat as users connect (bench/individual.bench.ts measures it). Every `intervalMinutes`
 * (default daily, far inside the 90-day inactivity window) or on the `sweepNow` signal it:
 *
 *   1. pages through the tenant's connections (`sweepConnections`, 200 per activity): each is refreshed once,
 *      which keeps the grant alive and tells whether it still works;
 *   2. emails each user whose connection *newly* broke, once, with a reconnect link — idempotency key
 *      `<tenant>:conn:<connection>:broken:<since>`, kept in workflow state and, durably, by the notifier's store;
 *   3. sends the integration owner a digest when anything newly broke ("N of M invited users connected; K broken");
 *   4. answers `individualState` with the owner's view.
 *
 * It sees connection ids only: emails, tokens and the AADSTS details stay in the activities' sealed store.
 * It continues-as-new when the server suggests it, carrying the summary and the sent keys.
 */
import {
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  individualStateQuery,
  sampleTestReportSignal,
  sweepNowSignal,
  type ConnectionsSummary,
  type ConnectionTransition,
  type IndividualActivities,
  type IndividualSweepInput,
  type IndividualSweepState,
} from '../contracts/individual';
import { iso } from './shared';

const SENT_KEYS_LIMIT = 2000;

const { sweepConnections, summarizeConnections } = proxyActivities<IndividualActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});
const { notifyConnectionBroken, notifyConnectionsDigest } = proxyActivities<IndividualActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '10 minutes',
    maximumAttempts: 30,
    nonRetryableErrorTypes: ['ConfigurationError'],
  },
});

const emptySummary = (tenantId: string): ConnectionsSummary => ({
  tenantId,
  invited: 0,
  connected: 0,
  broken: 0,
  brokenByKind: {},
  pending: 0,
});

export async function individualSweep(input: IndividualSweepInput): Promise<void> {
  const { tenantId } = input;
  const intervalMs = (input.intervalMinutes ?? 1440) * 60_000;
  const c = input.carried;
  const state: IndividualSweepState = {
    summary: c?.summary ?? emptySummary(tenantId),
    sweeps: c?.sweeps ?? 0,
    sweeping: false,
    ...(c?.lastSampleTest ? { lastSampleTest: c.lastSampleTest } : {}),
  };
  const sentKeys = [...(c?.sentKeys ?? [])];
  let requested = false;
  setHandler(individualStateQuery, () => state);
  setHandler(sweepNowSignal, () => {
    requested = true;
  });
  // A handler only (no command): recorded histories replay unchanged.
  setHandler(sampleTestReportSignal, (report) => {
    state.lastSampleTest = report;
  });

  const once = async (key: string, send: () => Promise<unknown>): Promise<void> => {
    if (sentKeys.includes(key)) return;
    try {
      await send();
      sentKeys.push(key);
      while (sentKeys.length > SENT_KEYS_LIMIT) sentKeys.shift();
    } catch (err) {
      log.error('notification failed after retries', { tenantId, key, error: String(err) });
    }
  };

  for (;;) {
    requested = false;
    state.sweeping = true;
    const at = iso();
    let cursor: string | undefined;
    let checked = 0;
    let ok = 0;
    const newlyBroken: ConnectionTransition[] = [];
    const recovered: ConnectionTransition[] = [];
    do {
      const page = await sweepConnections({
        tenantId,
        ...(cursor ? { cursor } : {}),
        ...(input.pageSize ? { pageSize: input.pageSize } : {}),
        ...(input.probeCalendar ? { probeCalendar: true } : {}),
      });
      checked += page.checked;
      ok += page.ok;
      newlyBroken.push(...page.newlyBroken);
      recovered.push(...page.recovered);
      cursor = page.nextCursor;
    } while (cursor);
    state.summary = { ...(await summarizeConnections({ tenantId })), lastSweepAt: at };
    state.sweeps++;
    state.lastSweep = { at, checked, ok, newlyBroken: newlyBroken.length, recovered: recovered.length };
    state.sweeping = false;

    for (const b of newlyBroken) {
      const key = `${tenantId}:conn:${b.connectionId}:broken:${b.since ?? at}`;
      await once(key, () =>
        notifyConnectionBroken({
          tenantId,
          connectionId: b.connectionId,
          consoleUrl: input.consoleUrl,
          idempotencyKey: key,
        }),
      );
    }
    if (newlyBroken.length > 0 && input.owner) {
      const key = `${tenantId}:connections-digest:${state.sweeps}`;
      const owner = input.owner;
      await once(key, () =>
        notifyConnectionsDigest({
          tenantId,
          owner,
          idempotencyKey: key,
          summary: state.summary,
          newlyBroken: newlyBroken.length,
          consoleUrl: input.consoleUrl,
        }),
      );
    }

    if (input.maxSweeps !== undefined && state.sweeps >= input.maxSweeps) return;
    state.nextSweepAt = iso(Date.now() + intervalMs);
    await condition(() => requested, intervalMs);
    state.nextSweepAt = undefined;
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof individualSweep>({
        ...input,
        carried: {
          summary: state.summary,
          sweeps: state.sweeps,
          sentKeys,
          ...(state.lastSampleTest ? { lastSampleTest: state.lastSampleTest } : {}),
        },
      });
    }
  }
}

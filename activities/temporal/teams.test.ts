/**
 * The health check's opt-in Teams step: runs only when asked, probes a mailbox the check just reached, and turns
 * a probe that cannot run into "not checked" without failing the health check.
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type {
  CapabilityProbeInput,
  CapabilityProbeResult,
  GraphActivities,
  UserProbeResult,
} from '../../contracts/activities';
import type { RunHealthCheckInput } from '../../contracts/health';
import { createTemporalActivities } from './index';

const TENANT = { tenantId: '489b6456-9a48-45dd-8b21-086d092d8c11' };
const results: UserProbeResult[] = [
  { userId: 'u1', userPrincipalName: 'guest@contoso.example', reason: 'mailboxUnavailable' },
  { userId: 'u2', userPrincipalName: 'adele@contoso.example', reason: 'ok' },
];

function graph(probe: (i: CapabilityProbeInput) => Promise<CapabilityProbeResult>) {
  const asked: CapabilityProbeInput[] = [];
  const g = {
    checkConsent: async () => ({
      tenantId: TENANT.tenantId,
      state: 'consented',
      checkedAt: '2026-01-01T00:00:00Z',
      grantedRoles: [],
      missingRoles: [],
      evidence: {},
    }),
    sampleUsers: async () => ({
      users: results.map((r) => ({ id: r.userId, userPrincipalName: r.userPrincipalName })),
      population: 2,
      skippedDisabled: 0,
      graphRequests: 1,
    }),
    probeCalendars: async () => ({ results, graphRequests: 1, throttledRetries: 0 }),
    capabilityProbe: async (i: CapabilityProbeInput) => {
      asked.push(i);
      return probe(i);
    },
  } as unknown as GraphActivities;
  return { g, asked };
}

const client = { workflow: { signalWithStart: async () => undefined } } as unknown as Client;
const input = (teamsProbe?: boolean): RunHealthCheckInput => ({
  tenant: TENANT,
  owner: 'owner@contoso.example',
  consentUrl: 'https://login.example/consent',
  sampleSize: 2,
  threshold: 0.4,
  checkId: 'health-x/run-1',
  ...(teamsProbe ? { teamsProbe } : {}),
});
const withJoinUrl = async (i: CapabilityProbeInput): Promise<CapabilityProbeResult> => ({
  mailbox: i.candidates![0]!,
  ok: true,
  teamsJoinUrl: true,
  organizerIsMailbox: true,
  responseStatusReadable: true,
  cleanedUp: true,
  steps: [{ step: 'create', ok: true }],
});

describe('health check: Teams links', () => {
  it('off by default: no probe, no teams field', async () => {
    const { g, asked } = graph(withJoinUrl);
    const r = await createTemporalActivities({ client, graph: g }).runHealthCheck(input());
    expect(asked).toEqual([]);
    expect(r.teams).toBeUndefined();
  });

  it('with teamsProbe: probes a reachable mailbox of the sample and reports the line’s data', async () => {
    const { g, asked } = graph(withJoinUrl);
    const r = await createTemporalActivities({ client, graph: g }).runHealthCheck(input(true));
    expect(asked).toEqual([{ tenant: TENANT, candidates: ['adele@contoso.example'] }]);
    expect(r.teams).toEqual({ status: 'available', mailbox: 'adele@contoso.example' });
    expect(r.verdict).toBe('pass');
  });

  it('a probe that throws is "not checked" and leaves the verdict alone', async () => {
    const { g } = graph(async () => {
      throw new Error('No mailbox to probe');
    });
    const r = await createTemporalActivities({ client, graph: g }).runHealthCheck(input(true));
    expect(r.teams).toMatchObject({ status: 'notChecked' });
    expect(r.teams!.why).toMatch(/the Teams probe could not run: No mailbox to probe/);
    expect(r.verdict).toBe('pass');
  });
});

/**
 * The health-check activity's consent outcomes (issue 10 item 6): a rejected publisher credential is a
 * publisher fault (its own incident, its operators), never "consent revoked"; an unknown tenant is the tenant
 * id's problem, named; a transient error is "unknown", not a finding. Real ApplicationFailures, a recording
 * Temporal client (only signalWithStart is used).
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { GraphActivities } from '../../contracts/activities';
import type { HealthResult } from '../../contracts/health';
import { classify } from '../../workflows/tenant-monitor';
import { classifyTokenError, failureForToken } from '../graph/errors';
import { createTemporalActivities } from './index';

const T = '22222222-2222-2222-2222-222222222222';

function setup(checkConsent: GraphActivities['checkConsent']) {
  const signalled: HealthResult[] = [];
  const client = {
    workflow: {
      signalWithStart: async (_wf: string, opts: { signalArgs: [HealthResult] }) => {
        signalled.push(opts.signalArgs[0]);
      },
    },
  } as unknown as Client;
  const graph = {
    checkConsent,
    sampleUsers: async () => {
      throw new Error('must not sample without consent');
    },
  } as unknown as GraphActivities;
  const acts = createTemporalActivities({ client, graph, now: () => new Date('2026-01-01T00:00:00Z') });
  const run = () =>
    acts.runHealthCheck({
      tenant: { tenantId: T },
      owner: 'owner@contoso.com',
      consentUrl: 'https://login.example/adminconsent',
      sampleSize: 5,
      threshold: 0.9,
      checkId: 'hc-1',
    });
  return { run, signalled };
}

describe('runHealthCheck: what a failed consent check means', () => {
  for (const [code, message] of [
    ['AADSTS7000215', 'Invalid client secret provided.'],
    ['AADSTS7000222', 'The provided client secret keys for app are expired.'],
    ['AADSTS700027', 'Client assertion failed signature validation.'],
  ] as const) {
    it(`Together's own credential rejected (${code}) is a publisher fault, not "consent revoked"`, async () => {
      const { run, signalled } = setup(async () => {
        throw failureForToken(T, { kind: 'credentialRejected', code, message });
      });
      const r = await run();
      expect(r.consent).toBe('unknown');
      expect(r.consent).not.toBe('revoked');
      expect(r.publisherFault).toMatchObject({ code });
      expect(signalled).toHaveLength(1);
      const c = classify(r);
      expect(c).toMatchObject({ cls: 'failing', audience: 'publisher' });
      expect(c.reason).toContain(code);
      expect(c.reason).not.toMatch(/revoked/i);
    });
  }

  it('a missing federated token file is a publisher fault too', async () => {
    const tf = classifyTokenError(
      Object.assign(
        new Error(
          "ENOENT: no such file or directory, open '/var/run/secrets/azure/tokens/azure-identity-token'",
        ),
        {
          name: 'AuthenticationError',
        },
      ),
    );
    expect(tf.kind).toBe('credentialRejected');
    const { run } = setup(async () => {
      throw failureForToken(T, tf);
    });
    expect((await run()).publisherFault?.code).toBe('ENOENT');
  });

  it('an unknown tenant is named with its code and the fix, as the tenant’s failing check (not revoked)', async () => {
    const { run } = setup(async () => {
      throw failureForToken(T, { kind: 'unknownTenant', code: 'AADSTS90002', message: 'Tenant not found.' });
    });
    const r = await run();
    expect(r).toMatchObject({ consent: 'unknown', verdict: 'fail', consentError: { code: 'AADSTS90002' } });
    expect(r.publisherFault).toBeUndefined();
    const c = classify(r);
    expect(c.cls).toBe('failing');
    expect(c.reason).toMatch(/check the tenant id/);
    expect(c.audience).toBeUndefined();
  });

  it('a transient failure is "unknown" and inconclusive: no incident', async () => {
    const { run } = setup(async () => {
      throw failureForToken(T, { kind: 'transient', code: 'server_error', message: 'try later' });
    });
    const r = await run();
    expect(r).toMatchObject({ consent: 'unknown', verdict: 'inconclusive' });
    expect(classify(r).cls).toBe('inconclusive');
  });

  it('a revoked consent stays revoked, for the tenant owner', async () => {
    const { run } = setup(async () => ({
      tenantId: T,
      state: 'revoked',
      checkedAt: '2026-01-01T00:00:00Z',
      grantedRoles: [],
      missingRoles: ['Calendars.ReadWrite'],
      evidence: {},
    }));
    const r = await run();
    expect(r.consent).toBe('revoked');
    expect(r.appEnabled).toBeUndefined(); // nothing looked at the service principal
    expect(classify(r)).toMatchObject({ cls: 'failing', reason: 'Admin consent is revoked.' });
  });
});

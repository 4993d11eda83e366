/**
 * checkConsent against the emulator through the real SDKs: each consent state, propagation delay, revocation
 * mid-run, and the typed failures for unknown tenants and rejected credentials.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FailureTypes } from '../../../contracts/activities';
import { graphClient, secretCredential } from '../../helpers/emulator';
import { ids, startHarness, type Harness } from './setup';

const C = ids.CONTOSO;
const APP = ids.TOGETHER_APP.appId;
const tenant = { tenantId: C.tenantId };
let h: Harness;

// A fresh emulator per test rather than control.reset(): after a reset the emulator's token endpoint still
// serves the pre-reset state (emulator/login.ts destructures `state` once), so consent granted after a reset
// never reaches tokens. Reported to the emulator's owner.
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h?.stop());

describe('checkConsent', () => {
  it('notConsented before consent: Entra refuses the token, evidence keeps the AADSTS code', async () => {
    const r = await h.activities().checkConsent({ tenant, probeUser: C.users.inScope.id });
    expect(r.state).toBe('notConsented');
    expect(r.evidence.tokenError?.code).toMatch(/^AADSTS(700016|7000229)$/);
    expect(r.missingRoles).toEqual(['Calendars.ReadWrite', 'User.ReadBasic.All']);
    expect(JSON.stringify(r)).not.toContain(ids.TOGETHER_APP.clientSecret);
  });

  it('propagating while granted roles are not yet in tokens, consented once they are', async () => {
    const a = h.activities();
    const consentedAt = new Date().toISOString();
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP, propagationSeconds: 3 });
    // Remove the fixture's Exchange scope so only Entra consent grants calendar access.
    await h.emu.control.removeExchangeScope(C.tenantId, 'contoso-together-pilot');
    const early = await a.checkConsent({ tenant, probeUser: C.users.inScope.id, consentedAt });
    expect(early.state).toBe('propagating');
    expect(early.missingRoles).toContain('Calendars.ReadWrite');
    await new Promise((r) => setTimeout(r, 3200));
    const later = await a.checkConsent({ tenant, probeUser: C.users.inScope.id, consentedAt });
    expect(later.state).toBe('consented');
    expect(later.evidence.calendarCall).toMatchObject({ ok: true, status: 200 });
    expect(later.evidence.tokenRoles).toEqual(
      expect.arrayContaining(['Calendars.ReadWrite', 'User.ReadBasic.All']),
    );
    expect(later.missingRoles).toEqual([]);
    // Results carry role names and Graph evidence, never the token or the secret.
    expect(JSON.stringify(later)).not.toMatch(/eyJ[\w-]{10,}\./);
    expect(JSON.stringify(later)).not.toContain(ids.TOGETHER_APP.clientSecret);
  });

  it('partial: a role missing after the grace period, with the missing role named', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP, roles: ['User.ReadBasic.All'] });
    await h.emu.control.removeExchangeScope(C.tenantId, 'contoso-together-pilot');
    const r = await h
      .activities()
      .checkConsent({ tenant, probeUser: C.users.inScope.id, consentedAt: '2026-01-01T00:00:00Z' });
    expect(r.state).toBe('partial');
    expect(r.missingRoles).toEqual(['Calendars.ReadWrite']);
    expect(r.evidence.calendarCall).toMatchObject({ ok: false, status: 403, code: 'ErrorAccessDenied' });
    expect(r.evidence.calendarCall?.requestId).toBeTruthy();
  });

  it('reads the service principal and its role assignments only when the fresh token lacks a required role (none per healthy check)', async () => {
    const a = h.activities();
    const spReads = async () =>
      (await h.emu.control.requests({ limit: 10_000 })).filter((e) => e.path.includes('/servicePrincipals'))
        .length;
    // Application.Read.All makes the service principal (and its assignments) readable.
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'Application.Read.All'],
    });
    const before = await spReads();
    const healthy = await a.checkConsent({ tenant, everConsented: true });
    expect(healthy.state).toBe('consented');
    expect(await spReads()).toBe(before);
    // A role missing from the token: the service principal and its assignments are read (they may hold it
    // before tokens do, and say whether the app is enabled).
    await h.emu.control.revokeConsent({ tenantId: C.tenantId, appId: APP, roles: ['Calendars.ReadWrite'] });
    const lacking = await a.checkConsent({
      tenant,
      everConsented: true,
      consentedAt: '2026-01-01T00:00:00Z',
    });
    expect(lacking.missingRoles).toEqual(['Calendars.ReadWrite']);
    expect(lacking.servicePrincipal?.enabled).toBe(true);
    expect(await spReads()).toBe(before + 2);
  });

  it('Exchange RBAC for Applications: calendar access without a Calendars role in the token is consented', async () => {
    const r = await h.activities().checkConsent({
      tenant: { tenantId: ids.FABRIKAM.tenantId },
      probeUser: ids.FABRIKAM.users.inScope.id,
    });
    expect(r.evidence.tokenRoles).toEqual(['User.ReadBasic.All']);
    expect(r.state).toBe('consented');
  });

  it('revocation mid-run: roles removed → revoked; enterprise app deleted → revoked', async () => {
    const a = h.activities();
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    await h.emu.control.removeExchangeScope(C.tenantId, 'contoso-together-pilot');
    expect((await a.checkConsent({ tenant, probeUser: C.users.inScope.id })).state).toBe('consented');
    // A probe reads calendars with a cached token meanwhile…
    await a.probeCalendars({ tenant, users: [{ id: C.users.inScope.id }], options: { freeBusy: false } });
    await h.emu.control.revokeConsent({ tenantId: C.tenantId, appId: APP, roles: ['Calendars.ReadWrite'] });
    const rolesGone = await a.checkConsent({
      tenant,
      probeUser: C.users.inScope.id,
      everConsented: true,
      consentedAt: '2026-01-01T00:00:00Z',
    });
    expect(rolesGone.state).toBe('revoked');
    expect(rolesGone.missingRoles).toEqual(['Calendars.ReadWrite']);
    await h.emu.control.revokeConsent({ tenantId: C.tenantId, appId: APP });
    const spGone = await a.checkConsent({ tenant, probeUser: C.users.inScope.id, everConsented: true });
    expect(spGone.state).toBe('revoked');
    expect(spGone.evidence.tokenError).toBeDefined();
    // Outside checkConsent, a missing consent is a permanent, typed failure.
    await expect(a.probeCalendars({ tenant, users: [{ id: C.users.inScope.id }] })).rejects.toMatchObject({
      type: FailureTypes.ConsentMissing,
      nonRetryable: true,
    });
  });

  it('enterprise app disabled by the tenant (PATCH accountEnabled=false through Graph): revoked, and a typed failure elsewhere', async () => {
    const a = h.activities();
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    expect((await a.checkConsent({ tenant, probeUser: C.users.inScope.id })).state).toBe('consented');
    // The tenant's own automation disables Together's service principal.
    const admin = graphClient(
      h.emu,
      secretCredential(h.emu, C.tenantId, ids.CONTOSO_ADMIN_APP.appId, ids.CONTOSO_ADMIN_APP.clientSecret),
    );
    const sps = (await admin.api(`/servicePrincipals?$filter=appId eq '${APP}'&$select=id`).get()) as {
      value: { id: string }[];
    };
    await admin.api(`/servicePrincipals/${sps.value[0]!.id}`).patch({ accountEnabled: false });
    const r = await a.checkConsent({ tenant, probeUser: C.users.inScope.id, everConsented: true });
    expect(r.state).toBe('revoked');
    expect(r.evidence.tokenError?.code).toBe('AADSTS7000112');
    await expect(
      h.activities().probeCalendars({ tenant, users: [{ id: C.users.inScope.id }] }),
    ).rejects.toMatchObject({
      type: FailureTypes.ConsentMissing,
      nonRetryable: true,
    });
  });

  it('unknown tenant and rejected credentials are non-retryable typed failures, without secrets in them', async () => {
    await expect(
      h.activities().checkConsent({ tenant: { tenantId: '00000000-1111-2222-3333-444444444444' } }),
    ).rejects.toMatchObject({
      type: FailureTypes.UnknownTenant,
      nonRetryable: true,
    });
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    const wrong = h.activities({ env: { TOGETHER_CLIENT_SECRET: 'EMULATOR~definitely-the-wrong-secret' } });
    const err = await wrong.checkConsent({ tenant }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: FailureTypes.CredentialRejected, nonRetryable: true });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('definitely-the-wrong-secret');
    const expired = h.activities({ env: { TOGETHER_CLIENT_SECRET: ids.TOGETHER_APP.expiredClientSecret } });
    await expect(expired.checkConsent({ tenant })).rejects.toMatchObject({
      type: FailureTypes.CredentialRejected,
    });
  });

  it('token endpoint outage is a retryable failure', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    await h.emu.control.tokenOutage(true);
    try {
      await expect(h.activities().checkConsent({ tenant })).rejects.toMatchObject({
        type: FailureTypes.Transient,
        nonRetryable: false,
      });
    } finally {
      await h.emu.control.tokenOutage(false);
    }
  });

  it('the certificate credential works through the same code path', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    const a = h.activities({
      env: { TOGETHER_CLIENT_SECRET: '', TOGETHER_CLIENT_CERTIFICATE_PATH: h.emu.appCertificatePath },
    });
    const r = await a.checkConsent({ tenant, probeUser: C.users.inScope.id });
    expect(r.state).toBe('consented');
  });
});

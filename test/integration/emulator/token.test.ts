/**
 * Token endpoint: client credentials with a secret and with a certificate-signed assertion, the claims
 * Graph needs, and Entra's AADSTS errors for each way it can fail (reference/graph.md §2.2–2.3).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreatePki } from '../../../emulator/pki';
import {
  certificateCredential,
  graphClient,
  GRAPH_SCOPE,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, CONTOSO_ADMIN_APP, FABRIKAM, PUBLISHER, TOGETHER_APP } = ids;

describe('token endpoint', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it('signs an RS256 token with aud, tid, appid, exp and roles = the app roles assigned in that tenant', async () => {
    const { token } = await secretCredential(emu, FABRIKAM.tenantId).getToken(GRAPH_SCOPE);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: FABRIKAM.tenantId,
      appid: TOGETHER_APP.appId,
      roles: ['User.ReadBasic.All'],
    });
    expect(claims.exp! - claims.iat!).toBe(3599);
  });

  it('reflects a new grant in the next token for the tenant', async () => {
    await emu.control.grantConsent({
      tenantId: FABRIKAM.tenantId,
      appId: TOGETHER_APP.appId,
      roles: ['Calendars.ReadWrite'],
    });
    const { token } = await secretCredential(emu, FABRIKAM.tenantId).getToken(GRAPH_SCOPE);
    expect(decodeJwt(token).roles).toEqual(['Calendars.ReadWrite', 'User.ReadBasic.All']);
  });

  it('issues a token to ClientCertificateCredential for the certificate registered on the app', async () => {
    const { token } = await certificateCredential(emu, PUBLISHER.tenantId).getToken(GRAPH_SCOPE);
    expect(decodeJwt(token)).toMatchObject({ tid: PUBLISHER.tenantId, appid: TOGETHER_APP.appId });
  });

  it('refuses an unknown tenant with AADSTS90002 at discovery, which MSAL reports as endpoints_resolution_error', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await fetch(`${emu.origin}/${unknown}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
    await expect(secretCredential(emu, unknown).getToken(GRAPH_SCOPE)).rejects.toThrow(
      /endpoints_resolution_error/,
    );
  });

  it('refuses a tenant where the app has no service principal (not consented) with AADSTS700016', async () => {
    await expect(secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE)).rejects.toThrow(
      /AADSTS700016/,
    );
  });

  it('refuses a wrong secret with AADSTS7000215', async () => {
    await expect(
      secretCredential(emu, PUBLISHER.tenantId, TOGETHER_APP.appId, 'not-the-secret-value-at-all').getToken(
        GRAPH_SCOPE,
      ),
    ).rejects.toThrow(/AADSTS7000215/);
  });

  it('refuses an expired secret with AADSTS7000222', async () => {
    await expect(
      secretCredential(
        emu,
        PUBLISHER.tenantId,
        TOGETHER_APP.appId,
        TOGETHER_APP.expiredClientSecret,
      ).getToken(GRAPH_SCOPE),
    ).rejects.toThrow(/AADSTS7000222/);
  });

  it('refuses a certificate that is not registered on the app with AADSTS700027 (key not found)', async () => {
    const other = await loadOrCreatePki(fs.mkdtempSync(path.join(os.tmpdir(), 'emu-other-')));
    await expect(
      certificateCredential(emu, PUBLISHER.tenantId, TOGETHER_APP.appId, other.appCertificatePath).getToken(
        GRAPH_SCOPE,
      ),
    ).rejects.toThrow(/AADSTS700027.*The key was not found/);
  });

  it('refuses a registered certificate whose keyCredential has expired with AADSTS700027 (key expired)', async () => {
    await emu.control.setCredentialEnd(
      TOGETHER_APP.appId,
      TOGETHER_APP.certificateKeyId,
      '2026-01-01T00:00:00Z',
    );
    await expect(certificateCredential(emu, PUBLISHER.tenantId).getToken(GRAPH_SCOPE)).rejects.toThrow(
      /AADSTS700027.*The key used is expired/,
    );
  });

  it('answers AADSTS7000229 in the home tenant once the app lost its service principal', async () => {
    await emu.control.revokeConsent({ tenantId: PUBLISHER.tenantId, appId: TOGETHER_APP.appId });
    await expect(secretCredential(emu, PUBLISHER.tenantId).getToken(GRAPH_SCOPE)).rejects.toThrow(
      /AADSTS7000229/,
    );
  });

  it('refuses a token with AADSTS7000112 once the tenant disables the enterprise app (PATCH accountEnabled=false)', async () => {
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    const admin = graphClient(
      emu,
      secretCredential(emu, CONTOSO.tenantId, CONTOSO_ADMIN_APP.appId, CONTOSO_ADMIN_APP.clientSecret),
    );
    await admin.api(`/servicePrincipals(appId='${TOGETHER_APP.appId}')`).patch({ accountEnabled: false });
    await expect(secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE)).rejects.toThrow(
      /AADSTS7000112/,
    );
  });

  it('fails every token request during a token endpoint outage and recovers when it ends', async () => {
    await emu.control.tokenOutage(true);
    await expect(secretCredential(emu, PUBLISHER.tenantId).getToken(GRAPH_SCOPE)).rejects.toThrow(
      /AADSTS90033|temporarily_unavailable|503/,
    );
    await emu.control.tokenOutage(false);
    await expect(secretCredential(emu, PUBLISHER.tenantId).getToken(GRAPH_SCOPE)).resolves.toHaveProperty(
      'token',
    );
  });

  it("returns Entra's error body shape (error, error_description, error_codes, trace_id, correlation_id) to raw HTTP", async () => {
    const res = await fetch(`${emu.origin}/${CONTOSO.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: TOGETHER_APP.appId,
        client_secret: TOGETHER_APP.clientSecret,
        scope: GRAPH_SCOPE,
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    expect(body.error_description).toMatch(/^AADSTS700016: Application with identifier/);
    expect(body).toHaveProperty('trace_id');
    expect(body).toHaveProperty('correlation_id');
  });
});

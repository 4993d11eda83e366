/**
 * The emulator is reachable by the real SDKs over HTTPS: MSAL (node:https) and the Graph client (fetch /
 * undici) both trust its CA in-process, child processes through NODE_EXTRA_CA_CERTS, and the Graph client
 * only attaches the bearer token to hosts listed in customHosts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  graphClient,
  GRAPH_SCOPE,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const run = promisify(execFile);

describe('emulator over HTTPS with the real SDKs', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());

  it('issues a token to ClientSecretCredential through MSAL discovery (authorityHost = emulator, no instance discovery)', async () => {
    const token = await secretCredential(emu, ids.PUBLISHER.tenantId).getToken(GRAPH_SCOPE);
    expect(token.token.split('.')).toHaveLength(3);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('serves the OpenID configuration MSAL needs, consistent with the authority', async () => {
    const res = await fetch(`${emu.origin}/${ids.CONTOSO.domain}/v2.0/.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, string>;
    expect(doc.token_endpoint).toBe(`${emu.origin}/${ids.CONTOSO.domain}/oauth2/v2.0/token`);
    expect(doc.issuer).toBe(`${emu.origin}/${ids.CONTOSO.tenantId}/v2.0`);
    expect(doc.jwks_uri).toMatch(/\/discovery\/v2\.0\/keys$/);
  });

  it('accepts its certificate for both 127.0.0.1 and localhost once trustEmulatorCa ran (fetch/undici)', async () => {
    const viaLocalhost = emu.origin.replace('127.0.0.1', 'localhost');
    for (const origin of [emu.origin, viaLocalhost]) {
      const res = await fetch(`${origin}/${ids.CONTOSO.tenantId}/discovery/v2.0/keys`);
      expect(res.status).toBe(200);
    }
  });

  it('is trusted by a child process through NODE_EXTRA_CA_CERTS', async () => {
    const script = `fetch(${JSON.stringify(`${emu.origin}/${ids.CONTOSO.tenantId}/discovery/v2.0/keys`)}).then(r => console.log(r.status), e => { console.error(e.cause?.code ?? e.message); process.exit(1); })`;
    const { stdout } = await run(process.execPath, ['-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: emu.caCertPath },
    });
    expect(stdout.trim()).toBe('200');
  });

  it('receives the bearer token from the Graph client when its host is in customHosts', async () => {
    await emu.control.grantConsent({ tenantId: ids.PUBLISHER.tenantId, appId: ids.TOGETHER_APP.appId });
    const client = graphClient(emu, secretCredential(emu, ids.PUBLISHER.tenantId));
    const me = await client.api(`/users/${ids.PUBLISHER.senderMailbox.userPrincipalName}`).select('id').get();
    expect(me.id).toBe(ids.PUBLISHER.senderMailbox.id);
  });

  it('gets no Authorization header from the Graph client without customHosts: 401 "Access token is empty."', async () => {
    const client = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(secretCredential(emu, ids.PUBLISHER.tenantId), {
        scopes: [GRAPH_SCOPE],
      }),
      baseUrl: emu.graphUrl,
      defaultVersion: 'v1.0',
    });
    await expect(client.api('/users').get()).rejects.toMatchObject({
      statusCode: 401,
      code: 'InvalidAuthenticationToken',
      message: 'Access token is empty.',
    });
  });
});

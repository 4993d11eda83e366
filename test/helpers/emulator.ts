/**
 * Integration-test helper for the Microsoft 365 emulator: start it on a random port with a fixture,
 * make this process trust its CA, and build real SDK clients pointed at it.
 *
 *   let emu: RunningEmulator;
 *   beforeAll(async () => { emu = await startTestEmulator(); });
 *   afterAll(() => emu.stop());
 */
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { AuthenticationHandler, Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { startEmulator, trustEmulatorCa, type EmulatorOptions, type RunningEmulator } from '../../emulator';
import { PUBLISHER, TOGETHER_APP } from '../../emulator/fixtures/ids';

export type { RunningEmulator } from '../../emulator';
export * as ids from '../../emulator/fixtures/ids';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Start on port 0 (random), trust the CA in-process. Call `stop()` in afterAll. */
export async function startTestEmulator(opts: Omit<EmulatorOptions, 'port'> = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({ port: 0, ...opts });
  trustEmulatorCa(emu.caCertPath);
  return emu;
}

/** ClientSecretCredential for an app in a tenant, pointed at the emulator (no instance discovery). */
export function secretCredential(
  emu: RunningEmulator,
  tenantId: string,
  clientId: string = TOGETHER_APP.appId,
  secret: string = TOGETHER_APP.clientSecret,
): ClientSecretCredential {
  return new ClientSecretCredential(tenantId, clientId, secret, {
    authorityHost: emu.loginUrl,
    disableInstanceDiscovery: true,
    // Few, quick retries: tests assert errors, they should not wait out the default back-off.
    retryOptions: { maxRetries: 1, retryDelayInMs: 50 },
  });
}

/** ClientCertificateCredential with the Together app's emulator-generated certificate. */
export function certificateCredential(
  emu: RunningEmulator,
  tenantId: string,
  clientId: string = TOGETHER_APP.appId,
  certificatePath: string = emu.appCertificatePath,
): ClientCertificateCredential {
  return new ClientCertificateCredential(tenantId, clientId, certificatePath, {
    authorityHost: emu.loginUrl,
    disableInstanceDiscovery: true,
    retryOptions: { maxRetries: 1, retryDelayInMs: 50 },
  });
}

/** The Graph client as the product uses it: baseUrl = emulator, its host in customHosts (else no bearer token). */
export function graphClient(
  emu: RunningEmulator,
  credential: TokenCredential,
  opts: { retry?: boolean } = {},
): Client {
  const host = new URL(emu.origin).hostname;
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] });
  if (opts.retry === false) {
    // A chain without RetryHandler, for tests that assert a 429/503 as Graph sends it.
    return Client.initWithMiddleware({
      baseUrl: emu.graphUrl,
      defaultVersion: 'v1.0',
      customHosts: new Set([host]),
      middleware: noRetryChain(authProvider),
    });
  }
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: emu.graphUrl,
    defaultVersion: 'v1.0',
    customHosts: new Set([host]),
  });
}

/** Authentication → HTTP only: the default chain minus RetryHandler, RedirectHandler and TelemetryHandler. */
function noRetryChain(authProvider: TokenCredentialAuthenticationProvider) {
  const auth = new AuthenticationHandler(authProvider);
  auth.setNext(new HTTPMessageHandler());
  return auth;
}

/**
 * The Graph settings a worker (or `createActivities`) needs to reach this emulator as Together's app in
 * Contoso, with notifications sent from the publisher's sender mailbox: the same variables a real
 * deployment sets (docs/activities.md), pointed at the emulator. Includes NODE_EXTRA_CA_CERTS for children.
 */
export function graphEnvFor(emu: RunningEmulator, stateDir: string): Record<string, string> {
  return {
    TOGETHER_APP_ID: TOGETHER_APP.appId,
    TOGETHER_CLIENT_SECRET: TOGETHER_APP.clientSecret,
    TOGETHER_AUTHORITY_HOST: emu.loginUrl,
    TOGETHER_GRAPH_BASE_URL: emu.graphUrl,
    TOGETHER_PUBLISHER_TENANT_ID: PUBLISHER.tenantId,
    TOGETHER_SENDER_MAILBOX: PUBLISHER.senderMailbox.userPrincipalName,
    TOGETHER_STATE_DIR: stateDir,
    NODE_EXTRA_CA_CERTS: emu.caCertPath,
  };
}

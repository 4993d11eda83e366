/**
 * The emulator as the demo and `together-o365 emulator` use it: Contoso fixture, this process trusting its
 * CA, and the worker environment that points the real Graph activities at it (certificate credential — the
 * recommended kind — registered on the fixture's Together app).
 */
import path from 'node:path';
import { CONTOSO, PUBLISHER, TOGETHER_APP } from '../emulator/fixtures/ids';
import { startEmulator, trustEmulatorCa, type EmulatorControl } from '../emulator';

export interface DemoEmulator {
  origin: string;
  loginUrl: string;
  graphUrl: string;
  caCertPath: string;
  controlToken: string;
  control: EmulatorControl;
  userCount: number;
  /** TOGETHER_* variables for a worker that should talk to this emulator (no secret values: a certificate path). */
  workerEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoEmulator(opts: {
  dir: string;
  port?: number;
  latencyMs?: number;
  fixture?: string;
}): Promise<DemoEmulator> {
  const running = await startEmulator({
    port: opts.port ?? 0,
    ...(opts.fixture ? { fixture: path.resolve(opts.fixture) } : {}),
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
  });
  trustEmulatorCa(running.caCertPath);
  return {
    origin: running.origin,
    loginUrl: running.loginUrl,
    graphUrl: running.graphUrl,
    caCertPath: running.caCertPath,
    controlToken: running.controlToken,
    control: running.control,
    userCount: CONTOSO.userCount,
    workerEnv: {
      TOGETHER_APP_ID: TOGETHER_APP.appId,
      TOGETHER_CLIENT_CERTIFICATE_PATH: running.appCertificatePath,
      TOGETHER_AUTHORITY_HOST: running.loginUrl,
      TOGETHER_DISABLE_INSTANCE_DISCOVERY: 'true',
      TOGETHER_GRAPH_BASE_URL: running.graphUrl,
      TOGETHER_PUBLISHER_TENANT_ID: PUBLISHER.tenantId,
      TOGETHER_SENDER_MAILBOX: PUBLISHER.senderMailbox.userPrincipalName,
    },
    stop: () => running.stop(),
  };
}

/**
 * `npm run emulator -- [--port 8443] [--fixture FILE] [--latency-ms N] [--persist DIR] [--realistic]`
 * Prints one JSON line when ready — {loginUrl, graphUrl, caCertPath, controlToken, …} — and stops cleanly on
 * SIGINT / SIGTERM. A broken fixture exits 2 with file, field and reason on stderr.
 */
import { Command, InvalidArgumentError } from 'commander';
import { FAULT_KINDS, faultSchema, type FaultInput } from './fixture';
import { FixtureError, startEmulator } from './index';

/** --fault ROUTE:KIND[:RATE[:COUNT]], e.g. getSchedule:429:0.1 or token:503 (repeatable). */
function fault(v: string, prev: FaultInput[] = []): FaultInput[] {
  const [route, kind, rate, count] = v.split(':');
  const parsed = faultSchema.safeParse({
    route,
    kind,
    rate: rate === undefined ? 1 : Number(rate),
    ...(count === undefined ? {} : { count: Number(count) }),
  });
  if (!parsed.success)
    throw new InvalidArgumentError(
      `--fault ROUTE:KIND[:RATE[:COUNT]] with KIND one of ${FAULT_KINDS.join(', ')} and RATE 0..1 (got "${v}").`,
    );
  return [...prev, parsed.data];
}

function int(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    return n;
  };
}

async function main(): Promise<void> {
  const program = new Command()
    .name('emulator')
    .description(
      'Local Microsoft 365 tenant (Entra token endpoint, admin consent, Microsoft Graph) over HTTPS.',
    )
    .option('--port <port>', 'port to listen on (0 = random)', int('--port', 0, 65535), 8443)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--fixture <file>', 'fixture JSON (default: emulator/fixtures/contoso.json)')
    .option(
      '--latency-ms <ms>',
      'fixed latency added to every Graph request',
      int('--latency-ms', 0, 600_000),
    )
    .option('--jitter-ms <ms>', 'random extra latency 0..N per request', int('--jitter-ms', 0, 600_000))
    .option(
      '--persist <dir>',
      'keep consent, calendars and outbox in DIR across restarts (default: in memory)',
    )
    .option('--data-dir <dir>', 'where the CA and keys live (default: .data/emulator)')
    .option(
      '--fault <route:kind[:rate[:count]]>',
      'inject a fault, e.g. getSchedule:429:0.1 (repeatable)',
      fault,
    )
    .option('--token-outage', 'every token request fails with 503 until cleared through the control API')
    .option(
      '--consent-propagation-seconds <s>',
      'delay before consented roles appear in tokens',
      int('--consent-propagation-seconds', 0, 86_400),
    )
    .option(
      '--replication-delay-seconds <s>',
      'delay before a service principal created by consent can get tokens (AADSTS700016 until then)',
      int('--replication-delay-seconds', 0, 86_400),
    )
    .option(
      '--exchange-rbac-cache-seconds <s>',
      'delay before Exchange RBAC for Applications changes apply (real: 1800-7200)',
      int('--exchange-rbac-cache-seconds', 0, 86_400),
    )
    .option(
      '--realistic',
      'real-tenant delays and limits: consent propagation, replication, the Exchange RBAC cache, directory and token throttling (see docs/emulator.md)',
    )
    .showHelpAfterError();
  program.parse();
  const o = program.opts<{
    port: number;
    host: string;
    fixture?: string;
    latencyMs?: number;
    jitterMs?: number;
    persist?: string;
    dataDir?: string;
    consentPropagationSeconds?: number;
    replicationDelaySeconds?: number;
    exchangeRbacCacheSeconds?: number;
    realistic?: boolean;
    fault?: FaultInput[];
    tokenOutage?: boolean;
  }>();

  let emu: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emu = await startEmulator({
      port: o.port,
      host: o.host,
      fixture: o.fixture,
      latencyMs: o.latencyMs,
      jitterMs: o.jitterMs,
      persistDir: o.persist,
      dataDir: o.dataDir,
      consentPropagationSeconds: o.consentPropagationSeconds,
      replicationDelaySeconds: o.replicationDelaySeconds,
      exchangeRbacCacheSeconds: o.exchangeRbacCacheSeconds,
      realistic: o.realistic,
      faults: [...(o.fault ?? []), ...(o.tokenOutage ? [{ route: 'token', kind: '503' as const }] : [])],
    });
  } catch (err) {
    if (err instanceof FixtureError) {
      console.error(
        JSON.stringify({ error: 'invalid_fixture', file: err.file, field: err.field, reason: err.reason }),
      );
      console.error(err.message);
      process.exit(2);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      console.error(
        `Port ${o.port} is already in use. Stop the other process or pass --port 0 for a random port.`,
      );
      process.exit(3);
    }
    throw err;
  }

  process.stdout.write(
    JSON.stringify({
      loginUrl: emu.loginUrl,
      graphUrl: emu.graphUrl,
      caCertPath: emu.caCertPath,
      controlToken: emu.controlToken,
      appCertificatePath: emu.appCertificatePath,
      port: emu.port,
    }) + '\n',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    emu.stop().then(
      () => {
        process.stderr.write(`emulator stopped (${signal})\n`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * The emulator's command-line options, defined once: `npm run emulator` (emulator/main.ts) and
 * `together-o365 emulator` (cli/commands/emulator.ts) both build their command with these, so the two
 * entry points accept the same flags. Imports nothing outside emulator/ (the layer rule for emulator/).
 */
import { type Command, InvalidArgumentError } from 'commander';
import { FAULT_KINDS, faultSchema, type FaultInput } from './fixture';
import type { EmulatorOptions } from './index';

export interface EmulatorFlags {
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
}

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

/** Adds the emulator's options to `command` and returns it. */
export function addEmulatorOptions(command: Command): Command {
  return command
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
    );
}

/** The startEmulator options for parsed flags. */
export function emulatorOptionsFromFlags(o: EmulatorFlags): EmulatorOptions {
  return {
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
  };
}

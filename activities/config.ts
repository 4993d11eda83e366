/**
 * Worker-side configuration of the Graph activities. It comes from the environment (or an object the worker
 * builds), never from workflow input, so no secret ever lands in Temporal history. `loadGraphConfig(env)` is the
 * only place that reads environment variables; everything else receives a validated `GraphConfig`.
 *
 * Credential kinds, in the order we recommend them:
 *  - `managedIdentity`: a user-assigned managed identity (or workload identity) whose token for
 *    `api://AzureADTokenExchange` is the federated assertion for the app (no secret at all);
 *  - `certificate`: a PEM file with the private key and certificate registered on the app;
 *  - `secret`: a client secret (development, or when nothing else is possible; monitor its end date).
 * Emulator mode is configuration only: an https authority host, `disableInstanceDiscovery`, a Graph base URL
 * whose host goes into the Graph client's `customHosts`. The code path is the production one.
 */
import { z } from 'zod';
import { ConfigError } from '../contracts/errors';
import { GUID } from '../contracts/validation';

const httpsUrl = z
  .string()
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL (MSAL and the Graph client refuse http)');

export const credentialProfileSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('certificate'),
    /** PEM file holding the private key and the certificate (what ClientCertificateCredential reads). */
    certificatePath: z.string().min(1),
    certificatePassword: z.string().optional(),
    /** Send the x5c chain (subject name + issuer auth). */
    sendCertificateChain: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('managedIdentity'),
    /** Client id of the user-assigned managed identity whose token is the federated assertion. */
    managedIdentityClientId: z.string().min(1),
    /** Audience of the assertion; public cloud default. */
    assertionAudience: z.string().default('api://AzureADTokenExchange'),
  }),
  z.object({
    kind: z.literal('workloadIdentity'),
    /** File with the federated token (AKS workload identity); AZURE_FEDERATED_TOKEN_FILE. */
    tokenFilePath: z.string().min(1),
  }),
  z.object({
    kind: z.literal('secret'),
    clientSecret: z.string().min(1),
  }),
]);
export type CredentialProfile = z.infer<typeof credentialProfileSchema>;

export const graphConfigSchema = z.object({
  /** Application (client) id of Together's multi-tenant app. */
  appId: z.string().regex(GUID, 'must be a GUID (the app registration client id)'),
  /** Credential profiles by name; TenantRef.credentialRef picks one ('default' if absent). */
  credentials: z
    .record(z.string(), credentialProfileSchema)
    .refine((c) => Object.keys(c).length > 0, 'at least one credential profile is required'),
  /** Entra authority host; default https://login.microsoftonline.com. Set to the emulator's origin for tests. */
  authorityHost: httpsUrl.optional(),
  /** Skip instance discovery and authority validation (required for the emulator or a private cloud). */
  disableInstanceDiscovery: z.boolean().default(false),
  /** Graph base URL (origin, optionally with a trailing path); default https://graph.microsoft.com/. */
  graphBaseUrl: httpsUrl.default('https://graph.microsoft.com/'),
  /** The publisher's own tenant (home of the app registration and of the sender mailbox). */
  publisherTenantId: z.string().regex(GUID, 'must be a GUID').optional(),
  /** Mailbox (UPN or id) in the publisher tenant that sends owner notifications. */
  senderMailbox: z.string().min(3).optional(),
  /**
   * How a resent email is avoided when a worker dies between Graph accepting it and the activity completing:
   * `mailbox` (default: draft-then-send; the sender mailbox itself records what was sent, shared by every
   * replica and surviving any crash; needs Application Mail.ReadWrite + Mail.Send scoped to the sender mailbox)
   * or `store` (opt-out: the idempotency store only — exactly once per host only, a crash after Graph accepted
   * the mail sends it again). See activities/notify/mailbox-once.ts.
   */
  mailDedup: z
    .enum(['store', 'mailbox'], {
      error: () =>
        "must be 'mailbox' (default, exactly once across replicas) or 'store' (exactly once per host only)",
    })
    .default('mailbox'),
  /**
   * The notification idempotency records and lock shared by every worker replica (activities/notify/table-store.ts):
   * an Azure Table reached with Entra auth (DefaultAzureCredential: the managed identity) at `url`
   * (`https://<account>.table.core.windows.net/<table>`), or a connection string (Azurite, development) and a table
   * name. Unset: files under stateDir (one host only). Email is deduplicated by the mailbox anyway; this record is
   * what makes the webhook (and every retry) exact across replicas.
   */
  notifyTable: z
    .object({
      url: z
        .string()
        .refine((u) => {
          try {
            const x = new URL(u);
            return x.protocol === 'https:' && /^\/[A-Za-z][A-Za-z0-9]{2,62}\/?$/.test(x.pathname);
          } catch {
            return false;
          }
        }, "must be the table's https URL ending with the table name (letters and digits, 3–63), e.g. https://<account>.table.core.windows.net/togethernotifications")
        .optional(),
      connectionString: z
        .string()
        .refine((s) => /TableEndpoint=|UseDevelopmentStorage=true/i.test(s), {
          message: 'must be a storage connection string with a TableEndpoint (or UseDevelopmentStorage=true)',
        })
        .optional(),
      table: z
        .string()
        .regex(
          /^[A-Za-z][A-Za-z0-9]{2,62}$/,
          'must be a table name: letters and digits, 3–63, starting with a letter',
        )
        .default('togethernotifications'),
    })
    .refine((t) => !(t.url && t.connectionString), {
      message:
        'set either the table URL (production, managed identity) or the connection string (Azurite), not both',
    })
    .optional(),
  /** Optional signed webhook for notifications. */
  webhookUrl: z.string().url().optional(),
  webhookSecret: z.string().min(16, 'webhook secret must be at least 16 characters').optional(),
  /**
   * The publisher's operators (emails): they, not a tenant's owner, hear about problems on Together's side, such
   * as Entra rejecting the app's own credential (TOGETHER_PUBLISHER_OPERATORS, comma-separated).
   */
  publisherOperators: z.array(z.string().email('must be an email address')).default([]),
  /** The console's base URL, for the links in emails (consent through /consent/start, the status page). */
  consoleUrl: z.string().url().optional(),
  /** Designated probe mailboxes for the capability probe (UPNs or ids). */
  probeMailboxes: z.array(z.string().min(3)).default([]),
  /** Directory for durable worker-local state (the notification idempotency records). */
  stateDir: z.string().min(1).default('.data/activities'),
  /** Probe defaults (workflow input may override concurrency/retries per call). */
  probe: z
    .object({
      /**
       * Batches in flight per probe activity; unset = all of them. Microsoft's 4-concurrent rule is per app and
       * mailbox (the per-mailbox limiter enforces it), and Graph dispatches the items of one $batch to Outlook
       * four at a time whatever their mailboxes, so an app-wide cap here only adds latency (issue 15).
       */
      concurrency: z.number().int().min(1).max(1000).optional(),
      /**
       * Worker-wide Graph requests per 10 s (activities/graph/budget.ts), under Graph's app-wide 130,000 per
       * 10 s across all tenants (learn.microsoft.com/graph/throttling-limits). Divide among workers.
       */
      requestsPer10Seconds: z.number().int().min(1).max(130_000).default(100_000),
      maxRetries: z.number().int().min(0).max(10).default(4),
      perMailboxConcurrency: z.number().int().min(1).max(4).default(4),
      /** Upper bound for one Retry-After wait, seconds; longer waits end the retries (item is `throttled`). */
      maxRetryAfterSeconds: z.number().min(0).default(120),
    })
    .prefault({}),
});
export type GraphConfig = z.infer<typeof graphConfigSchema>;
export type GraphConfigInput = z.input<typeof graphConfigSchema>;

/** The environment variables `loadGraphConfig` reads (documented in docs/activities.md). */
export const ENV = {
  appId: 'TOGETHER_APP_ID',
  authorityHost: 'TOGETHER_AUTHORITY_HOST',
  disableInstanceDiscovery: 'TOGETHER_DISABLE_INSTANCE_DISCOVERY',
  graphBaseUrl: 'TOGETHER_GRAPH_BASE_URL',
  certificatePath: 'TOGETHER_CLIENT_CERTIFICATE_PATH',
  certificatePassword: 'TOGETHER_CLIENT_CERTIFICATE_PASSWORD',
  clientSecret: 'TOGETHER_CLIENT_SECRET',
  federatedMiClientId: 'TOGETHER_FEDERATED_MI_CLIENT_ID',
  federatedTokenFile: 'TOGETHER_FEDERATED_TOKEN_FILE',
  senderMailbox: 'TOGETHER_SENDER_MAILBOX',
  publisherTenantId: 'TOGETHER_PUBLISHER_TENANT_ID',
  webhookUrl: 'TOGETHER_WEBHOOK_URL',
  mailDedup: 'TOGETHER_MAIL_DEDUP',
  notifyTableUrl: 'TOGETHER_NOTIFY_TABLE_URL',
  notifyTableConnectionString: 'TOGETHER_NOTIFY_TABLE_CONNECTION_STRING',
  notifyTable: 'TOGETHER_NOTIFY_TABLE',
  webhookSecret: 'TOGETHER_WEBHOOK_SECRET',
  probeMailboxes: 'TOGETHER_PROBE_MAILBOXES',
  publisherOperators: 'TOGETHER_PUBLISHER_OPERATORS',
  consoleUrl: 'TOGETHER_CONSOLE_URL',
  stateDir: 'TOGETHER_STATE_DIR',
  probeConcurrency: 'TOGETHER_PROBE_CONCURRENCY',
  requestsPer10Seconds: 'TOGETHER_GRAPH_REQUESTS_PER_10S',
  maxRetries: 'TOGETHER_GRAPH_MAX_RETRIES',
} as const;

export class ConfigurationError extends ConfigError {
  override name = 'ConfigurationError';
}

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  return /^(1|true|yes|on)$/i.test(v);
}

/**
 * Build the configuration from environment variables. Credential precedence when several are set:
 * federated managed identity > workload identity token file > certificate > secret (the most secure wins).
 * If the authority host is not Microsoft's, instance discovery is disabled unless explicitly set.
 * Throws ConfigurationError naming the variable (never its value).
 */
export function loadGraphConfig(env: Record<string, string | undefined> = process.env): GraphConfig {
  const get = (k: keyof typeof ENV) => {
    const v = env[ENV[k]];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  let credential: CredentialProfile | undefined;
  if (get('federatedMiClientId')) {
    credential = {
      kind: 'managedIdentity',
      managedIdentityClientId: get('federatedMiClientId')!,
      assertionAudience: 'api://AzureADTokenExchange',
    };
  } else if (get('federatedTokenFile')) {
    credential = { kind: 'workloadIdentity', tokenFilePath: get('federatedTokenFile')! };
  } else if (get('certificatePath')) {
    credential = {
      kind: 'certificate',
      certificatePath: get('certificatePath')!,
      ...(get('certificatePassword') ? { certificatePassword: get('certificatePassword')! } : {}),
    };
  } else if (get('clientSecret')) {
    credential = { kind: 'secret', clientSecret: get('clientSecret')! };
  }
  // Problems the schema cannot see, gathered with its own so one run reports every one (parseGraphConfig).
  const problems: string[] = [];
  if (!credential) {
    problems.push(
      `No credential configured: set ${ENV.certificatePath} (preferred), ${ENV.federatedMiClientId}, ` +
        `${ENV.federatedTokenFile} or ${ENV.clientSecret}.`,
    );
  }
  const authorityHost = get('authorityHost');
  const explicitDisable = bool(get('disableInstanceDiscovery'));
  const nonMicrosoftAuthority =
    authorityHost !== undefined &&
    !/^https:\/\/login\.(microsoftonline\.(com|us)|chinacloudapi\.cn|partner\.microsoftonline\.cn)\/?$/i.test(
      authorityHost,
    );
  if (get('notifyTable') && !get('notifyTableUrl') && !get('notifyTableConnectionString')) {
    problems.push(
      `${ENV.notifyTable} is set but neither ${ENV.notifyTableUrl} nor ${ENV.notifyTableConnectionString} is: ` +
        `set the table URL (production) or the connection string (Azurite), or unset ${ENV.notifyTable}.`,
    );
  }
  const probeConcurrency = get('probeConcurrency');
  const maxRetries = get('maxRetries');
  const requestsPer10Seconds = get('requestsPer10Seconds');
  const input: GraphConfigInput = {
    appId: get('appId') ?? '',
    // No credential is already a problem above; a placeholder lets the schema check everything else too.
    credentials: { default: credential ?? { kind: 'secret', clientSecret: 'unset' } },
    authorityHost,
    disableInstanceDiscovery: explicitDisable ?? nonMicrosoftAuthority,
    graphBaseUrl: get('graphBaseUrl'),
    publisherTenantId: get('publisherTenantId'),
    senderMailbox: get('senderMailbox'),
    webhookUrl: get('webhookUrl'),
    ...(get('mailDedup') ? { mailDedup: get('mailDedup') as 'store' | 'mailbox' } : {}),
    ...(get('notifyTableUrl') || get('notifyTableConnectionString')
      ? {
          notifyTable: {
            url: get('notifyTableUrl'),
            connectionString: get('notifyTableConnectionString'),
            table: get('notifyTable'),
          },
        }
      : {}),
    webhookSecret: get('webhookSecret'),
    publisherOperators: (get('publisherOperators') ?? '')
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean),
    consoleUrl: get('consoleUrl'),
    probeMailboxes: (get('probeMailboxes') ?? '')
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean),
    stateDir: get('stateDir'),
    probe: {
      ...(probeConcurrency ? { concurrency: Number(probeConcurrency) } : {}),
      ...(maxRetries ? { maxRetries: Number(maxRetries) } : {}),
      ...(requestsPer10Seconds ? { requestsPer10Seconds: Number(requestsPer10Seconds) } : {}),
    },
  };
  return parseGraphConfig(input, (path) => envNameFor(path), problems);
}

function envNameFor(path: string): string {
  const map: Record<string, string> = {
    appId: ENV.appId,
    authorityHost: ENV.authorityHost,
    graphBaseUrl: ENV.graphBaseUrl,
    publisherTenantId: ENV.publisherTenantId,
    senderMailbox: ENV.senderMailbox,
    mailDedup: ENV.mailDedup,
    'notifyTable.url': ENV.notifyTableUrl,
    'notifyTable.connectionString': ENV.notifyTableConnectionString,
    'notifyTable.table': ENV.notifyTable,
    notifyTable: `${ENV.notifyTableUrl} / ${ENV.notifyTableConnectionString}`,
    webhookUrl: ENV.webhookUrl,
    webhookSecret: ENV.webhookSecret,
    publisherOperators: ENV.publisherOperators,
    consoleUrl: ENV.consoleUrl,
    'probe.concurrency': ENV.probeConcurrency,
    'probe.maxRetries': ENV.maxRetries,
    'probe.requestsPer10Seconds': ENV.requestsPer10Seconds,
  };
  return map[path] ?? path;
}

/** Validate a configuration object (the worker may build one itself, e.g. with several credential profiles). */
export function parseGraphConfig(
  input: GraphConfigInput,
  name: (path: string) => string = (p) => p,
  /** Problems the caller found before the schema (reported together with the schema's). */
  earlier: string[] = [],
): GraphConfig {
  const parsed = graphConfigSchema.safeParse(input);
  // Issue messages name the field and the rule; zod does not echo input values for these checks.
  const problems = [
    ...earlier,
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${name(i.path.join('.')) || '(root)'}: ${i.message}`)),
  ];
  if (input.webhookUrl && !input.webhookSecret)
    problems.push(
      `${name('webhookUrl')} is set but ${name('webhookSecret')} is not: webhooks are always signed.`,
    );
  if (problems.length === 1)
    throw new ConfigurationError(`Invalid Graph activities configuration — ${problems[0]}`);
  if (problems.length > 1)
    throw new ConfigurationError(
      `Invalid Graph activities configuration — ${problems.length} problems: ${problems.map((p, i) => `(${i + 1}) ${p}`).join('; ')}`,
    );
  return parsed.data!;
}

/** The Graph host names to pass as the Graph client's `customHosts` (empty for Microsoft's own hosts). */
export function customHostsFor(graphBaseUrl: string): Set<string> | undefined {
  const host = new URL(graphBaseUrl).hostname;
  const known = [
    'graph.microsoft.com',
    'graph.microsoft.us',
    'dod-graph.microsoft.us',
    'microsoftgraph.chinacloudapi.cn',
    'canary.graph.microsoft.com',
  ];
  return known.includes(host) ? undefined : new Set([host]);
}

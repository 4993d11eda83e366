/**
 * A local Microsoft 365 tenant for tests and the demo: one HTTPS origin serving Entra (token endpoint,
 * OpenID discovery, admin consent) and Microsoft Graph v1.0, with its own CA. In memory by default; a
 * persist directory keeps consent, calendars and the outbox across restarts. See docs/emulator.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { EmulatorControl, registerControl } from './control';
import { createControlHooks } from './controlHooks';
import {
  DEFAULT_FIXTURE_PATH,
  loadFixture,
  type FaultInput,
  type Fixture,
  type FixtureObject,
} from './fixture';
import { handleGraph, MALFORMED_JSON, type GraphContext } from './graph';
import { registerLogin } from './login';
import { loadOrCreatePki } from './pki';
import { Clock } from './clock';
import { DEFAULT_PROFILE, REALISTIC_PROFILE } from './profile';
import { FaultInjector, Latency, MailboxLimiter, RateLimiter, RequestLog } from './runtime';
import { FileStatePersistence, inMemoryPersistence, type StatePersistence } from './persistence';
import { EmulatorState, keyCredential } from './state';
import { TokenService } from './tokens';
import { limitsSchema, type Limits } from './fixture';

export type { FaultInput, FixtureObject } from './fixture';
export { FixtureError } from './fixture';
export { EmulatorControl, ControlError } from './control';
export type { RequestLogEntry } from './runtime';
export type { OutboxMessage } from './state';

export interface EmulatorOptions {
  /** 0 = a random free port (tests). The command line defaults to 8443. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Fixture file path or object; default emulator/fixtures/contoso.json. */
  fixture?: string | FixtureObject;
  /** Fixed latency added to every Graph request (and every $batch item). Overrides the fixture. */
  latencyMs?: number;
  /** Uniform random extra latency 0..jitterMs. */
  jitterMs?: number;
  /** Keep consent, calendars, Exchange scopes and the outbox in DIR/state.json across restarts. */
  persistDir?: string;
  /** Where the CA, server certificate and keys live; default <repo>/.data/emulator. */
  dataDir?: string;
  /** Seconds before newly consented roles appear in tokens (real tenants lag up to an hour). Default 0. */
  consentPropagationSeconds?: number;
  /** Seconds before a service principal created by consent is seen by the token endpoint. Default 0. */
  replicationDelaySeconds?: number;
  /** Seconds before Exchange RBAC for Applications changes apply (real: 30 min – 2 h). Default 0. */
  exchangeRbacCacheSeconds?: number;
  /** Real-tenant delays and limits (profile.ts) instead of none; explicit options and the fixture still win. */
  realistic?: boolean;
  /** Faults to inject from the start, added to the fixture's (see docs/emulator.md, "Fault injection"). */
  faults?: FaultInput[];
}

export interface RunningEmulator {
  /** https://127.0.0.1:PORT */
  origin: string;
  /** The authorityHost for @azure/identity (same as origin). */
  loginUrl: string;
  /** The Graph base URL for the Graph client: `${origin}/` (version v1.0 is added by the client). */
  graphUrl: string;
  /** The emulator's CA (PEM): trust it with NODE_EXTRA_CA_CERTS or `trustEmulatorCa`. */
  caCertPath: string;
  /** PEM (certificate + private key) registered on the Together app, for ClientCertificateCredential. */
  appCertificatePath: string;
  /** Bearer token for /_emulator/. */
  controlToken: string;
  control: EmulatorControl;
  port: number;
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data', 'emulator');

const trusted = new Set<string>();
/**
 * Make THIS process trust the emulator CA: both node:https (MSAL / @azure/identity) and fetch (undici,
 * used by the Graph client) read the default CA list that Node 22's tls.setDefaultCACertificates sets.
 * Child processes get NODE_EXTRA_CA_CERTS=<caCertPath> instead.
 */
export function trustEmulatorCa(caCertPath: string): void {
  const pem = fs.readFileSync(caCertPath, 'utf8').trim();
  if (trusted.has(pem)) return;
  trusted.add(pem);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), pem]);
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const dataDir = path.resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const pki = await loadOrCreatePki(dataDir);
  const certs = { generated: { 'generated:together': pki.appCertificatePem } };

  let fixtureSource: string | FixtureObject = opts.fixture ?? DEFAULT_FIXTURE_PATH;
  let fixture: Fixture = loadFixture(fixtureSource).fixture;
  const build = (fx: Fixture) => {
    let s: EmulatorState;
    try {
      s = EmulatorState.fromFixture(fx, certs);
    } catch (err) {
      throw new Error(
        `Invalid emulator fixture ${typeof fixtureSource === 'string' ? fixtureSource : '(inline fixture)'}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    s.now = () => clock.now();
    s.consentPropagationMs =
      (opts.consentPropagationSeconds ?? fx.consentPropagationSeconds ?? profile.consentPropagationSeconds) *
      1000;
    s.replicationDelayMs =
      (opts.replicationDelaySeconds ?? fx.replicationDelaySeconds ?? profile.replicationDelaySeconds) * 1000;
    s.exchangeRbacCacheMs =
      (opts.exchangeRbacCacheSeconds ?? fx.exchangeRbacCacheSeconds ?? profile.exchangeRbacCacheSeconds) *
      1000;
    return s;
  };
  const profile = opts.realistic ? REALISTIC_PROFILE : DEFAULT_PROFILE;
  const clock = new Clock();
  let state = build(fixture);
  const tokens = new TokenService(pki);
  const limitsOf = (fx: Fixture) => limitsSchema.parse({ ...profile.limits, ...fx.limits });
  const limiter = new MailboxLimiter(limitsOf(fixture));
  const directoryLimiter = new RateLimiter(undefined, 10);
  const tokenLimiter = new RateLimiter(undefined, 60);
  const applyLimits = (l: Limits): Limits => {
    limiter.limits = l;
    limiter.reset();
    directoryLimiter.limit = l.directoryRequestsPerWindow;
    directoryLimiter.windowSeconds = l.directoryWindowSeconds;
    directoryLimiter.reset();
    tokenLimiter.limit = l.tokenRequestsPerWindow;
    tokenLimiter.windowSeconds = l.tokenWindowSeconds;
    tokenLimiter.reset();
    return l;
  };
  applyLimits(limitsOf(fixture));
  const faults = new FaultInjector([...fixture.faults, ...(opts.faults ?? [])]);
  const latency = new Latency(
    opts.latencyMs ?? fixture.latencyMs ?? 0,
    opts.jitterMs ?? fixture.jitterMs ?? 0,
  );
  const log = new RequestLog();
  const controlToken = randomBytes(24).toString('base64url');
  let origin = '';

  // ---------------------------------------------------------------- persistence
  const persistence: StatePersistence = opts.persistDir
    ? new FileStatePersistence(opts.persistDir)
    : inMemoryPersistence;
  const fixtureHash = () => createHash('sha256').update(JSON.stringify(fixture)).digest('hex');
  let dirty = false;
  const changed = () => {
    dirty = true;
  };
  const save = () => {
    persistence.save(state, fixtureHash());
    dirty = false;
  };
  persistence.restore(state, fixtureHash());
  const saver = opts.persistDir
    ? setInterval(() => {
        if (dirty) save();
      }, 1000).unref()
    : undefined;

  // ---------------------------------------------------------------- server
  const app: FastifyInstance = Fastify({
    https: { key: pki.serverKeyPem, cert: pki.serverCertPem },
    logger: false,
    bodyLimit: 4 * 1024 * 1024,
    forceCloseConnections: true,
    // Graph URLs such as /servicePrincipals(appId='…') and $batch must reach the router untouched.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });
  await app.register(formbody);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(null, MALFORMED_JSON);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) =>
    done(null, String(body).trim() ? MALFORMED_JSON : undefined),
  );

  const graphCtx: GraphContext = {
    get state() {
      return state;
    },
    tokens,
    limiter,
    directoryLimiter,
    faults,
    latency,
    log,
    origin: () => origin,
  };
  registerLogin(app, {
    get state() {
      return state;
    },
    tokens,
    faults,
    log,
    origin: () => origin,
    changed,
    tokenLimiter,
    clock,
  });

  app.all('/v1.0/*', async (req, reply) => {
    const url = new URL(req.url, 'https://emulator.invalid');
    const rawPath = url.pathname.slice('/v1.0'.length) || '/';
    let pathname: string;
    try {
      pathname = rawPath.split('/').map(decodeURIComponent).join('/');
    } catch {
      pathname = rawPath;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers))
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const r = await handleGraph(graphCtx, {
      method: req.method,
      path: pathname,
      query: url.searchParams,
      headers,
      body: req.body,
    });
    if (r.reset) {
      req.raw.socket.destroy();
      return reply;
    }
    if (req.method !== 'GET' && r.status < 400) changed();
    reply.code(r.status).headers(r.headers);
    return r.body === undefined ? reply.send() : reply.send(JSON.stringify(r.body));
  });

  app.setNotFoundHandler((req, reply) => {
    const requestId = randomBytes(16).toString('hex');
    void reply.code(404).send({
      error: {
        code: 'NotFound',
        message: `No route ${req.method} ${req.url.split('?')[0]} on the Microsoft 365 emulator. Graph lives under /v1.0/, login under /{tenant}/oauth2/v2.0/token and /{tenant}/v2.0/adminconsent.`,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    });
  });
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const requestId = randomBytes(16).toString('hex');
    void reply.code(status >= 400 ? status : 500).send({
      error: {
        code: status === 413 ? 'RequestEntityTooLarge' : status < 500 ? 'BadRequest' : 'generalException',
        message: err instanceof Error ? err.message : String(err),
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    });
    if (status >= 500)
      process.emitWarning(
        `emulator: ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`,
      );
  });

  // ---------------------------------------------------------------- control hooks
  const resetTo = (fx: Fixture) => {
    fixture = fx;
    state = build(fx);
    applyLimits(limitsOf(fx));
    faults.set([...fx.faults, ...(opts.faults ?? [])]);
    latency.ms = opts.latencyMs ?? fx.latencyMs ?? 0;
    latency.jitterMs = opts.jitterMs ?? fx.jitterMs ?? 0;
    log.clear();
    changed();
  };
  const hooks = createControlHooks({
    token: controlToken,
    state: () => state,
    reset: () => resetTo(loadFixture(fixtureSource).fixture),
    load: (fx) => {
      const loaded = loadFixture(fx).fixture;
      fixtureSource = fx;
      resetTo(loaded);
    },
    changed,
    limiter,
    faults,
    latency,
    log,
    clock,
    applyLimits,
  });
  registerControl(app, hooks);

  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  origin = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const control = new EmulatorControl(origin, controlToken, pki.caCertPem);

  let stopped = false;
  return {
    origin,
    loginUrl: origin,
    graphUrl: `${origin}/`,
    caCertPath: pki.caCertPath,
    appCertificatePath: pki.appCertificatePath,
    controlToken,
    control,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (saver) clearInterval(saver);
      control.close();
      await app.close();
      if (opts.persistDir) save();
    },
  };
}

export { keyCredential };

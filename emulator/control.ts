/**
 * The control API under /_emulator/ (loopback only, `Authorization: Bearer <controlToken>`), in the spirit
 * of LocalStack's /_localstack/chaos: reset, load a fixture, grant or revoke consent, Exchange scopes,
 * faults, latency, limits, the request log and the outbox. `EmulatorControl` is its typed client.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { faultSchema, limitsSchema, type FaultInput, type FixtureObject, type Limits } from './fixture';
import { EXCHANGE_APP_ROLES, KNOWN_ROLE_VALUES } from './permissions';
import type { ActiveFault, RequestLogEntry } from './runtime';
import type { EmulatorState, OutboxMessage } from './state';
import { registerDelegatedControl } from './controlDelegated';

export interface ExchangeScopeView {
  id: string;
  appId: string;
  role: string;
  groupId: string;
  /** When Exchange starts applying it (after the RBAC cache delay). */
  activeFrom: string;
  /** Set once removed: Exchange keeps applying it until then. */
  activeUntil: string | null;
}

export interface ClockView {
  now: string;
  offsetSeconds: number;
}

export interface ControlHooks {
  token: string;
  reset(): Promise<void>;
  loadFixture(fixture: FixtureObject): Promise<void>;
  grantConsent(input: { tenantId: string; appId: string; roles?: string[]; propagationSeconds?: number }): {
    servicePrincipalId: string;
    granted: string[];
    visibleAt: string;
  };
  revokeConsent(input: { tenantId: string; appId: string; roles?: string[] }): {
    removed: number;
    servicePrincipalDeleted: boolean;
  };
  consentState(tenantId: string, appId: string): ConsentStateView;
  addExchangeScope(input: { tenantId: string; appId: string; role: string; groupId: string; id?: string }): {
    id: string;
    activeFrom: string;
  };
  removeExchangeScope(tenantId: string, id: string): boolean;
  listExchangeScopes(tenantId: string): ExchangeScopeView[];
  clock(): ClockView;
  advanceClock(seconds: number): ClockView;
  setFaults(faults: FaultInput[]): void;
  addFault(fault: FaultInput): void;
  listFaults(): ActiveFault[];
  setLatency(ms: number, jitterMs: number): void;
  setLimits(limits: Partial<Limits>): Limits;
  setUser(
    tenantId: string,
    userId: string,
    patch: {
      accountEnabled?: boolean;
      mailbox?: string;
      teams?: boolean;
      allowedOnlineMeetingProviders?: string[];
    },
  ): boolean;
  setCredentialEnd(appId: string, keyId: string, endDateTime: string): boolean;
  /** Adds redirect URIs to an app registration (what `PATCH /applications/{id}` with web.redirectUris does). */
  addRedirectUris(appId: string, uris: string[]): string[] | undefined;
  requests(filter: { since?: number; route?: string; limit?: number }): RequestLogEntry[];
  clearRequests(): void;
  outbox(): OutboxMessage[];
  clearOutbox(): void;
  /** For the delegated-access routes (controlDelegated.ts). */
  delegated: { state: () => EmulatorState; changed: () => void };
}

export interface ConsentStateView {
  servicePrincipalId: string | null;
  accountEnabled: boolean | null;
  /** Roles in tokens issued now. */
  effectiveRoles: string[];
  /** Roles granted but still propagating. */
  pendingRoles: string[];
}

const guid = z.string().regex(/^[0-9a-f-]{36}$/i, 'must be a GUID');
const role = z.string().refine((r) => KNOWN_ROLE_VALUES.includes(r), {
  message: `must be one of ${KNOWN_ROLE_VALUES.join(', ')}`,
});
const schemas = {
  consent: z.strictObject({
    tenantId: z.string().min(1),
    appId: guid,
    roles: z.array(role).optional(),
    propagationSeconds: z.number().min(0).optional(),
  }),
  revoke: z.strictObject({ tenantId: z.string().min(1), appId: guid, roles: z.array(role).optional() }),
  scope: z.strictObject({
    tenantId: z.string().min(1),
    appId: guid,
    role: z.string().refine((r) => r in EXCHANGE_APP_ROLES, {
      message: `must be one of ${Object.keys(EXCHANGE_APP_ROLES).join(', ')}`,
    }),
    groupId: guid,
    id: z.string().min(1).optional(),
  }),
  faults: z.strictObject({ faults: z.array(faultSchema) }),
  latency: z.strictObject({
    latencyMs: z.number().int().min(0),
    jitterMs: z.number().int().min(0).default(0),
  }),
  limits: limitsSchema.partial(),
  advance: z.strictObject({
    seconds: z
      .number()
      .min(0)
      .max(30 * 86_400),
  }),
  user: z.strictObject({
    accountEnabled: z.boolean().optional(),
    mailbox: z.enum(['exchangeOnline', 'unlicensed', 'onPremises', 'none']).optional(),
    /** false: no Teams licence (online meetings get no join URL). */
    teams: z.boolean().optional(),
    allowedOnlineMeetingProviders: z
      .array(z.enum(['teamsForBusiness', 'skypeForBusiness', 'skypeForConsumer']))
      .optional(),
  }),
  redirectUris: z.strictObject({
    uris: z
      .array(
        z.url({ message: 'must be an absolute URL' }).refine((u) => /^https?:/.test(u), 'must be http(s)'),
      )
      .min(1),
  }),
  credential: z.strictObject({
    endDateTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date-time'),
  }),
};

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

export function registerControl(f: FastifyInstance, hooks: ControlHooks): void {
  const expected = Buffer.from(`Bearer ${hooks.token}`);
  f.register(
    async (api) => {
      api.addHook('onRequest', async (req, reply) => {
        if (!isLoopback(req.socket.remoteAddress))
          return reply
            .code(403)
            .send({ error: 'forbidden', message: 'The control API answers loopback clients only.' });
        const got = Buffer.from(req.headers.authorization ?? '');
        if (got.length !== expected.length || !timingSafeEqual(got, expected))
          return reply.code(401).send({
            error: 'unauthorized',
            message: 'Send Authorization: Bearer <controlToken> (printed at start).',
          });
      });
      const parse = <T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined => {
        const r = schema.safeParse(body ?? {});
        if (r.success) return r.data;
        const i = r.error.issues[0]!;
        void reply.code(400).send({ error: 'invalid_request', field: i.path.join('.'), message: i.message });
        return undefined;
      };
      const guard = async (reply: FastifyReply, fn: () => unknown) => {
        try {
          const out = await fn();
          return reply.send(out ?? { ok: true });
        } catch (err) {
          const e = err as Error & { field?: string; file?: string; reason?: string };
          return reply.code(400).send({
            error: 'invalid_request',
            message: e.message,
            ...(e.field !== undefined ? { field: e.field, reason: e.reason } : {}),
          });
        }
      };

      api.get('/health', async () => ({ ok: true }));
      api.post('/reset', async (_req, reply) => guard(reply, () => hooks.reset()));
      api.post('/fixture', async (req, reply) =>
        guard(reply, () => hooks.loadFixture(req.body as FixtureObject)),
      );

      api.post('/consent', async (req, reply) => {
        const b = parse(schemas.consent, req.body, reply);
        return b && guard(reply, () => hooks.grantConsent(b));
      });
      api.delete('/consent', async (req, reply) => {
        const b = parse(schemas.revoke, req.body, reply);
        return b && guard(reply, () => hooks.revokeConsent(b));
      });
      api.get(
        '/consent',
        async (req: FastifyRequest<{ Querystring: { tenantId?: string; appId?: string } }>, reply) =>
          guard(reply, () => hooks.consentState(req.query.tenantId ?? '', req.query.appId ?? '')),
      );

      api.get(
        '/exchange-scopes',
        async (req: FastifyRequest<{ Querystring: { tenantId?: string } }>, reply) =>
          guard(reply, () => hooks.listExchangeScopes(req.query.tenantId ?? '')),
      );
      api.post('/exchange-scopes', async (req, reply) => {
        const b = parse(schemas.scope, req.body, reply);
        return b && guard(reply, () => hooks.addExchangeScope(b));
      });
      api.delete(
        '/exchange-scopes/:id',
        async (req: FastifyRequest<{ Params: { id: string }; Querystring: { tenantId?: string } }>, reply) =>
          guard(reply, () => {
            if (!hooks.removeExchangeScope(req.query.tenantId ?? '', req.params.id))
              throw new Error(
                `no Exchange scope ${req.params.id} in tenant ${req.query.tenantId ?? '(missing ?tenantId=)'}`,
              );
            return { ok: true };
          }),
      );

      api.get('/faults', async () => hooks.listFaults());
      api.put('/faults', async (req, reply) => {
        const b = parse(schemas.faults, req.body, reply);
        return b && guard(reply, () => hooks.setFaults(b.faults));
      });
      api.post('/faults', async (req, reply) => {
        const b = parse(faultSchema, req.body, reply);
        return b && guard(reply, () => hooks.addFault(b));
      });
      api.delete('/faults', async (_req, reply) => guard(reply, () => hooks.setFaults([])));
      api.put('/latency', async (req, reply) => {
        const b = parse(schemas.latency, req.body, reply);
        return b && guard(reply, () => hooks.setLatency(b.latencyMs, b.jitterMs));
      });
      api.get('/clock', async () => hooks.clock());
      api.post('/clock/advance', async (req, reply) => {
        const b = parse(schemas.advance, req.body, reply);
        return b && guard(reply, () => hooks.advanceClock(b.seconds));
      });
      api.put('/limits', async (req, reply) => {
        const b = parse(schemas.limits, req.body, reply);
        return b && guard(reply, () => hooks.setLimits(b));
      });
      api.patch(
        '/tenants/:tenantId/users/:userId',
        async (req: FastifyRequest<{ Params: { tenantId: string; userId: string } }>, reply) => {
          const b = parse(schemas.user, req.body, reply);
          return (
            b &&
            guard(reply, () => {
              if (!hooks.setUser(req.params.tenantId, req.params.userId, b))
                throw new Error(`no user ${req.params.userId} in tenant ${req.params.tenantId}`);
              return { ok: true };
            })
          );
        },
      );
      api.patch(
        '/apps/:appId/credentials/:keyId',
        async (req: FastifyRequest<{ Params: { appId: string; keyId: string } }>, reply) => {
          const b = parse(schemas.credential, req.body, reply);
          return (
            b &&
            guard(reply, () => {
              if (!hooks.setCredentialEnd(req.params.appId, req.params.keyId, b.endDateTime))
                throw new Error(`no credential ${req.params.keyId} on app ${req.params.appId}`);
              return { ok: true };
            })
          );
        },
      );
      api.post(
        '/apps/:appId/redirectUris',
        async (req: FastifyRequest<{ Params: { appId: string } }>, reply) => {
          const b = parse(schemas.redirectUris, req.body, reply);
          return (
            b &&
            guard(reply, () => {
              const all = hooks.addRedirectUris(req.params.appId, b.uris);
              if (!all) throw new Error(`no app registration ${req.params.appId}`);
              return { redirectUris: all };
            })
          );
        },
      );
      api.get(
        '/requests',
        async (req: FastifyRequest<{ Querystring: { since?: string; route?: string; limit?: string } }>) =>
          hooks.requests({
            since: req.query.since !== undefined ? Number(req.query.since) : undefined,
            route: req.query.route,
            limit: req.query.limit !== undefined ? Number(req.query.limit) : undefined,
          }),
      );
      api.delete('/requests', async () => {
        hooks.clearRequests();
        return { ok: true };
      });
      registerDelegatedControl(api, hooks.delegated, parse, guard);
      api.get('/outbox', async () => hooks.outbox());
      api.delete('/outbox', async () => {
        hooks.clearOutbox();
        return { ok: true };
      });
    },
    { prefix: '/_emulator' },
  );
}

export { ControlError, EmulatorControl } from './controlClient';

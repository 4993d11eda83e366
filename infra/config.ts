/**
 * Stack configuration: read once, validated before any resource is declared.
 *
 * Every problem is reported at once, each naming the key (`together:…`), the value it got and the form it
 * expects, so `pulumi up` fails before touching the tenant instead of half-way through it.
 */
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { EMAIL } from '../contracts/worker-config';
import {
  ALLOWED_PERMISSIONS,
  DEFAULT_PERMISSIONS,
  MAX_SECRET_LIFETIME_DAYS,
  type GraphPermission,
} from './constants';

export const CONFIG_NAMESPACE = 'together';

/** Keys only tenant mode reads; publisher mode refuses them. */
const TENANT_ONLY_KEYS = [
  'appId',
  'integrationOwner',
  'redirectUri',
  'assignment',
  'groupObjectId',
  'groupName',
  'groupMembers',
  'dynamicRule',
  'mailboxScope',
  'scopeGroup',
] as const;

/** Keys only publisher mode reads; tenant mode refuses them. */
const PUBLISHER_ONLY_KEYS = [
  'displayName',
  'redirectUris',
  'owners',
  'credential',
  'certificate',
  'secretEndDate',
  'location',
  'resourceGroupName',
  'keyVaultName',
] as const;

export const CONFIG_KEYS = ['mode', ...TENANT_ONLY_KEYS, 'permissions', ...PUBLISHER_ONLY_KEYS] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Config values as Pulumi hands them over: strings (structured values arrive as JSON text). */
export type RawConfig = Partial<Record<ConfigKey, string>>;

export const ASSIGNMENT_MODES = ['all', 'group', 'newGroup', 'dynamicGroup'] as const;
export type AssignmentMode = (typeof ASSIGNMENT_MODES)[number];
export const MAILBOX_SCOPES = ['tenant', 'group'] as const;
export type MailboxScope = (typeof MAILBOX_SCOPES)[number];
export const CREDENTIAL_KINDS = ['federated', 'certificate', 'secret'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export type Assignment =
  | { mode: 'all' }
  | { mode: 'group'; groupObjectId: string }
  | { mode: 'newGroup'; groupName: string; groupMembers: string[] }
  | { mode: 'dynamicGroup'; groupName: string; dynamicRule: string };

export interface TenantConfig {
  mode: 'tenant';
  appId: string;
  integrationOwner: string;
  redirectUri: string;
  permissions: GraphPermission[];
  assignment: Assignment;
  mailboxScope: MailboxScope;
  /** Set exactly when mailboxScope is `group`: a mail-enabled security group's SMTP address or Entra object id. */
  scopeGroup?: string;
}

export type Credential =
  | { kind: 'federated' }
  | { kind: 'certificate'; certificate: string }
  | { kind: 'secret'; secretEndDate: string };

export interface PublisherConfig {
  mode: 'publisher';
  displayName: string;
  /** Web redirect URIs for the admin-consent callback. */
  redirectUris: string[];
  /** Owner object ids; empty means the deploying principal. */
  owners: string[];
  permissions: GraphPermission[];
  credential: Credential;
  /** Azure region for the runtime resources. */
  location: string;
  resourceGroupName?: string;
  keyVaultName?: string;
}

export type TogetherConfig = TenantConfig | PublisherConfig;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = z.string().regex(GUID);
// The one email rule every entry point shares (contracts/validation.ts): zod's own email() disagreed with it.
const email = z.string().regex(EMAIL);
const redirect = z.url().refine((u) => {
  const url = new URL(u);
  // Entra accepts http only for localhost; a fragment is never allowed in a redirect URI.
  return (
    (url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost')) && !url.hash
  );
});
const PEM_CERT = /^-----BEGIN CERTIFICATE-----\s[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/;

const EXPECT = {
  guid: 'a GUID such as 8f6a0b1e-3c2d-4e5f-9a8b-7c6d5e4f3a2b',
  email: 'an email address such as it-ops@contoso.com',
  redirect: 'an absolute https URL (http only for localhost), without a #fragment',
  permissions: `a list drawn from ${ALLOWED_PERMISSIONS.join(', ')} (a JSON array or comma-separated)`,
  location: 'an Azure region name such as westeurope',
};

const key = (k: ConfigKey) => `${CONFIG_NAMESPACE}:${k}`;
const show = (v: unknown) => (v === undefined ? 'not set' : JSON.stringify(v));

/** Collects every problem; `pick` returns undefined after recording one. */
class Checker {
  readonly problems: string[] = [];
  constructor(private readonly raw: RawConfig) {}

  value(k: ConfigKey): string | undefined {
    const v = this.raw[k];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  fail(k: ConfigKey, got: unknown, expected: string): undefined {
    this.problems.push(`${key(k)} is ${show(got)}; expected ${expected}`);
    return undefined;
  }

  required<T>(k: ConfigKey, schema: z.ZodType<T>, expected: string): T | undefined {
    const v = this.value(k);
    if (v === undefined) return this.fail(k, undefined, expected);
    return this.optional(k, schema, expected);
  }

  optional<T>(k: ConfigKey, schema: z.ZodType<T>, expected: string): T | undefined {
    const v = this.value(k);
    if (v === undefined) return undefined;
    const r = schema.safeParse(v);
    return r.success ? r.data : this.fail(k, v, expected);
  }

  oneOf<const T extends readonly string[]>(
    k: ConfigKey,
    allowed: T,
    fallback: T[number],
  ): T[number] | undefined {
    return (
      this.optional(k, z.enum(allowed), `one of ${allowed.join(' | ')}`) ??
      (this.value(k) ? undefined : fallback)
    );
  }

  /** A list given as structured config (JSON array) or as a comma-separated string. */
  list<T>(k: ConfigKey, item: z.ZodType<T>, expected: string): T[] | undefined {
    const v = this.value(k);
    if (v === undefined) return undefined;
    let items: unknown;
    if (v.startsWith('[')) {
      try {
        items = JSON.parse(v);
      } catch {
        return this.fail(k, v, expected);
      }
    } else {
      items = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    }
    const r = z.array(item).safeParse(items);
    return r.success ? r.data : this.fail(k, v, expected);
  }

  /** Keys that belong to another mode or option are refused rather than silently ignored. */
  unused(keys: ConfigKey[], because: string): void {
    for (const k of keys) {
      const v = this.value(k);
      if (v !== undefined)
        this.problems.push(`${key(k)} is ${show(v)} but is not used ${because}; remove it`);
    }
  }
}

function permissions(c: Checker): GraphPermission[] | undefined {
  const list = c.list('permissions', z.string(), EXPECT.permissions);
  if (list === undefined) return c.value('permissions') === undefined ? [...DEFAULT_PERMISSIONS] : undefined;
  const outside = list.filter((p) => !(ALLOWED_PERMISSIONS as readonly string[]).includes(p));
  if (outside.length > 0) {
    return c.fail(
      'permissions',
      c.value('permissions'),
      `${EXPECT.permissions}; not allowed: ${outside.join(', ')}`,
    );
  }
  if (list.length === 0)
    return c.fail('permissions', c.value('permissions'), `a non-empty list: ${EXPECT.permissions}`);
  return [...new Set(list)] as GraphPermission[];
}

function tenant(c: Checker): TenantConfig | undefined {
  const appId = c.required(
    'appId',
    guid,
    `the application (client) id of Together's multi-tenant app: ${EXPECT.guid}`,
  );
  const integrationOwner = c.required('integrationOwner', email, EXPECT.email);
  const redirectUri = c.required(
    'redirectUri',
    redirect,
    `the console's consent callback, ${EXPECT.redirect}`,
  );
  const perms = permissions(c);

  let assignment: Assignment | undefined;
  const mode = c.oneOf('assignment', ASSIGNMENT_MODES, 'all');
  const groupName = z.string().min(1).max(256);
  switch (mode) {
    case 'all':
      c.unused(
        ['groupObjectId', 'groupName', 'groupMembers', 'dynamicRule'],
        'when together:assignment is all',
      );
      assignment = { mode };
      break;
    case 'group': {
      c.unused(['groupName', 'groupMembers', 'dynamicRule'], 'when together:assignment is group');
      const groupObjectId = c.required(
        'groupObjectId',
        guid,
        `the object id of an existing group: ${EXPECT.guid}`,
      );
      if (groupObjectId) assignment = { mode, groupObjectId };
      break;
    }
    case 'newGroup': {
      c.unused(['groupObjectId', 'dynamicRule'], 'when together:assignment is newGroup');
      const name = c.required('groupName', groupName, 'the display name of the security group to create');
      const members = c.list('groupMembers', guid, `a list of user object ids, each ${EXPECT.guid}`) ?? [];
      if (name) assignment = { mode, groupName: name, groupMembers: members };
      break;
    }
    case 'dynamicGroup': {
      c.unused(['groupObjectId', 'groupMembers'], 'when together:assignment is dynamicGroup');
      const name = c.required(
        'groupName',
        groupName,
        'the display name of the dynamic security group to create',
      );
      const dynamicRule = c.required(
        'dynamicRule',
        z
          .string()
          .min(3)
          .max(3072)
          .regex(/^\(?\s*user\./),
        'a dynamic membership rule on users, such as (user.department -eq "Mentoring")',
      );
      if (name && dynamicRule) assignment = { mode, groupName: name, dynamicRule };
      break;
    }
  }

  const mailboxScope = c.oneOf('mailboxScope', MAILBOX_SCOPES, 'tenant');
  let scopeGroup: string | undefined;
  if (mailboxScope === 'group') {
    scopeGroup = c.required(
      'scopeGroup',
      z.union([email, guid]),
      `a mail-enabled security group's SMTP address (mentors@contoso.com) or its object id (${EXPECT.guid})`,
    );
    if (perms && !perms.some((p) => p.startsWith('Calendars.'))) {
      c.problems.push(
        `${key('mailboxScope')} is "group" but ${key('permissions')} ${show(perms.join(','))} has no Calendars permission to scope; expected Calendars.ReadWrite or Calendars.Read in it`,
      );
    }
  } else {
    c.unused(['scopeGroup'], 'when together:mailboxScope is tenant');
  }
  c.unused([...PUBLISHER_ONLY_KEYS], 'in tenant mode (it belongs to publisher mode)');

  if (!appId || !integrationOwner || !redirectUri || !perms || !assignment || !mailboxScope) return undefined;
  if (mailboxScope === 'group' && !scopeGroup) return undefined;
  return {
    mode: 'tenant',
    appId,
    integrationOwner,
    redirectUri,
    permissions: perms,
    assignment,
    mailboxScope,
    ...(scopeGroup ? { scopeGroup } : {}),
  };
}

function publisher(c: Checker, now: Date): PublisherConfig | undefined {
  const displayName =
    c.optional('displayName', z.string().min(1).max(120), 'an app display name of 1-120 characters') ??
    'Together Platform';
  const redirectUris = c.list(
    'redirectUris',
    redirect,
    `a non-empty list of redirect URIs, each ${EXPECT.redirect}`,
  );
  if (redirectUris?.length === 0 || (redirectUris === undefined && c.value('redirectUris') === undefined)) {
    c.fail(
      'redirectUris',
      c.value('redirectUris'),
      `a non-empty list of redirect URIs, each ${EXPECT.redirect}`,
    );
  }
  const owners = c.list('owners', guid, `a list of owner object ids, each ${EXPECT.guid}`) ?? [];
  const perms = permissions(c);
  const kind = c.oneOf('credential', CREDENTIAL_KINDS, 'federated');

  let credential: Credential | undefined;
  if (kind === 'federated') {
    c.unused(['certificate', 'secretEndDate'], 'when together:credential is federated');
    credential = { kind };
  } else if (kind === 'certificate') {
    c.unused(['secretEndDate'], 'when together:credential is certificate');
    const certificate = c.required(
      'certificate',
      z.string().regex(PEM_CERT),
      'the PEM public certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)',
    );
    if (certificate) credential = { kind, certificate };
  } else if (kind === 'secret') {
    c.unused(['certificate'], 'when together:credential is secret');
    const expected = `an ISO 8601 date after now and at most ${MAX_SECRET_LIFETIME_DAYS} days away (by ${new Date(
      now.getTime() + MAX_SECRET_LIFETIME_DAYS * 86_400_000,
    )
      .toISOString()
      .slice(0, 10)}), such as ${new Date(now.getTime() + 90 * 86_400_000).toISOString().slice(0, 10)}`;
    const end = c.required('secretEndDate', z.iso.date().or(z.iso.datetime({ offset: true })), expected);
    if (end) {
      const endMs = Date.parse(end.length === 10 ? `${end}T00:00:00Z` : end);
      const days = (endMs - now.getTime()) / 86_400_000;
      if (days <= 0 || days > MAX_SECRET_LIFETIME_DAYS) c.fail('secretEndDate', end, expected);
      else credential = { kind, secretEndDate: new Date(endMs).toISOString() };
    }
  }

  const location = c.required('location', z.string().regex(/^[a-z][a-z0-9]{2,40}$/), EXPECT.location);
  const resourceGroupName = c.optional(
    'resourceGroupName',
    z.string().regex(/^[-\w.()]{1,89}[-\w()]$/),
    'a resource group name of 1-90 letters, digits, - _ . ( ), not ending in .',
  );
  const keyVaultName = c.optional(
    'keyVaultName',
    z.string().regex(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/),
    'a globally unique Key Vault name: 3-24 letters, digits and single hyphens, starting with a letter',
  );
  c.unused([...TENANT_ONLY_KEYS], 'in publisher mode (it belongs to tenant mode)');

  if (!redirectUris?.length || !perms || !credential || !location) return undefined;
  return {
    mode: 'publisher',
    displayName,
    redirectUris,
    owners,
    permissions: perms,
    credential,
    location,
    ...(resourceGroupName ? { resourceGroupName } : {}),
    ...(keyVaultName ? { keyVaultName } : {}),
  };
}

/** Validates raw config. Throws ConfigError listing every problem. `now` bounds the secret end date. */
export function parseConfig(raw: RawConfig, now: Date = new Date()): TogetherConfig {
  const c = new Checker(raw);
  const mode = c.required('mode', z.enum(['tenant', 'publisher']), 'tenant | publisher');
  const parsed = mode === 'tenant' ? tenant(c) : mode === 'publisher' ? publisher(c, now) : undefined;
  if (c.problems.length > 0 || !parsed) throw new ConfigError(c.problems);
  return parsed;
}

/**
 * Reads the `together:` namespace of the current stack and validates it. Unknown `together:` keys (typos such
 * as `together:assigment`) are refused too.
 */
export function readConfig(now: Date = new Date()): TogetherConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: RawConfig = {};
  for (const k of CONFIG_KEYS) {
    const v = config.get(k);
    if (v !== undefined) raw[k] = v;
  }
  const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(`${CONFIG_NAMESPACE}:`))
    .map((k) => k.slice(CONFIG_NAMESPACE.length + 1))
    .filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  try {
    const parsed = parseConfig(raw, now);
    if (unknown.length > 0) throw new ConfigError([]);
    return parsed;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const problems = [
      ...unknown.map(
        (k) =>
          `${CONFIG_NAMESPACE}:${k} is not a known key; expected one of ${CONFIG_KEYS.map(key).join(', ')}`,
      ),
      ...e.problems,
    ];
    throw new ConfigError(problems);
  }
}

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
  'integration',
  'delegatedConsent',
  'assignmentUsers',
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
  'credentialEndDate',
  'secretEndDate',
  'location',
  'resourceGroupName',
  'keyVaultName',
  'nameSuffix',
  'appServiceSku',
  'consoleUrl',
  'temporalAddress',
  'temporalNamespace',
  'senderMailbox',
  'operators',
  // A Pulumi secret, read with getSecret by readConfig (never into the plain RawConfig).
  'tokenKey',
] as const;

export const CONFIG_KEYS = ['mode', ...TENANT_ONLY_KEYS, 'permissions', ...PUBLISHER_ONLY_KEYS] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Config values as Pulumi hands them over: strings (structured values arrive as JSON text). */
export type RawConfig = Partial<Record<ConfigKey, string>>;

export const ASSIGNMENT_MODES = ['all', 'users', 'group', 'newGroup', 'dynamicGroup'] as const;
/** Assignment modes that assign a group to the app: Entra ID P1/P2 only, and nested members are not assigned. */
export const GROUP_ASSIGNMENT_MODES: readonly AssignmentMode[] = ['group', 'newGroup', 'dynamicGroup'];
export const INTEGRATIONS = ['domainWide', 'individual'] as const;
export type Integration = (typeof INTEGRATIONS)[number];
export const DELEGATED_CONSENTS = ['admin', 'user'] as const;
export type DelegatedConsent = (typeof DELEGATED_CONSENTS)[number];
export type AssignmentMode = (typeof ASSIGNMENT_MODES)[number];
export const MAILBOX_SCOPES = ['tenant', 'group'] as const;
export type MailboxScope = (typeof MAILBOX_SCOPES)[number];
export const CREDENTIAL_KINDS = ['federated', 'certificate', 'secret'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export type Assignment =
  | { mode: 'all' }
  /** Direct user assignment (works on Entra ID Free): object ids or user principal names. */
  | { mode: 'users'; users: string[] }
  | { mode: 'group'; groupObjectId: string }
  | { mode: 'newGroup'; groupName: string; groupMembers: string[] }
  | { mode: 'dynamicGroup'; groupName: string; dynamicRule: string };

export interface TenantConfig {
  mode: 'tenant';
  /** domainWide: application permissions (admin consent); individual: delegated permissions, one user at a time. */
  integration: Integration;
  /** individual only: admin grants the delegated permissions for everyone as code, or each user consents. */
  delegatedConsent?: DelegatedConsent;
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
  /** Feeds the derived globally unique names (Key Vault, storage, sites); change it to re-create under new names. */
  nameSuffix?: string;
  /** App Service plan SKU (Linux), default B1. */
  appServiceSku?: string;
  /** The console's public base URL if it has a custom domain; default https://<console site>.azurewebsites.net. */
  consoleUrl?: string;
  /** Temporal frontend (host:port), e.g. <namespace>.<account>.tmprl.cloud:7233. */
  temporalAddress?: string;
  temporalNamespace?: string;
  /** The mailbox owner emails are sent from (Mail.Send scoped to it by Exchange RBAC for Applications). */
  senderMailbox?: string;
  /** Object ids of users or groups given the Together.Operator app role (console staff sign-in). */
  operators?: string[];
  /** `together:tokenKey` (pulumi config set --secret): individual mode's TOGETHER_TOKEN_KEY, stored in Key Vault. */
  tokenKey?: pulumi.Output<string>;
}

export type TogetherConfig = TenantConfig | PublisherConfig;

/**
 * A RunError: Pulumi's nodejs host prints only the message of a RunError (no stack trace, no colour codes),
 * which is all a config problem needs (@pulumi/pulumi cmd/run/run.js, "Always hide the stack for RunErrors").
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Valid config plus the warnings to show (deprecated keys, tier requirements). */
export interface ParsedConfig {
  config: TogetherConfig;
  warnings: string[];
}

const UPN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
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
  readonly warnings: string[] = [];
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
  const integration = c.oneOf('integration', INTEGRATIONS, 'domainWide');
  let delegatedConsent: DelegatedConsent | undefined;
  let perms: GraphPermission[] | undefined;
  if (integration === 'individual') {
    // Delegated permissions are a fixed set (constants.ts DELEGATED_PERMISSIONS); application permissions and
    // mailbox scoping do not apply: a delegated token reaches only the signed-in user's own mailbox.
    c.unused(['permissions', 'mailboxScope', 'scopeGroup'], 'when together:integration is individual');
    delegatedConsent = c.oneOf('delegatedConsent', DELEGATED_CONSENTS, 'admin');
    perms = [];
  } else {
    c.unused(['delegatedConsent'], 'when together:integration is domainWide');
    perms = permissions(c);
  }

  let assignment: Assignment | undefined;
  const mode = c.oneOf('assignment', ASSIGNMENT_MODES, 'all');
  const groupName = z.string().min(1).max(256);
  switch (mode) {
    case 'all':
      c.unused(
        ['groupObjectId', 'groupName', 'groupMembers', 'dynamicRule', 'assignmentUsers'],
        'when together:assignment is all',
      );
      assignment = { mode };
      break;
    case 'users': {
      c.unused(
        ['groupObjectId', 'groupName', 'groupMembers', 'dynamicRule'],
        'when together:assignment is users',
      );
      const expected = `a non-empty list of users, each a user object id (${EXPECT.guid}) or user principal name (ana@contoso.com)`;
      const users = c.list('assignmentUsers', z.union([guid, z.string().regex(UPN)]), expected);
      if (users === undefined && c.value('assignmentUsers') === undefined)
        c.fail('assignmentUsers', undefined, expected);
      else if (users?.length === 0) c.fail('assignmentUsers', c.value('assignmentUsers'), expected);
      else if (users) assignment = { mode, users: [...new Set(users)] };
      break;
    }
    case 'group': {
      c.unused(
        ['groupName', 'groupMembers', 'dynamicRule', 'assignmentUsers'],
        'when together:assignment is group',
      );
      const groupObjectId = c.required(
        'groupObjectId',
        guid,
        `the object id of an existing group: ${EXPECT.guid}`,
      );
      if (groupObjectId) assignment = { mode, groupObjectId };
      break;
    }
    case 'newGroup': {
      c.unused(['groupObjectId', 'dynamicRule', 'assignmentUsers'], 'when together:assignment is newGroup');
      const name = c.required('groupName', groupName, 'the display name of the security group to create');
      const members = c.list('groupMembers', guid, `a list of user object ids, each ${EXPECT.guid}`) ?? [];
      if (name) assignment = { mode, groupName: name, groupMembers: members };
      break;
    }
    case 'dynamicGroup': {
      c.unused(
        ['groupObjectId', 'groupMembers', 'assignmentUsers'],
        'when together:assignment is dynamicGroup',
      );
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
  if (mode && GROUP_ASSIGNMENT_MODES.includes(mode)) {
    // https://learn.microsoft.com/entra/identity/enterprise-apps/assign-user-or-group-access-portal:
    // group-based assignment needs Entra ID P1 or P2, and nested group members are not assigned.
    c.warnings.push(
      `${key('assignment')} is "${mode}": assigning a group to an enterprise app needs Microsoft Entra ID P1 or P2` +
        `${mode === 'dynamicGroup' ? ' (dynamic groups need P1 too)' : ''}, and only the group's DIRECT members may sign in ` +
        `(nested groups are ignored). On Entra ID Free use together:assignment users with together:assignmentUsers.`,
    );
  }

  if (integration === 'individual' && delegatedConsent === 'user' && mode && mode !== 'all') {
    // "Applications that require users to be assigned to the application must have their permissions
    // consented by an administrator, even if the user consent policies … would otherwise allow a user to
    // consent" (learn.microsoft.com/entra/identity/enterprise-apps/assign-user-or-group-access-portal).
    c.problems.push(
      `${key('delegatedConsent')} is "user" but ${key('assignment')} is "${mode}": users cannot consent to an app that requires assignment; set together:delegatedConsent admin, or together:assignment all`,
    );
  }

  let mailboxScope: MailboxScope | undefined = 'tenant';
  let scopeGroup: string | undefined;
  if (integration !== 'individual') {
    mailboxScope = c.oneOf('mailboxScope', MAILBOX_SCOPES, 'tenant');
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
  }
  c.unused([...PUBLISHER_ONLY_KEYS], 'in tenant mode (it belongs to publisher mode)');

  if (!appId || !integrationOwner || !redirectUri || !perms || !assignment || !mailboxScope || !integration)
    return undefined;
  if (mailboxScope === 'group' && !scopeGroup) return undefined;
  return {
    mode: 'tenant',
    integration,
    ...(delegatedConsent ? { delegatedConsent } : {}),
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
  // Optional: the console's own /consent/callback and /auth/callback are added by the program; list extra
  // ones here (e.g. http://localhost:8787/consent/callback for a developer's console).
  const redirectUris =
    c.list('redirectUris', redirect, `a list of extra redirect URIs, each ${EXPECT.redirect}`) ?? [];
  const owners = c.list('owners', guid, `a list of owner object ids, each ${EXPECT.guid}`) ?? [];
  const perms = permissions(c);
  const kind = c.oneOf('credential', CREDENTIAL_KINDS, 'federated');

  let credential: Credential | undefined;
  // `pulumi config set` refuses a key that "looks like a secret" (secretEndDate) without --plaintext, so the
  // end date is credentialEndDate; the old key still works, with a warning.
  const endKey: ConfigKey =
    c.value('secretEndDate') !== undefined && c.value('credentialEndDate') === undefined
      ? 'secretEndDate'
      : 'credentialEndDate';
  if (c.value('secretEndDate') !== undefined) {
    if (c.value('credentialEndDate') !== undefined)
      c.problems.push(
        `${key('secretEndDate')} and ${key('credentialEndDate')} are both set; keep only ${key('credentialEndDate')}`,
      );
    else
      c.warnings.push(
        `${key('secretEndDate')} is deprecated; rename it to ${key('credentialEndDate')} (pulumi config rm together:secretEndDate; pulumi config set together:credentialEndDate ${c.value('secretEndDate')})`,
      );
  }
  if (kind === 'federated') {
    c.unused(['certificate', endKey], 'when together:credential is federated');
    credential = { kind };
  } else if (kind === 'certificate') {
    c.unused([endKey], 'when together:credential is certificate');
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
    const end = c.required(endKey, z.iso.date().or(z.iso.datetime({ offset: true })), expected);
    if (end) {
      const endMs = Date.parse(end.length === 10 ? `${end}T00:00:00Z` : end);
      const days = (endMs - now.getTime()) / 86_400_000;
      if (days <= 0 || days > MAX_SECRET_LIFETIME_DAYS) c.fail(endKey, end, expected);
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
  const nameSuffix = c.optional(
    'nameSuffix',
    z.string().regex(/^[a-z0-9]{1,8}$/),
    '1-8 lowercase letters or digits (change it to derive new names after a destroy)',
  );
  const appServiceSku = c.optional(
    'appServiceSku',
    z.enum(['B1', 'B2', 'B3', 'S1', 'S2', 'S3', 'P0v3', 'P1v3', 'P2v3', 'P3v3']),
    'a Linux App Service plan SKU: B1 (default), B2, B3, S1-S3 or P0v3-P3v3 (Free/Shared have no Always On)',
  );
  const consoleUrl = c.optional(
    'consoleUrl',
    z.url().refine((u) => {
      const url = new URL(u);
      return url.protocol === 'https:' && url.pathname === '/' && !url.search && !url.hash;
    }),
    "the console's public https base URL without a path, such as https://together.example",
  );
  const temporalAddress = c.optional(
    'temporalAddress',
    z.string().regex(/^[a-z0-9.-]+:\d{2,5}$/i),
    'host:port of the Temporal frontend, such as together.a1b2c.tmprl.cloud:7233',
  );
  const temporalNamespace = c.optional(
    'temporalNamespace',
    z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,253}$/),
    'a Temporal namespace, such as together.a1b2c',
  );
  if (!temporalAddress)
    c.warnings.push(
      `${key('temporalAddress')} is not set: the worker and the console have no Temporal frontend to connect to until you set it`,
    );
  const senderMailbox = c.optional(
    'senderMailbox',
    email,
    `the mailbox owner emails are sent from: ${EXPECT.email}`,
  );
  const operators = c.list('operators', guid, `a list of user or group object ids, each ${EXPECT.guid}`);
  c.unused([...TENANT_ONLY_KEYS], 'in publisher mode (it belongs to tenant mode)');

  if (!perms || !credential || !location) return undefined;
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
    ...(nameSuffix ? { nameSuffix } : {}),
    ...(appServiceSku ? { appServiceSku } : {}),
    ...(consoleUrl ? { consoleUrl: consoleUrl.replace(/\/$/, '') } : {}),
    ...(temporalAddress ? { temporalAddress } : {}),
    ...(temporalNamespace ? { temporalNamespace } : {}),
    ...(senderMailbox ? { senderMailbox } : {}),
    ...(operators?.length ? { operators } : {}),
  };
}

/** Validates raw config; returns it with its warnings. Throws ConfigError listing every problem. */
export function parseConfigWithWarnings(raw: RawConfig, now: Date = new Date()): ParsedConfig {
  const c = new Checker(raw);
  const mode = c.required('mode', z.enum(['tenant', 'publisher']), 'tenant | publisher');
  const parsed = mode === 'tenant' ? tenant(c) : mode === 'publisher' ? publisher(c, now) : undefined;
  if (c.problems.length > 0 || !parsed) throw new ConfigError(c.problems);
  return { config: parsed, warnings: c.warnings };
}

/** Validates raw config. Throws ConfigError listing every problem. `now` bounds the secret end date. */
export function parseConfig(raw: RawConfig, now: Date = new Date()): TogetherConfig {
  return parseConfigWithWarnings(raw, now).config;
}

/**
 * Reads the `together:` namespace of the current stack and validates it. Unknown `together:` keys (typos such
 * as `together:assigment`) are refused too.
 */
/** The one config value that is a Pulumi secret: never read as plain text. */
const SECRET_KEY = 'tokenKey';

export function readConfig(now: Date = new Date()): TogetherConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: RawConfig = {};
  for (const k of CONFIG_KEYS) {
    if (k === SECRET_KEY) continue;
    const v = config.get(k);
    if (v !== undefined) raw[k] = v;
  }
  const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(`${CONFIG_NAMESPACE}:`))
    .map((k) => k.slice(CONFIG_NAMESPACE.length + 1))
    .filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  try {
    const { config: parsed, warnings } = parseConfigWithWarnings(raw, now);
    if (unknown.length > 0) throw new ConfigError([]);
    for (const w of warnings) void pulumi.log.warn(w);
    const tokenKey = config.getSecret(SECRET_KEY);
    if (tokenKey !== undefined && parsed.mode === 'publisher') return { ...parsed, tokenKey };
    if (tokenKey !== undefined)
      throw new ConfigError([`${key(SECRET_KEY)} is set but is only used in publisher mode; remove it`]);
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

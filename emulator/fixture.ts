/**
 * Fixture format (JSON) and its validation. A broken fixture is refused at start with file, field and
 * reason (`FixtureError`), never half-loaded. See docs/emulator.md for the format with examples.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EXCHANGE_APP_ROLES, KNOWN_DELEGATED_SCOPES, KNOWN_ROLE_VALUES } from './permissions';

const guid = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    'must be a GUID like 00000000-0000-0000-0000-000000000000',
  );
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time');
const delegatedValue = z
  .string()
  .refine((v) => KNOWN_DELEGATED_SCOPES.some((k) => k.toLowerCase() === v.toLowerCase()), {
    message: `must be one of ${KNOWN_DELEGATED_SCOPES.join(', ')}`,
  });
const roleValue = z.string().refine((v) => KNOWN_ROLE_VALUES.includes(v), {
  message: `must be one of ${KNOWN_ROLE_VALUES.join(', ')}`,
});

export const MAILBOX_KINDS = ['exchangeOnline', 'unlicensed', 'onPremises', 'none'] as const;
export const DIRECTORY_ROLES = [
  'Global Administrator',
  'Privileged Role Administrator',
  'Cloud Application Administrator',
  'Application Administrator',
  'Exchange Administrator',
  'User Administrator',
  'Global Reader',
] as const;

const userSchema = z.strictObject({
  id: guid,
  userPrincipalName: z.string().includes('@', { message: 'must be a UPN (name@domain)' }),
  displayName: z.string().min(1),
  givenName: z.string().nullish(),
  surname: z.string().nullish(),
  /** Defaults to the UPN for members with a mailbox; null for `mailbox: "none"`. */
  mail: z.string().nullish(),
  jobTitle: z.string().nullish(),
  department: z.string().nullish(),
  officeLocation: z.string().nullish(),
  userType: z.enum(['Member', 'Guest']).default('Member'),
  accountEnabled: z.boolean().default(true),
  /**
   * exchangeOnline: licensed cloud mailbox (Graph serves its calendar); unlicensed: no Exchange Online
   * licence; onPremises: hybrid mailbox hosted on-premises; none: no mailbox at all (e.g. an MSA guest).
   * Every kind except exchangeOnline answers calendar routes with 404 MailboxNotEnabledForRESTAPI.
   */
  mailbox: z.enum(MAILBOX_KINDS).default('exchangeOnline'),
  onPremisesSyncEnabled: z.boolean().nullish(),
  /**
   * user.assignedLicenses. Default: Office 365 E3 for exchangeOnline and onPremises mailboxes, none for
   * unlicensed and none. A licence with Exchange Online's plan (efb87545-…) in disabledPlans and
   * `mailbox: "unlicensed"` models a licensed user without an Exchange licence.
   */
  assignedLicenses: z
    .array(z.strictObject({ skuId: guid, disabledPlans: z.array(guid).default([]) }))
    .optional(),
  /**
   * What getSchedule reveals of this mailbox's events to callers (Outlook's calendar sharing levels):
   * availabilityOnly = status and times only; limitedDetails (default) = also subject and location of events
   * that are not private.
   */
  freeBusySharing: z.enum(['availabilityOnly', 'limitedDetails']).default('limitedDetails'),
  /**
   * Licensed and enabled for Microsoft Teams. false models "no Teams licence": creating an event with
   * isOnlineMeeting true still succeeds (201) but carries no join URL (`onlineMeeting: null`).
   */
  teams: z.boolean().default(true),
  /**
   * The default calendar's allowedOnlineMeetingProviders (GET /users/{id}/calendar). Without teamsForBusiness an
   * online meeting gets no Teams join URL either (learn.microsoft.com/graph/outlook-calendar-online-meetings).
   */
  allowedOnlineMeetingProviders: z
    .array(z.enum(['teamsForBusiness', 'skypeForBusiness', 'skypeForConsumer']))
    .default(['teamsForBusiness']),
});

const generateSchema = z.strictObject({
  count: z.number().int().min(0).max(1_000_000),
  seed: z.string().min(1),
  /** Fractions (0..1) of generated users of each failure kind; the rest are licensed, enabled members. */
  unlicensedRate: z.number().min(0).max(1).default(0.02),
  guestRate: z.number().min(0).max(1).default(0.02),
  onPremisesRate: z.number().min(0).max(1).default(0.01),
  disabledRate: z.number().min(0).max(1).default(0.02),
  departments: z.array(z.string()).min(1).optional(),
});

const adminSchema = z.strictObject({
  id: guid,
  userPrincipalName: z.string().includes('@'),
  displayName: z.string().min(1),
  roles: z.array(z.enum(DIRECTORY_ROLES)).min(1),
});

const groupSchema = z
  .strictObject({
    id: guid,
    displayName: z.string().min(1),
    description: z.string().nullish(),
    mailNickname: z.string().min(1),
    mail: z.string().nullish(),
    mailEnabled: z.boolean(),
    securityEnabled: z.boolean(),
    /** "Unified" = Microsoft 365 group; "DynamicMembership" = rule-based membership. */
    groupTypes: z.array(z.enum(['Unified', 'DynamicMembership'])).default([]),
    /** For dynamic groups: `user.<property> -eq "<value>"` clauses joined by -and / -or (no parentheses nesting). */
    membershipRule: z.string().nullish(),
    /** Static members: user or group ids, or user UPNs. Nested groups expand in transitiveMembers. */
    members: z.array(z.string()).default([]),
  })
  .superRefine((g, ctx) => {
    const dynamic = g.groupTypes.includes('DynamicMembership');
    if (dynamic && !g.membershipRule)
      ctx.addIssue({
        code: 'custom',
        path: ['membershipRule'],
        message: 'required when groupTypes has DynamicMembership',
      });
    if (dynamic && g.members.length)
      ctx.addIssue({
        code: 'custom',
        path: ['members'],
        message: 'a dynamic group cannot have static members',
      });
    if (!dynamic && g.membershipRule)
      ctx.addIssue({
        code: 'custom',
        path: ['membershipRule'],
        message: 'only dynamic groups (groupTypes: ["DynamicMembership"]) have a rule',
      });
  });

const consentSchema = z.strictObject({
  appId: guid,
  /** Graph application permissions granted (app role assignments). */
  roles: z.array(roleValue),
  grantedAt: isoDate.optional(),
  /** Service principal enabled? A disabled enterprise app cannot get tokens (AADSTS7000112). */
  accountEnabled: z.boolean().default(true),
});

const exchangeScopeSchema = z.strictObject({
  id: z.string().min(1).optional(),
  appId: guid,
  role: z.string().refine((r) => r in EXCHANGE_APP_ROLES, {
    message: `must be one of ${Object.keys(EXCHANGE_APP_ROLES).join(', ')}`,
  }),
  /** Management scope `MemberOfGroup -eq '<group>'`: direct members only ("Nested group members are considered out of scope"). */
  groupId: guid,
});

const eventSchema = z.strictObject({
  mailbox: z.string().min(1),
  subject: z.string().default('Busy'),
  start: isoDate,
  end: isoDate,
  showAs: z.enum(['free', 'tentative', 'busy', 'oof', 'workingElsewhere']).default('busy'),
  isOnlineMeeting: z.boolean().default(false),
  location: z.string().optional(),
  /** private (and confidential) events show only status and times in getSchedule. */
  sensitivity: z.enum(['normal', 'personal', 'private', 'confidential']).default('normal'),
});

/** A delegated permission grant (oauth2PermissionGrant) present at start: admin consent for all, or one user's consent. */
const delegatedGrantSchema = z.strictObject({
  appId: guid,
  scopes: z.array(delegatedValue).min(1),
  consentType: z.enum(['AllPrincipals', 'Principal']).default('AllPrincipals'),
  /** For consentType Principal: the user (id or UPN). */
  user: z.string().optional(),
});

/** A user assigned to an app role of an app (reaches the id_token's `roles` claim). */
const userAppRoleSchema = z.strictObject({
  /** User id or UPN. */
  user: z.string().min(1),
  appId: guid,
  /** The role's value (e.g. Together.Operator) or id. */
  role: z.string().min(1),
});

const tenantSchema = z.strictObject({
  id: guid,
  /** The initial domain, e.g. contoso.onmicrosoft.com (accepted as the tenant in login URLs). */
  domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name like contoso.onmicrosoft.com'),
  displayName: z.string().min(1),
  admins: z.array(adminSchema).default([]),
  users: z.array(userSchema).default([]),
  generate: generateSchema.optional(),
  groups: z.array(groupSchema).default([]),
  consents: z.array(consentSchema).default([]),
  exchangeScopes: z.array(exchangeScopeSchema).default([]),
  events: z.array(eventSchema).default([]),
  /**
   * Entra's user-consent setting: none = "Do not allow user consent"; lowRisk = "Allow user consent for apps
   * from verified publishers, for selected permissions"; all = "Allow user consent for apps". Sets
   * authorizationPolicy.permissionGrantPoliciesAssigned accordingly (wins over it). Default: as the policy says
   * (all, the legacy default).
   */
  allowUserConsent: z.enum(['none', 'lowRisk', 'all']).optional(),
  /** Permissions classified low impact (for lowRisk). Default: openid, profile, email, offline_access, User.Read. */
  lowImpactPermissions: z.array(delegatedValue).optional(),
  delegatedGrants: z.array(delegatedGrantSchema).default([]),
  appRoleAssignments: z.array(userAppRoleSchema).default([]),
  authorizationPolicy: z
    .strictObject({
      permissionGrantPoliciesAssigned: z
        .array(z.string())
        .default(['ManagePermissionGrantsForSelf.microsoft-user-default-legacy']),
      allowedToCreateApps: z.boolean().default(true),
      allowInvitesFrom: z.string().default('everyone'),
    })
    .optional(),
});

const passwordCredentialSchema = z.strictObject({
  keyId: guid,
  displayName: z.string().nullish(),
  /** The secret value (fixture-only; Graph never returns it after creation). */
  secretText: z.string().min(16, 'must be at least 16 characters'),
  startDateTime: isoDate.optional(),
  endDateTime: isoDate,
});

const keyCredentialSchema = z.strictObject({
  keyId: guid,
  displayName: z.string().nullish(),
  /** PEM certificate, or "generated:together" for the client certificate the emulator creates under its data dir. */
  certificate: z.string().min(1),
  startDateTime: isoDate.optional(),
  /** Defaults to the certificate's notAfter. */
  endDateTime: isoDate.optional(),
});

const appSchema = z.strictObject({
  appId: guid,
  /** Object id of the application in its home tenant. */
  id: guid,
  displayName: z.string().min(1),
  homeTenantId: guid,
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']).default('AzureADMultipleOrgs'),
  redirectUris: z.array(z.url({ message: 'must be an absolute URL' })).default([]),
  /** Graph application permissions the app requests (its requiredResourceAccess); admin consent grants these. */
  requiredPermissions: z.array(roleValue).default([]),
  /** Graph delegated permissions the app requests (what `scope=https://graph.microsoft.com/.default` asks users for). */
  delegatedPermissions: z.array(delegatedValue).default([]),
  /** App roles users can be assigned to (value reaches the id_token `roles` claim). */
  appRoles: z
    .array(
      z.strictObject({
        id: guid,
        value: z.string().min(1),
        displayName: z.string().optional(),
        description: z.string().optional(),
      }),
    )
    .default([]),
  /** Publisher verification done (user consent under lowRisk needs it, unless the app is the tenant's own). */
  publisherVerified: z.boolean().default(false),
  passwordCredentials: z.array(passwordCredentialSchema).default([]),
  keyCredentials: z.array(keyCredentialSchema).default([]),
  publisherDomain: z.string().nullish(),
});

/**
 * A MemberOfGroup management scope needs an Exchange recipient: "Microsoft 365 Groups, Mail-Enabled Security
 * Groups, and Distribution Lists are supported" (https://learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac).
 */
export const SCOPE_GROUP_REASON =
  'an Exchange RBAC scope needs a mail-enabled group (Microsoft 365 group, mail-enabled security group or distribution list)';

import { faultSchema, limitsSchema } from './knobs';

export { FAULT_KINDS, faultSchema, limitsSchema } from './knobs';
export type { FaultInput, FaultSpec, Limits } from './knobs';
export const fixtureSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    tenants: z.array(tenantSchema).min(1),
    apps: z.array(appSchema).default([]),
    faults: z.array(faultSchema).default([]),
    latencyMs: z.number().int().min(0).optional(),
    jitterMs: z.number().int().min(0).optional(),
    consentPropagationSeconds: z.number().min(0).optional(),
    /** Seconds before a service principal created by consent is seen by the token endpoint (AADSTS700016 until then). */
    replicationDelaySeconds: z.number().min(0).optional(),
    /** Seconds before an Exchange RBAC for Applications change applies (real: 30 minutes to 2 hours). */
    exchangeRbacCacheSeconds: z.number().min(0).optional(),
    limits: limitsSchema.optional(),
  })
  .superRefine((f, ctx) => {
    const tenantIds = new Set<string>();
    f.tenants.forEach((t, ti) => {
      if (tenantIds.has(t.id.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['tenants', ti, 'id'], message: `duplicate tenant id ${t.id}` });
      tenantIds.add(t.id.toLowerCase());
      const ids = new Set<string>();
      const upns = new Set<string>();
      t.users.forEach((u, ui) => {
        if (ids.has(u.id.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'users', ui, 'id'],
            message: `duplicate user id ${u.id}`,
          });
        if (upns.has(u.userPrincipalName.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'users', ui, 'userPrincipalName'],
            message: `duplicate userPrincipalName ${u.userPrincipalName}`,
          });
        ids.add(u.id.toLowerCase());
        upns.add(u.userPrincipalName.toLowerCase());
      });
      const groupIds = new Set(t.groups.map((g) => g.id.toLowerCase()));
      t.groups.forEach((g, gi) =>
        g.members.forEach((m, mi) => {
          const k = m.toLowerCase();
          if (!ids.has(k) && !upns.has(k) && !groupIds.has(k))
            ctx.addIssue({
              code: 'custom',
              path: ['tenants', ti, 'groups', gi, 'members', mi],
              message: `no user or group "${m}" in this tenant (generated users cannot be static members)`,
            });
        }),
      );
      t.exchangeScopes.forEach((s, si) => {
        if (!groupIds.has(s.groupId.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'exchangeScopes', si, 'groupId'],
            message: `no group ${s.groupId} in this tenant`,
          });
        else if (!t.groups.find((g) => g.id.toLowerCase() === s.groupId.toLowerCase())!.mailEnabled)
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'exchangeScopes', si, 'groupId'],
            message: SCOPE_GROUP_REASON,
          });
      });
      t.events.forEach((e, ei) => {
        if (!ids.has(e.mailbox.toLowerCase()) && !upns.has(e.mailbox.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'events', ei, 'mailbox'],
            message: `no user "${e.mailbox}" in this tenant`,
          });
        if (Date.parse(e.end) <= Date.parse(e.start))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'events', ei, 'end'],
            message: 'must be after start',
          });
      });
    });
    const appIds = new Set<string>();
    f.apps.forEach((a, ai) => {
      if (appIds.has(a.appId.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['apps', ai, 'appId'], message: `duplicate appId ${a.appId}` });
      appIds.add(a.appId.toLowerCase());
      if (!tenantIds.has(a.homeTenantId.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: ['apps', ai, 'homeTenantId'],
          message: `no tenant ${a.homeTenantId} in this fixture`,
        });
    });
    f.tenants.forEach((t, ti) => {
      t.consents.forEach((c, ci) => {
        if (!appIds.has(c.appId.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'consents', ci, 'appId'],
            message: `no app ${c.appId} in this fixture`,
          });
      });
      t.delegatedGrants.forEach((g, gi) => {
        if (!appIds.has(g.appId.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'delegatedGrants', gi, 'appId'],
            message: `no app ${g.appId} in this fixture`,
          });
        if (g.consentType === 'Principal' && !g.user)
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'delegatedGrants', gi, 'user'],
            message: 'required when consentType is Principal',
          });
      });
      t.appRoleAssignments.forEach((r, ri) => {
        const app = f.apps.find((a) => a.appId.toLowerCase() === r.appId.toLowerCase());
        if (!app)
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'appRoleAssignments', ri, 'appId'],
            message: `no app ${r.appId} in this fixture`,
          });
        else if (!app.appRoles.some((x) => x.value === r.role || x.id.toLowerCase() === r.role.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'appRoleAssignments', ri, 'role'],
            message: `app ${app.displayName} has no app role "${r.role}"`,
          });
      });
      t.exchangeScopes.forEach((s, si) => {
        if (!appIds.has(s.appId.toLowerCase()))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', ti, 'exchangeScopes', si, 'appId'],
            message: `no app ${s.appId} in this fixture`,
          });
      });
    });
  });

export type FixtureObject = z.input<typeof fixtureSchema>;
export type Fixture = z.output<typeof fixtureSchema>;
export type FixtureTenant = Fixture['tenants'][number];
export type FixtureUser = FixtureTenant['users'][number];
export type FixtureGroup = FixtureTenant['groups'][number];
export type FixtureApp = Fixture['apps'][number];

/** A fixture that cannot be loaded: where (file, field) and why. */
export class FixtureError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid emulator fixture ${file}: ${field || '(root)'}: ${reason}`);
    this.name = 'FixtureError';
  }
}

function fieldPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

export const DEFAULT_FIXTURE_PATH = path.join(__dirname, 'fixtures', 'contoso.json');

/** Parse and validate a fixture from a file path or an object; throws FixtureError. */
export function loadFixture(source: string | FixtureObject = DEFAULT_FIXTURE_PATH): {
  fixture: Fixture;
  file: string;
} {
  let raw: unknown;
  let file = '(inline fixture)';
  if (typeof source === 'string') {
    file = path.resolve(source);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new FixtureError(file, '', `cannot read file: ${(err as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new FixtureError(file, '', `not valid JSON: ${(err as Error).message}`);
    }
  } else {
    raw = source;
  }
  const parsed = fixtureSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FixtureError(file, fieldPath(issue.path), issue.message);
  }
  return { fixture: parsed.data, file };
}

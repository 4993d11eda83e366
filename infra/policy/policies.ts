/**
 * The together-o365 policies, exported without a PolicyPack so they are unit-tested without the Pulumi CLI
 * (`new PolicyPack` starts a gRPC server; it lives in ./index.ts only).
 *
 * - least privilege: Graph application permissions only from the allow-list; no delegated directory-wide
 *   scopes (the app is app-only);
 * - secret lifetime: a client secret must have an end date at most 180 days away;
 * - assignment required: when a principal (a group) is assigned to an enterprise app, that app must have
 *   `appRoleAssignmentRequired: true`, otherwise the assignment gates nothing;
 * - delegated scopes: a delegated grant (individual mode) holds only Calendars.ReadWrite, User.Read,
 *   offline_access, openid, profile;
 * - never public: the worker site takes no inbound traffic; every site is HTTPS only with TLS 1.2+, no FTP,
 *   secret-named settings are Key Vault references; storage has no shared keys, no public blobs, TLS 1.2;
 *   the Key Vault authorizes with Entra RBAC only (no access policies) and has purge protection.
 */
import * as keyvault from '@pulumi/azure-native/keyvault';
import * as storage from '@pulumi/azure-native/storage';
import * as web from '@pulumi/azure-native/web';
import * as azuread from '@pulumi/azuread';
import {
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
  validateResourceOfType,
} from '@pulumi/policy';
import {
  ALLOWED_PERMISSIONS,
  DEFAULT_ACCESS_ROLE_ID,
  DELEGATED_PERMISSIONS,
  GRAPH_APP_ID,
  MAX_SECRET_LIFETIME_DAYS,
  OPERATOR_APP_ROLE,
  ROLE_TAG,
  type GraphPermission,
} from '../constants';

/**
 * Microsoft Graph app role ids of the allow-listed permissions. A policy sees only resource inputs, never Graph,
 * so it needs the ids themselves (the program reads them from Graph's service principal instead).
 * Sources: reference/graph.md §2.1 (merill.net graph permissions, Microsoft's permissions-grant-via-msgraph
 * sample); GroupMember.Read.All from graphpermissions.merill.net. Override with the pack's config
 * `allowedAppRoleIds` if Microsoft ever reports a different id.
 */
export const ALLOWED_APP_ROLE_IDS: Record<GraphPermission, string> = {
  'Calendars.ReadWrite': 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
  'User.ReadBasic.All': '97235f07-e226-4f63-ace3-39588e11d3a1',
  'Calendars.Read': '798ee544-9d2d-430c-a058-570e29e34338',
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
};

/** Delegated grants whose claim values reach the whole directory. */
const DIRECTORY_WIDE_SCOPE = /(\.All$)|(^Directory\.)/;

interface LeastPrivilegeConfig {
  allowedAppRoleIds?: string[];
}

const allowedIds = (config: LeastPrivilegeConfig): Set<string> =>
  new Set((config.allowedAppRoleIds ?? Object.values(ALLOWED_APP_ROLE_IDS)).map((id) => id.toLowerCase()));

const nameOf = (id: string) =>
  (Object.entries(ALLOWED_APP_ROLE_IDS).find(([, v]) => v === id.toLowerCase())?.[0] as string | undefined) ??
  id;

export const graphApplicationPermissionsAllowListed: ResourceValidationPolicy = {
  name: 'graph-application-permissions-allow-listed',
  description: `Graph application permissions only from the allow-list (${ALLOWED_PERMISSIONS.join(', ')}), requested or granted.`,
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      allowedAppRoleIds: {
        type: 'array',
        items: { type: 'string' },
        default: Object.values(ALLOWED_APP_ROLE_IDS),
      },
    },
  },
  validateResource: [
    validateResourceOfType(azuread.Application, (app, args, report) => {
      const allowed = allowedIds(args.getConfig<LeastPrivilegeConfig>());
      for (const rra of app.requiredResourceAccesses ?? []) {
        if (rra.resourceAppId !== GRAPH_APP_ID) continue;
        for (const access of rra.resourceAccesses ?? []) {
          if (
            access.type === 'Role' &&
            typeof access.id === 'string' &&
            !allowed.has(access.id.toLowerCase())
          ) {
            report(
              `requests Graph application permission ${access.id}, which is not on the allow-list (${ALLOWED_PERMISSIONS.join(', ')})`,
            );
          }
        }
      }
    }),
    validateResourceOfType(azuread.AppRoleAssignment, (a, args, report) => {
      // The default access role assigns a user or group to an app, and Together.Operator is the publisher
      // app's own role for its staff: neither grants an API permission.
      if (
        typeof a.appRoleId !== 'string' ||
        a.appRoleId === DEFAULT_ACCESS_ROLE_ID ||
        a.appRoleId.toLowerCase() === OPERATOR_APP_ROLE.id
      )
        return;
      if (!allowedIds(args.getConfig<LeastPrivilegeConfig>()).has(a.appRoleId.toLowerCase())) {
        report(
          `grants app role ${a.appRoleId}, which is not an allow-listed Graph application permission (${ALLOWED_PERMISSIONS.join(', ')})`,
        );
      }
    }),
  ],
};

export const noDirectoryWideDelegatedScopes: ResourceValidationPolicy = {
  name: 'no-directory-wide-delegated-scopes',
  description:
    'Together is app-only: no delegated Graph scopes on the app, and no tenant-wide delegated grant of a directory-wide scope.',
  enforcementLevel: 'mandatory',
  validateResource: [
    validateResourceOfType(azuread.Application, (app, _args, report) => {
      for (const rra of app.requiredResourceAccesses ?? []) {
        if (rra.resourceAppId !== GRAPH_APP_ID) continue;
        for (const access of rra.resourceAccesses ?? []) {
          if (access.type === 'Scope') {
            report(`requests delegated Graph scope ${access.id}; Together uses application permissions only`);
          }
        }
      }
    }),
    validateResourceOfType(azuread.ServicePrincipalDelegatedPermissionGrant, (grant, _args, report) => {
      if (grant.userObjectId) return; // consent for one user, not the directory
      const wide = (grant.claimValues ?? []).filter(
        (c) => typeof c === 'string' && DIRECTORY_WIDE_SCOPE.test(c),
      );
      if (wide.length > 0) report(`grants directory-wide delegated scopes tenant-wide: ${wide.join(', ')}`);
    }),
  ],
};

const HOURS = /^(\d+(?:\.\d+)?)h$/;

export const clientSecretLifetime: ResourceValidationPolicy = {
  name: 'client-secret-lifetime',
  description: `A client secret needs an end date at most ${MAX_SECRET_LIFETIME_DAYS} days away; prefer the federated credential.`,
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(azuread.ApplicationPassword, (pw, _args, report) => {
    const maxMs = MAX_SECRET_LIFETIME_DAYS * 86_400_000;
    if (pw.endDateRelative) {
      const h = HOURS.exec(pw.endDateRelative);
      if (!h || Number(h[1]) * 3_600_000 > maxMs) {
        report(
          `endDateRelative ${pw.endDateRelative} exceeds ${MAX_SECRET_LIFETIME_DAYS * 24}h (${MAX_SECRET_LIFETIME_DAYS} days)`,
        );
      }
      return;
    }
    if (!pw.endDate) {
      report(
        `has no end date; set endDate at most ${MAX_SECRET_LIFETIME_DAYS} days away (the Entra default is two years)`,
      );
      return;
    }
    const start = pw.startDate ? Date.parse(pw.startDate) : Date.now();
    const end = Date.parse(pw.endDate);
    if (Number.isNaN(end)) report(`endDate ${pw.endDate} is not an RFC 3339 date`);
    else if (end - Math.max(start, Date.now()) > maxMs) {
      report(`endDate ${pw.endDate} is more than ${MAX_SECRET_LIFETIME_DAYS} days away`);
    }
  }),
};

const isServicePrincipal = (r: PolicyResource) => r.isType(azuread.ServicePrincipal);

export const assignmentRequiredWhenGroupAssigned: StackValidationPolicy = {
  name: 'assignment-required-when-group-assigned',
  description:
    'An enterprise app with a group (or user) assigned must have appRoleAssignmentRequired: true, or the assignment gates nothing.',
  enforcementLevel: 'mandatory',
  validateStack: (args, report) => {
    const sps = args.resources.filter(isServicePrincipal);
    for (const r of args.resources) {
      if (!r.isType(azuread.AppRoleAssignment) || r.props.appRoleId !== DEFAULT_ACCESS_ROLE_ID) continue;
      // Prefer the dependency (known in preview); fall back to matching the object id.
      const byDependency = (r.propertyDependencies.resourceObjectId ?? []).filter(isServicePrincipal);
      const targets =
        byDependency.length > 0
          ? byDependency
          : sps.filter((sp) => sp.props.objectId === r.props.resourceObjectId);
      for (const sp of targets) {
        if (sp.props.appRoleAssignmentRequired !== true) {
          report(
            `${sp.name} has principals assigned (${r.name}) but appRoleAssignmentRequired is not true`,
            sp.urn,
          );
        }
      }
    }
  },
};

export const delegatedScopesAllowListed: ResourceValidationPolicy = {
  name: 'delegated-scopes-allow-listed',
  description: `A delegated grant (integration individual) holds only ${DELEGATED_PERMISSIONS.join(', ')}.`,
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(
    azuread.ServicePrincipalDelegatedPermissionGrant,
    (grant, _args, report) => {
      const allowed: readonly string[] = DELEGATED_PERMISSIONS;
      const outside = (grant.claimValues ?? []).filter((c) => typeof c === 'string' && !allowed.includes(c));
      if (outside.length > 0) {
        report(
          `grants delegated scopes outside the allow-list (${DELEGATED_PERMISSIONS.join(', ')}): ${outside.join(', ')}`,
        );
      }
    },
  ),
};

/** App setting names that hold secrets: their value must be a Key Vault reference, never the secret itself. */
const SECRET_SETTING = /(SECRET|PASSWORD|_KEY|CONNECTIONSTRING_PASSWORD)$/i;
const TLS_12_OR_LATER = new Set(['1.2', '1.3']);

export const neverPublic: ResourceValidationPolicy = {
  name: 'never-public',
  description:
    'The worker takes no inbound traffic; sites are HTTPS only (TLS 1.2+, no FTP) with secrets as Key Vault references; storage has no shared keys or public blobs; Key Vault uses RBAC only, with purge protection.',
  enforcementLevel: 'mandatory',
  validateResource: [
    validateResourceOfType(web.WebApp, (site, _args, report) => {
      // Written without `x ?? {}`: Pulumi loads the pack through ts-node with type-checking, and these
      // checks must type-check under any compiler options (see ./tsconfig.json).
      const tags: Record<string, string> = site.tags ? (site.tags as Record<string, string>) : {};
      if (tags[ROLE_TAG] === 'worker' && site.publicNetworkAccess !== 'Disabled') {
        report(
          `is the worker but publicNetworkAccess is ${String(site.publicNetworkAccess)}; it must be Disabled`,
        );
      }
      if (site.httpsOnly !== true) report('must set httpsOnly: true');
      const config = site.siteConfig;
      if (!config) {
        report('has no siteConfig; it needs minTlsVersion 1.2 and ftpsState Disabled');
        return;
      }
      if (!TLS_12_OR_LATER.has(String(config.minTlsVersion))) {
        report(`siteConfig.minTlsVersion is ${String(config.minTlsVersion)}; it must be 1.2 or later`);
      }
      if (config.ftpsState !== 'Disabled')
        report(`siteConfig.ftpsState is ${String(config.ftpsState)}; it must be Disabled`);
      for (const s of config.appSettings ? config.appSettings : []) {
        if (
          s.name &&
          SECRET_SETTING.test(s.name) &&
          typeof s.value === 'string' &&
          !s.value.startsWith('@Microsoft.KeyVault(')
        ) {
          report(
            `app setting ${s.name} holds a value; a secret must be a Key Vault reference @Microsoft.KeyVault(SecretUri=…)`,
          );
        }
      }
    }),
    validateResourceOfType(storage.StorageAccount, (account, _args, report) => {
      if (account.allowSharedKeyAccess !== false)
        report('must set allowSharedKeyAccess: false (Entra authorization only)');
      if (account.allowBlobPublicAccess !== false) report('must set allowBlobPublicAccess: false');
      if (account.enableHttpsTrafficOnly === false)
        report('must not allow plain HTTP (enableHttpsTrafficOnly)');
      if (account.minimumTlsVersion !== 'TLS1_2' && account.minimumTlsVersion !== 'TLS1_3') {
        report(`minimumTlsVersion is ${String(account.minimumTlsVersion)}; it must be TLS1_2 or later`);
      }
    }),
    validateResourceOfType(storage.BlobContainer, (container, _args, report) => {
      if (container.publicAccess !== undefined && container.publicAccess !== 'None') {
        report(`publicAccess is ${String(container.publicAccess)}; containers are never public`);
      }
    }),
    validateResourceOfType(keyvault.Vault, (vault, _args, report) => {
      const p = vault.properties;
      if (!p) {
        report('has no properties');
        return;
      }
      if (p.enableRbacAuthorization !== true)
        report('must set enableRbacAuthorization: true (no access policies)');
      if (p.accessPolicies && p.accessPolicies.length > 0)
        report('must not have access policies; grant Azure RBAC roles instead');
      if (p.enablePurgeProtection !== true) report('must set enablePurgeProtection: true');
    }),
  ],
};

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  graphApplicationPermissionsAllowListed,
  noDirectoryWideDelegatedScopes,
  clientSecretLifetime,
  assignmentRequiredWhenGroupAssigned,
  delegatedScopesAllowListed,
  neverPublic,
];

export { nameOf as permissionNameOfRoleId };

/**
 * Mode `tenant`: what a customer's platform engineer declares in their own tenant.
 *
 * - the enterprise app: the service principal of Together's multi-tenant app (adopted if it already exists);
 * - admin consent as code: app role assignments from it to Microsoft Graph's service principal, role ids read
 *   from Graph's `appRoleIds` (never hard-coded);
 * - sign-in gating: `appRoleAssignmentRequired` plus a group assigned to the app (this does NOT limit which
 *   mailboxes the app reaches);
 * - mailbox scoping: the Exchange Online script (and its removal script), and no tenant-wide calendar grant
 *   when scoped;
 * - integration `individual`: no application permission at all; the delegated permissions each user needs
 *   (DELEGATED_PERMISSIONS) granted for all users as code (an oauth2PermissionGrant with consentType
 *   AllPrincipals) when delegatedConsent is admin, or left to each user's consent when it is user.
 */
import * as azuread from '@pulumi/azuread';
import * as pulumi from '@pulumi/pulumi';
import { type Assignment, type DelegatedConsent, type Integration, type MailboxScope } from './config';
import {
  CALENDAR_PERMISSIONS,
  DEFAULT_ACCESS_ROLE_ID,
  DELEGATED_PERMISSIONS,
  GRAPH_APP_ID,
  GRAPH_DEFAULT_SCOPE,
  type GraphPermission,
} from './constants';
import { exchangeScopingRemovalScript, exchangeScopingScript } from './exchange';
import { type TenantWorkerConfig } from '../contracts/worker-config';

export interface TogetherTenantArgs {
  /** Application (client) id of Together's multi-tenant app registration. */
  appId: string;
  /** Email of the person who hears about integration failures. */
  integrationOwner: string;
  /** The console's consent callback, registered on Together's app. */
  redirectUri: string;
  /** Graph application permissions Together needs (validated against the allow-list by config.ts). */
  permissions: GraphPermission[];
  assignment: Assignment;
  mailboxScope: MailboxScope;
  /** Required when mailboxScope is `group`. */
  scopeGroup?: string;
  /** Display name used for the Exchange service principal pointer. */
  displayName?: string;
  /** domainWide (default): application permissions; individual: delegated permissions per user. */
  integration?: Integration;
  /** individual only: admin (default) grants the delegated permissions for all users as code; user leaves it to each user. */
  delegatedConsent?: DelegatedConsent;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const TENANT_COMPONENT_TYPE = 'together:o365:Tenant';

/** `v2.0/adminconsent` without `state` (the console appends a one-time nonce). */
export function adminConsentUrl(tenantId: string, appId: string, redirectUri: string): string {
  return (
    `https://login.microsoftonline.com/${tenantId}/v2.0/adminconsent` +
    `?client_id=${appId}&scope=${GRAPH_DEFAULT_SCOPE}&redirect_uri=${encodeURIComponent(redirectUri)}`
  );
}

/**
 * Individual mode's admin-consent URL: the v2.0 endpoint with the delegated scopes named (not /.default, which
 * would grant every permission the app registration lists).
 */
export function delegatedAdminConsentUrl(tenantId: string, appId: string, redirectUri: string): string {
  const scope = DELEGATED_PERMISSIONS.map((p) =>
    ['offline_access', 'openid', 'profile'].includes(p) ? p : `https://graph.microsoft.com/${p}`,
  ).join(' ');
  return (
    `https://login.microsoftonline.com/${tenantId}/v2.0/adminconsent` +
    `?client_id=${appId}&scope=${encodeURIComponent(scope)}&redirect_uri=${encodeURIComponent(redirectUri)}`
  );
}

/** Which permissions are granted tenant-wide in Entra: with mailbox scoping, none of the calendar ones. */
export function tenantWideGrants(
  permissions: GraphPermission[],
  mailboxScope: MailboxScope,
): GraphPermission[] {
  return mailboxScope === 'group'
    ? permissions.filter((p) => !CALENDAR_PERMISSIONS.includes(p))
    : [...permissions];
}

export class TogetherTenant extends pulumi.ComponentResource {
  readonly tenantId: pulumi.Output<string>;
  readonly appId: pulumi.Output<string>;
  readonly servicePrincipalObjectId: pulumi.Output<string>;
  readonly grantedPermissions: pulumi.Output<string[]>;
  readonly adminConsentUrl: pulumi.Output<string>;
  readonly assignmentGroupId: pulumi.Output<string | undefined>;
  readonly exchangeScopingScript: pulumi.Output<string | undefined>;
  readonly exchangeScopingRemovalScript: pulumi.Output<string | undefined>;
  readonly delegatedPermissions: pulumi.Output<string[]>;
  readonly assignmentUserIds: pulumi.Output<string[] | undefined>;
  readonly workerConfig: pulumi.Output<TenantWorkerConfig>;
  /** Every child resource, for tests and for `dependsOn` by callers. */
  readonly resources: pulumi.Resource[] = [];

  constructor(name: string, args: TogetherTenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TENANT_COMPONENT_TYPE, name, {}, opts);
    const child = <R extends pulumi.Resource>(r: R): R => {
      this.resources.push(r);
      return r;
    };

    const client = azuread.getClientConfigOutput({ parent: this });
    // Read-only lookup: Graph's service principal is never adopted into state, so a destroy can't touch it.
    const graph = azuread.getServicePrincipalOutput({ clientId: GRAPH_APP_ID }, { parent: this });

    const requiresAssignment = args.assignment.mode !== 'all';
    // The enterprise app. useExisting adopts it when an earlier consent (or run) already created it.
    const sp = child(
      new azuread.ServicePrincipal(
        `${name}-enterprise-app`,
        {
          clientId: args.appId,
          useExisting: true,
          appRoleAssignmentRequired: requiresAssignment,
          notificationEmailAddresses: [args.integrationOwner],
        },
        { parent: this },
      ),
    );

    const integration = args.integration ?? 'domainWide';
    const individual = integration === 'individual';
    // Admin consent as code. Individual mode holds no application permission, whatever permissions says.
    const granted = individual ? [] : tenantWideGrants(args.permissions, args.mailboxScope);
    const delegated: string[] = individual ? [...DELEGATED_PERMISSIONS] : [];
    const delegatedConsent = individual ? (args.delegatedConsent ?? 'admin') : undefined;
    if (delegatedConsent === 'admin') {
      // No userObjectId: consentType AllPrincipals, the admin's grant for every user in the tenant. Each user
      // still signs in and connects their own calendar; a delegated token reaches only that user's mailbox.
      child(
        new azuread.ServicePrincipalDelegatedPermissionGrant(
          `${name}-graph-delegated`,
          {
            servicePrincipalObjectId: sp.objectId,
            resourceServicePrincipalObjectId: graph.objectId,
            claimValues: delegated,
          },
          { parent: this },
        ),
      );
    }
    for (const permission of granted) {
      child(
        new azuread.AppRoleAssignment(
          `${name}-graph-${permission}`,
          {
            appRoleId: graph.appRoleIds.apply((ids) => {
              const id = ids[permission];
              if (!id)
                throw new Error(
                  `Microsoft Graph's service principal has no application permission ${permission}`,
                );
              return id;
            }),
            principalObjectId: sp.objectId,
            resourceObjectId: graph.objectId,
          },
          { parent: this },
        ),
      );
    }

    // Sign-in gating.
    let groupId: pulumi.Output<string> | undefined;
    const a = args.assignment;
    if (a.mode === 'group') {
      groupId = pulumi.output(a.groupObjectId);
    } else if (a.mode === 'newGroup' || a.mode === 'dynamicGroup') {
      // A security group (not mail-enabled) made for Together: static members, or a membership rule.
      const membership =
        a.mode === 'newGroup'
          ? {
              members: a.groupMembers,
              description: 'Users who may sign in to Together Platform (managed by Pulumi)',
            }
          : {
              types: ['DynamicMembership'],
              dynamicMembership: { enabled: true, rule: a.dynamicRule },
              description:
                'Users who may sign in to Together Platform (dynamic membership, managed by Pulumi)',
            };
      groupId = child(
        new azuread.Group(
          `${name}-sign-in-group`,
          {
            displayName: a.groupName,
            securityEnabled: true,
            mailEnabled: false,
            preventDuplicateNames: true,
            ...membership,
          },
          { parent: this },
        ),
      ).objectId;
    }
    if (groupId) {
      child(
        new azuread.AppRoleAssignment(
          `${name}-sign-in-assignment`,
          { appRoleId: DEFAULT_ACCESS_ROLE_ID, principalObjectId: groupId, resourceObjectId: sp.objectId },
          { parent: this },
        ),
      );
    }
    // Direct user assignment: available on Entra ID Free (group assignment needs P1/P2). A user principal
    // name is resolved to its object id at deploy time; the assignment itself needs the object id.
    let userIds: pulumi.Output<string[]> | undefined;
    if (a.mode === 'users') {
      const ids = a.users.map((u, i) => {
        const objectId = GUID.test(u)
          ? pulumi.output(u)
          : azuread.getUserOutput({ userPrincipalName: u }, { parent: this }).objectId;
        child(
          new azuread.AppRoleAssignment(
            `${name}-sign-in-user-${i}`,
            { appRoleId: DEFAULT_ACCESS_ROLE_ID, principalObjectId: objectId, resourceObjectId: sp.objectId },
            { parent: this },
          ),
        );
        return objectId;
      });
      userIds = pulumi.all(ids);
    }

    this.tenantId = client.tenantId;
    this.appId = pulumi.output(args.appId);
    this.servicePrincipalObjectId = sp.objectId;
    this.grantedPermissions = pulumi.output(granted as string[]);
    this.adminConsentUrl = client.tenantId.apply((t) =>
      individual
        ? delegatedAdminConsentUrl(t, args.appId, args.redirectUri)
        : adminConsentUrl(t, args.appId, args.redirectUri),
    );
    this.assignmentGroupId = groupId ?? pulumi.output(undefined);
    const calendar = args.permissions.filter((p) => CALENDAR_PERMISSIONS.includes(p));
    const scopeGroup = args.scopeGroup;
    const scoped = !individual && args.mailboxScope === 'group' && scopeGroup;
    const scriptArgs = (objectId: string) => ({
      appId: args.appId,
      servicePrincipalObjectId: objectId,
      displayName: args.displayName ?? 'Together Platform',
      scopeGroup: scopeGroup!,
      calendarPermissions: calendar,
    });
    this.exchangeScopingScript = scoped
      ? sp.objectId.apply((objectId) => exchangeScopingScript(scriptArgs(objectId)))
      : pulumi.output(undefined);
    // pulumi destroy cannot remove Exchange objects: the matching removal script is an output too.
    this.exchangeScopingRemovalScript = scoped
      ? sp.objectId.apply((objectId) => exchangeScopingRemovalScript(scriptArgs(objectId)))
      : pulumi.output(undefined);
    this.delegatedPermissions = pulumi.output(delegated);
    this.assignmentUserIds = userIds ?? pulumi.output(undefined);

    this.workerConfig = pulumi
      .all([
        this.tenantId,
        sp.objectId,
        this.adminConsentUrl,
        this.assignmentGroupId,
        this.exchangeScopingScript,
        this.exchangeScopingRemovalScript,
        this.assignmentUserIds,
      ])
      .apply(([tenantId, objectId, consentUrl, assignmentGroupId, script, removal, users]) => ({
        tenantId,
        appId: args.appId,
        integrationOwner: args.integrationOwner,
        adminConsentUrl: consentUrl,
        redirectUri: args.redirectUri,
        servicePrincipalObjectId: objectId,
        grantedPermissions: [...granted],
        // Individual mode: a delegated token reaches only its user's own mailbox; no Exchange scope applies.
        mailboxScope: individual ? 'tenant' : args.mailboxScope,
        ...(scoped ? { scopeGroup } : {}),
        ...(assignmentGroupId ? { assignmentGroupId } : {}),
        ...(script ? { exchangeScopingScript: script } : {}),
        ...(removal ? { exchangeScopingRemovalScript: removal } : {}),
        integration,
        ...(individual ? { delegatedPermissions: [...delegated], delegatedConsent } : {}),
        ...(users ? { assignmentUserIds: users } : {}),
      }));

    this.registerOutputs({
      tenantId: this.tenantId,
      appId: this.appId,
      servicePrincipalObjectId: this.servicePrincipalObjectId,
      grantedPermissions: this.grantedPermissions,
      adminConsentUrl: this.adminConsentUrl,
      assignmentGroupId: this.assignmentGroupId,
      exchangeScopingScript: this.exchangeScopingScript,
      exchangeScopingRemovalScript: this.exchangeScopingRemovalScript,
      delegatedPermissions: this.delegatedPermissions,
      assignmentUserIds: this.assignmentUserIds,
      workerConfig: this.workerConfig,
    });
  }
}

/** Tenant-level reads: the organization and its authorization policy (authorizationpolicy-get.md). */
import { ctxUrl, ok, requireRoles } from '../http';
import type { RouteDef } from '../types';

// ------------------------------------------------------------------ policies

export const routes: RouteDef[] = [
  {
    id: 'getAuthorizationPolicy',
    method: 'GET',
    path: '/policies/authorizationPolicy',
    handler: (c) => {
      requireRoles(c, ['Policy.Read.All', 'Policy.ReadWrite.Authorization']);
      const p = c.caller.tenant.authorizationPolicy;
      return ok({
        '@odata.context': ctxUrl(c, 'policies/authorizationPolicy/$entity'),
        id: 'authorizationPolicy',
        displayName: 'Authorization Policy',
        description: 'Used to manage authorization related settings across the company.',
        allowInvitesFrom: p.allowInvitesFrom,
        allowedToSignUpEmailBasedSubscriptions: true,
        allowedToUseSSPR: true,
        allowEmailVerifiedUsersToJoinOrganization: false,
        blockMsolPowerShell: false,
        guestUserRoleId: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
        defaultUserRolePermissions: {
          allowedToCreateApps: p.allowedToCreateApps,
          allowedToCreateSecurityGroups: true,
          allowedToCreateTenants: true,
          allowedToReadOtherUsers: true,
          allowedToReadBitlockerKeysForOwnedDevice: true,
          permissionGrantPoliciesAssigned: p.permissionGrantPoliciesAssigned,
        },
      });
    },
  },
  {
    id: 'getOrganization',
    method: 'GET',
    path: '/organization',
    handler: (c) => {
      requireRoles(c, ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All', 'Organization.Read.All']);
      const t = c.caller.tenant;
      return ok({
        '@odata.context': ctxUrl(c, 'organization'),
        value: [
          {
            id: t.id,
            displayName: t.displayName,
            verifiedDomains: [{ name: t.domain, isDefault: true, isInitial: true, type: 'Managed' }],
          },
        ],
      });
    },
  },
];

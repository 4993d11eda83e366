/**
 * Microsoft Graph application permissions (app roles of the Microsoft Graph service principal, appId
 * 00000003-0000-0000-c000-000000000000) that the emulator knows. IDs are the real ones: see
 * ../shared/reference/graph.md §2.1 (graphpermissions.merill.net, permissions-grant-via-msgraph.md).
 * The consent page shows `adminConsentDisplayName`, as Entra does.
 */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export interface GraphAppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
}

export const GRAPH_APP_ROLES: readonly GraphAppRole[] = [
  {
    id: 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
    value: 'Calendars.ReadWrite',
    displayName: 'Read and write calendars in all mailboxes',
    description:
      'Allows the app to create, read, update, and delete events of all calendars without a signed-in user.',
  },
  {
    id: '798ee544-9d2d-430c-a058-570e29e34338',
    value: 'Calendars.Read',
    displayName: 'Read calendars in all mailboxes',
    description: 'Allows the app to read events of all calendars without a signed-in user.',
  },
  {
    id: '8ba4a692-bc31-4128-9094-475872af8a53',
    value: 'Calendars.ReadBasic.All',
    displayName: 'Read basic details of calendars in all mailboxes',
    description:
      'Allows the app to read events of all calendars, except for properties such as body, attachments, and extensions, without a signed-in user.',
  },
  {
    id: '97235f07-e226-4f63-ace3-39588e11d3a1',
    value: 'User.ReadBasic.All',
    displayName: "Read all users' basic profiles",
    description:
      'Allows the app to read a basic set of profile properties of other users in your organization without a signed-in user.',
  },
  {
    id: 'df021288-bdef-4463-88db-98f22de89214',
    value: 'User.Read.All',
    displayName: "Read all users' full profiles",
    description: 'Allows the app to read user profiles without a signed in user.',
  },
  {
    id: '98830695-27a2-44f7-8c18-0c3ebc9698f6',
    value: 'GroupMember.Read.All',
    displayName: 'Read all group memberships',
    description:
      'Allows the app to read memberships and basic group properties for all groups without a signed-in user.',
  },
  {
    id: '5b567255-7703-4780-807c-7be8301ae99b',
    value: 'Group.Read.All',
    displayName: 'Read all groups',
    description:
      'Allows the app to read group properties and memberships, and read conversations for all groups, without a signed-in user.',
  },
  {
    id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
    value: 'Directory.Read.All',
    displayName: 'Read directory data',
    description:
      "Allows the app to read data in your organization's directory, such as users, groups and apps, without a signed-in user.",
  },
  {
    id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
    value: 'Application.Read.All',
    displayName: 'Read all applications',
    description: 'Allows the app to read all applications and service principals without a signed-in user.',
  },
  {
    id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
    value: 'Application.ReadWrite.All',
    displayName: 'Read and write all applications',
    description:
      'Allows the app to create, read, update and delete applications and service principals without a signed-in user.',
  },
  {
    id: '06b708a9-e830-4db3-a914-8e69da51d44f',
    value: 'AppRoleAssignment.ReadWrite.All',
    displayName: 'Manage app permission grants and app role assignments',
    description:
      'Allows the app to manage permission grants for application permissions to any API and application assignments for any app, without a signed-in user.',
  },
  {
    id: '246dd0d5-5bd0-4def-940b-0421030a5b68',
    value: 'Policy.Read.All',
    displayName: "Read your organization's policies",
    description: "Allows the app to read all your organization's policies without a signed in user.",
  },
  {
    id: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
    value: 'Mail.ReadWrite',
    displayName: 'Read and write mail in all mailboxes',
    description:
      'Allows the app to create, read, update, and delete mail in all mailboxes without a signed-in user.',
  },
  {
    id: 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
    value: 'Mail.Send',
    displayName: 'Send mail as any user',
    description: 'Allows the app to send mail as any user without a signed-in user.',
  },
  {
    id: '40f97065-369a-49f4-947c-6a255697ae91',
    value: 'MailboxSettings.Read',
    displayName: 'Read all user mailbox settings',
    description: "Allows the app to read user's mailbox settings without a signed-in user.",
  },
  {
    id: '77f3a031-c388-4f99-b373-dc68676a979e',
    value: 'User.RevokeSessions.All',
    displayName: 'Revoke all sign in sessions for a user',
    description: 'Allows the app to revoke all sign in sessions for a user, without a signed-in user.',
  },
  {
    id: '8e8e4742-1d95-4f68-9d56-6ee75648c72a',
    value: 'DelegatedPermissionGrant.ReadWrite.All',
    displayName: 'Manage all delegated permission grants',
    description:
      'Allows the app to manage permission grants for delegated permissions exposed by any API, without a signed-in user.',
  },
];

const byValue = new Map(GRAPH_APP_ROLES.map((r) => [r.value, r]));
const byId = new Map(GRAPH_APP_ROLES.map((r) => [r.id, r]));

export function roleByValue(value: string): GraphAppRole | undefined {
  return byValue.get(value);
}
export function roleById(id: string): GraphAppRole | undefined {
  return byId.get(id);
}
export const KNOWN_ROLE_VALUES = GRAPH_APP_ROLES.map((r) => r.value);

/**
 * Exchange Online RBAC for Applications roles (https://learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac)
 * and the Graph permission each one grants inside its scope.
 */
export const EXCHANGE_APP_ROLES: Record<string, string> = {
  'Application Calendars.Read': 'Calendars.Read',
  'Application Calendars.ReadWrite': 'Calendars.ReadWrite',
  'Application Mail.Send': 'Mail.Send',
  'Application Mail.ReadWrite': 'Mail.ReadWrite',
  'Application MailboxSettings.Read': 'MailboxSettings.Read',
};

/** Directory roles that may consent to Microsoft Graph application permissions (grant-admin-consent.md, Prerequisites). */
export const CONSENTING_ROLES = ['Global Administrator', 'Privileged Role Administrator'];

/**
 * Microsoft Graph delegated permissions (oauth2PermissionScopes of the Graph service principal) the emulator
 * knows, with the real scope ids and whether only an admin may consent (permissions-reference; "Admin consent
 * required"). The OpenID Connect scopes (openid, profile, email, offline_access) are delegated permissions of
 * Graph too and appear in oauth2PermissionGrant.scope (https://learn.microsoft.com/entra/identity-platform/scopes-oidc).
 */
export interface GraphDelegatedScope {
  id: string;
  value: string;
  /** What the user-consent page says. */
  userConsentDisplayName: string;
  adminConsentRequired: boolean;
}

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export const GRAPH_DELEGATED_SCOPES: readonly GraphDelegatedScope[] = [
  {
    id: '37f7f235-527c-4136-accd-4a02d197296e',
    value: 'openid',
    userConsentDisplayName: 'Sign you in',
    adminConsentRequired: false,
  },
  {
    id: '14dad69e-099b-42c9-810b-d002981feec1',
    value: 'profile',
    userConsentDisplayName: 'View your basic profile',
    adminConsentRequired: false,
  },
  {
    id: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0',
    value: 'email',
    userConsentDisplayName: 'View your email address',
    adminConsentRequired: false,
  },
  {
    id: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182',
    value: 'offline_access',
    userConsentDisplayName: 'Maintain access to data you have given it access to',
    adminConsentRequired: false,
  },
  {
    id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d',
    value: 'User.Read',
    userConsentDisplayName: 'Sign you in and read your profile',
    adminConsentRequired: false,
  },
  {
    id: 'b340eb25-3456-403f-be2f-af7a0d370277',
    value: 'User.ReadBasic.All',
    userConsentDisplayName: "Read all users' basic profiles",
    adminConsentRequired: false,
  },
  {
    id: 'a154be20-db9c-4678-8ab7-66f6cc099a59',
    value: 'User.Read.All',
    userConsentDisplayName: "Read all users' full profiles",
    adminConsentRequired: true,
  },
  {
    id: '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42',
    value: 'Calendars.Read',
    userConsentDisplayName: 'Read your calendars',
    adminConsentRequired: false,
  },
  {
    id: '1ec239c2-d7c9-4623-a91a-a9775856bb36',
    value: 'Calendars.ReadWrite',
    userConsentDisplayName: 'Have full access to your calendars',
    adminConsentRequired: false,
  },
  {
    id: 'e383f46e-2787-4529-855e-0e479a3ffac0',
    value: 'Mail.Send',
    userConsentDisplayName: 'Send mail as you',
    adminConsentRequired: false,
  },
  {
    id: '06da0dbc-49e2-44d2-8312-53f166ab848a',
    value: 'Directory.Read.All',
    userConsentDisplayName: 'Read directory data',
    adminConsentRequired: true,
  },
];

const delegatedByValue = new Map(GRAPH_DELEGATED_SCOPES.map((s) => [s.value.toLowerCase(), s]));
export function delegatedScope(value: string): GraphDelegatedScope | undefined {
  return delegatedByValue.get(value.toLowerCase());
}
export const KNOWN_DELEGATED_SCOPES = GRAPH_DELEGATED_SCOPES.map((s) => s.value);

/**
 * "Low impact" permissions under the recommended user-consent setting ("Allow user consent for apps from
 * verified publishers, for selected permissions", policy microsoft-user-default-low): an admin classifies
 * them; the portal suggests the sign-in ones (configure-permission-classifications). The emulator's default
 * classification, overridable per tenant (fixture `lowImpactPermissions`).
 */
export const DEFAULT_LOW_IMPACT = ['openid', 'profile', 'email', 'offline_access', 'User.Read'];

/** Directory roles that may grant delegated permissions for everyone (grant-admin-consent.md). */
export const DELEGATED_CONSENTING_ROLES = [
  'Global Administrator',
  'Privileged Role Administrator',
  'Cloud Application Administrator',
  'Application Administrator',
];

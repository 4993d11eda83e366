/** The directory, app and calendar objects the emulator keeps per tenant, as plain data (no behaviour). */
export type MailboxKind = 'exchangeOnline' | 'unlicensed' | 'onPremises' | 'none';

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  userType: 'Member' | 'Guest';
  accountEnabled: boolean;
  mailbox: MailboxKind;
  onPremisesSyncEnabled: boolean | null;
  /** user.assignedLicenses: SKU ids and the service plans disabled in each (assignedlicense.md). */
  assignedLicenses: AssignedLicense[];
  /** What getSchedule reveals to other callers (fixture `freeBusySharing`). */
  freeBusySharing: 'availabilityOnly' | 'limitedDetails';
  /** Teams licensed and enabled: without it an online meeting gets no join URL (fixture `teams`). */
  teams: boolean;
  /** The default calendar's allowedOnlineMeetingProviders (calendar resource). */
  allowedOnlineMeetingProviders: OnlineMeetingProvider[];
}

export const ONLINE_MEETING_PROVIDERS = ['teamsForBusiness', 'skypeForBusiness', 'skypeForConsumer'] as const;
export type OnlineMeetingProvider = (typeof ONLINE_MEETING_PROVIDERS)[number];

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: 'On' | null;
  /** Direct member ids (users and groups). */
  members: string[];
}

export interface Admin {
  id: string;
  userPrincipalName: string;
  displayName: string;
  roles: string[];
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  appOwnerOrganizationId: string;
  appRoleAssignmentRequired: boolean;
  servicePrincipalType: 'Application';
  signInAudience: string;
  createdDateTime: string;
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalDisplayName: string;
  principalType: 'ServicePrincipal';
  resourceId: string;
  resourceDisplayName: string;
  createdDateTime: string;
  /** When the grant shows up in new tokens (consent propagation; real tenants lag up to an hour). */
  visibleAt: number;
}

export interface ExchangeScope {
  id: string;
  appId: string;
  role: string;
  groupId: string;
  /**
   * Exchange caches RBAC for Applications: "changes take 30 minutes to 2 hours" to apply
   * (https://learn.microsoft.com/exchange/permissions-exo/application-rbac). A new assignment applies from
   * `activeFrom`; a removed one keeps applying until `activeUntil` (emulator clock, ms).
   */
  activeFrom?: number;
  activeUntil?: number | null;
}

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  secretText: string;
  hint: string;
  startDateTime: string;
  endDateTime: string;
}

export interface KeyCredential {
  keyId: string;
  displayName: string | null;
  certificatePem: string;
  /** SHA-1 and SHA-256 thumbprints of the certificate (base64url), as sent in assertion headers x5t / x5t#S256. */
  x5t: string;
  x5tS256: string;
  customKeyIdentifier: string;
  startDateTime: string;
  endDateTime: string;
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  homeTenantId: string;
  signInAudience: string;
  publisherDomain: string | null;
  redirectUris: string[];
  requiredPermissions: string[];
  /** Graph delegated permissions the app requests (requiredResourceAccess type Scope); `/.default` asks for these. */
  delegatedPermissions: string[];
  /** App roles the app defines (application.appRoles), assignable to users; they reach id_tokens as `roles`. */
  appRoles: { id: string; value: string; displayName: string; description: string }[];
  /** Verified publisher (publisher verification): needed for user consent under the low-impact policy. */
  publisherVerified: boolean;
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  createdDateTime: string;
}

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface CalendarEvent {
  id: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  iCalUId: string;
  subject: string;
  bodyPreview: string;
  body: { contentType: 'html' | 'text'; content: string };
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  isAllDay: boolean;
  showAs: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  sensitivity: 'normal' | 'personal' | 'private' | 'confidential';
  importance: 'low' | 'normal' | 'high';
  isCancelled: boolean;
  isOrganizer: boolean;
  responseRequested: boolean;
  type: 'singleInstance';
  location: { displayName: string };
  organizer: { emailAddress: { name: string; address: string } };
  attendees: {
    type: 'required' | 'optional' | 'resource';
    status: { response: string; time: string };
    emailAddress: { name?: string; address: string };
  }[];
  responseStatus: { response: string; time: string };
  isOnlineMeeting: boolean;
  onlineMeetingProvider: 'teamsForBusiness' | 'unknown';
  onlineMeeting: { joinUrl: string } | null;
  transactionId: string | null;
  webLink: string;
}

export interface OutboxMessage {
  id: string;
  tenantId: string;
  appId: string;
  /** The mailbox it was sent from (user id and UPN). */
  from: { id: string; userPrincipalName: string };
  sentDateTime: string;
  saveToSentItems: boolean;
  message: {
    subject?: string;
    body?: { contentType?: string; content?: string };
    toRecipients?: { emailAddress: { address: string; name?: string } }[];
    ccRecipients?: { emailAddress: { address: string; name?: string } }[];
    [k: string]: unknown;
  };
}

export interface AuthorizationPolicy {
  permissionGrantPoliciesAssigned: string[];
  allowedToCreateApps: boolean;
  allowInvitesFrom: string;
}

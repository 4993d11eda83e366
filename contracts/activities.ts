/**
 * The contract between workflows and activities: input and result types only, no runtime code with I/O.
 * Workflows import this file with `import type` (or the constants below, which are plain data), so it must
 * stay free of Node built-ins. Everything here is what lands in Temporal history: never put credentials,
 * tokens or secrets in any of these types — carry references (`credentialRef`) instead.
 *
 * Changes must be additive (new optional fields, new members) unless both sides change together.
 */

/** Which tenant, and which of the worker's configured credentials reaches it. No secrets. */
export interface TenantRef {
  /** Entra tenant id (GUID). */
  tenantId: string;
  /** Name of a credential profile configured on the worker; default 'default'. */
  credentialRef?: string;
}

// ---------------------------------------------------------------- consent

export type ConsentState = 'notConsented' | 'propagating' | 'consented' | 'partial' | 'revoked';

export interface CheckConsentInput {
  tenant: TenantRef;
  /** Graph application permissions the integration needs; default Calendars.ReadWrite, User.ReadBasic.All. */
  requiredRoles?: string[];
  /** True once consent was seen before: a later absence is then `revoked`, not `notConsented`. */
  everConsented?: boolean;
  /** When consent was (claimed to be) granted, ISO; inside the grace period a missing role is `propagating`. */
  consentedAt?: string;
  /** Grace period for consent propagation in seconds (real tenants lag up to an hour). Default 3600. */
  propagationGraceSeconds?: number;
  /** A user id (or UPN) whose calendar the check reads to prove access end to end. */
  probeUser?: string;
}

export interface GraphCallEvidence {
  ok: boolean;
  status?: number;
  code?: string;
  requestId?: string;
  message?: string;
}

export interface ConsentCheckResult {
  tenantId: string;
  state: ConsentState;
  checkedAt: string;
  servicePrincipal?: { id: string; enabled: boolean };
  grantedRoles: string[];
  missingRoles: string[];
  evidence: {
    tokenRoles?: string[];
    assignmentRoles?: string[];
    calendarCall?: GraphCallEvidence;
    tokenError?: { code: string; message: string };
  };
}

// ---------------------------------------------------------------- sampling

export type SampleSource = { kind: 'all' } | { kind: 'group'; groupId: string };

export interface SampleUsersInput {
  tenant: TenantRef;
  size: number;
  source: SampleSource;
  /** Same seed + same directory ⇒ same sample. */
  seed: string;
}

export interface SampledUser {
  id: string;
  userPrincipalName?: string;
  displayName?: string;
  mail?: string | null;
  userType?: string | null;
  /** Read while sampling when User.Read.All is granted (true/false/null); undefined: not read. */
  onPremisesSyncEnabled?: boolean | null;
  /** Has at least one licence (sampled with User.Read.All from assignedLicenses); undefined: not known. */
  licensed?: boolean;
}

export interface SampleUsersResult {
  users: SampledUser[];
  /** Enabled users seen while sampling (the population the sample is drawn from). */
  population: number;
  skippedDisabled: number;
  graphRequests: number;
}

import type { BrokenKind } from './individual';

// ---------------------------------------------------------------- probing

export type ProbeReason =
  | 'ok'
  | 'mailboxUnavailable'
  | 'outsideScope'
  | 'accessDenied'
  | 'userNotFound'
  | 'throttled'
  | 'error'
  /** Individual mode: the user's delegated token no longer refreshes (detail: the BrokenKind, code: AADSTS). */
  | 'connectionBroken';

/** Refinement of `mailboxUnavailable` when the granted data allows it. */
export type MailboxUnavailableDetail = 'guest' | 'onPremises' | 'unlicensed' | 'unknown';

export interface UserProbeResult {
  userId: string;
  userPrincipalName?: string;
  reason: ProbeReason;
  /** mailboxUnavailable: its refinement; connectionBroken (individual mode): the BrokenKind, e.g. `revoked`. */
  detail?: MailboxUnavailableDetail | BrokenKind;
  /** Graph's error code, e.g. MailboxNotEnabledForRESTAPI, ErrorAccessDenied. */
  code?: string;
  requestId?: string;
  status?: number;
  /** Free/busy through getSchedule: ok, or Graph's per-schedule error code. */
  freeBusy?: 'ok' | 'error' | 'skipped';
  freeBusyCode?: string;
}

export interface ProbeCalendarsInput {
  tenant: TenantRef;
  users: SampledUser[];
  options?: {
    /** $batch requests in flight at once. Default: all (the per-mailbox limiter and the worker's request budget pace them). */
    concurrency?: number;
    /** Retries for throttled or transient failures per request. Default 4. */
    maxRetries?: number;
    /** Also check free/busy via getSchedule. Default true. */
    freeBusy?: boolean;
    /**
     * Heartbeat progress (default true). False inside the health check: its probe is a few seconds, nobody
     * watches a heartbeat timeout, and every heartbeat that reaches the server is a billed action.
     */
    heartbeat?: boolean;
  };
}

export interface ProbeCalendarsResult {
  results: UserProbeResult[];
  graphRequests: number;
  throttledRetries: number;
}

export interface CapabilityProbeInput {
  tenant: TenantRef;
  /** UPN or id of the mailbox to probe; must be a designated one when TOGETHER_PROBE_MAILBOXES is set. */
  mailbox?: string;
  /**
   * Without `mailbox`: reachable users (ids or UPNs) from a sample, best first. The worker probes its first
   * designated probe mailbox instead when it has any (it writes only to designated mailboxes then).
   */
  candidates?: string[];
}

export interface CapabilityProbeResult {
  mailbox: string;
  ok: boolean;
  teamsJoinUrl: boolean;
  organizerIsMailbox: boolean;
  responseStatusReadable: boolean;
  cleanedUp: boolean;
  /** Read only when the join URL is missing: the calendar's allowed providers (why no Teams link). */
  allowedOnlineMeetingProviders?: string[];
  steps: {
    step: 'create' | 'read' | 'calendar' | 'delete';
    ok: boolean;
    code?: string;
    requestId?: string;
  }[];
}

// ---------------------------------------------------------------- notifications

export type NotificationKind =
  | 'consentReminder'
  | 'consentExpired'
  | 'onboarded'
  | 'incidentOpened'
  | 'incidentReminder'
  | 'incidentResolved'
  | 'credentialExpiring'
  /** Together's own credential was rejected by Entra: addressed to the publisher's operators, never the owner. */
  | 'publisherCredentialRejected'
  // individual mode: to the user whose connection broke; to the owner, the sweep's digest
  | 'connectionBroken'
  | 'connectionsDigest';

export interface Notification {
  /** Unique per incident and kind (e.g. `${tenantId}:${incidentId}:incidentOpened`): a retry never sends twice. */
  idempotencyKey: string;
  kind: NotificationKind;
  tenantId: string;
  /** Integration owner's email (ignored for the `publisher` audience: the worker's configured operators get it). */
  to: string;
  /**
   * Who must act: the tenant's integration owner (default) or the publisher's operators (a problem on
   * Together's side, such as its own credential being rejected; the worker sends it to TOGETHER_PUBLISHER_OPERATORS).
   */
  audience?: 'owner' | 'publisher';
  /** The tenant's display name, when known (email subjects say "Contoso", not only a GUID). */
  tenantName?: string;
  /** ISO time the problem started. */
  since?: string;
  /** One line: what failed. */
  summary: string;
  /** What it affects, in words. */
  impact?: string;
  fix?: {
    consentUrl?: string;
    exchangeScopingScript?: string;
    credentialExpiresAt?: string;
    steps?: string[];
    /** Individual mode: the user's own reconnect link. */
    reconnectUrl?: string;
  };
  /** Figures to show, e.g. { reachable: 180, sampled: 200 }. */
  facts?: Record<string, string | number | boolean>;
  /** The accounts the test could not reach: the first few ("name — why") and how many in all. */
  unreachable?: { accounts: string[]; total: number };
  /** What the owner should do next, in words (e.g. review the first report and confirm it). */
  nextStep?: string;
}

export interface NotifyResult {
  idempotencyKey: string;
  /** False when this key was already delivered before (a retry): nothing was sent again. */
  sent: boolean;
  channels: ('email' | 'webhook')[];
}

// ---------------------------------------------------------------- credentials (publisher)

export interface CredentialExpiry {
  kind: 'certificate' | 'secret';
  keyId: string;
  displayName?: string;
  endDateTime: string;
  daysLeft: number;
  severity: 'ok' | 'warning' | 'urgent' | 'expired';
}

export interface CheckCredentialExpiryResult {
  appId: string;
  credentials: CredentialExpiry[];
  /** The worst severity among them. */
  severity: CredentialExpiry['severity'];
}

// ---------------------------------------------------------------- failures

/**
 * ApplicationFailure types. Permanent ones are thrown non-retryable; workflows may also list them in
 * `nonRetryableErrorTypes`.
 */
export const FailureTypes = {
  Configuration: 'ConfigurationError',
  ConsentMissing: 'ConsentMissingError',
  UnknownTenant: 'UnknownTenantError',
  CredentialRejected: 'CredentialRejectedError',
  Transient: 'TransientGraphError',
} as const;

export const PERMANENT_FAILURE_TYPES: string[] = [
  FailureTypes.Configuration,
  FailureTypes.ConsentMissing,
  FailureTypes.UnknownTenant,
  FailureTypes.CredentialRejected,
];

/**
 * Failures that are the publisher's fault, not the tenant's: Entra rejected Together's own credential (wrong
 * secret AADSTS7000215, expired secret or certificate AADSTS7000222, invalid client assertion AADSTS700027,
 * assertion out of its time range AADSTS700024, no matching federated identity AADSTS70021, a missing federated
 * token file). No tenant admin can fix these, so they never read as "consent revoked".
 */
export const PUBLISHER_FAULT_TYPES: string[] = [FailureTypes.CredentialRejected];

export const DEFAULT_REQUIRED_ROLES = ['Calendars.ReadWrite', 'User.ReadBasic.All'];

/** The activity functions the worker registers (implemented in activities/, created with dependencies). */
export interface GraphActivities {
  checkConsent(input: CheckConsentInput): Promise<ConsentCheckResult>;
  sampleUsers(input: SampleUsersInput): Promise<SampleUsersResult>;
  probeCalendars(input: ProbeCalendarsInput): Promise<ProbeCalendarsResult>;
  capabilityProbe(input: CapabilityProbeInput): Promise<CapabilityProbeResult>;
  notifyOwner(notification: Notification): Promise<NotifyResult>;
  checkCredentialExpiry(): Promise<CheckCredentialExpiryResult>;
}

// ---------------------------------------------------------------- mailbox scope proof (issue 12 item 1)

import type { ScopeProof } from './messages';

export interface ProveMailboxScopeInput {
  tenant: TenantRef;
  /** Group behind the Exchange management scope: object id or SMTP address. */
  group: string;
  /** An in-scope mailbox (UPN or id). */
  probeMailbox: string;
  /** Out-of-scope mailboxes to probe; default 5. */
  outsideSample?: number;
}

/** Activities beyond GraphActivities (kept apart so existing GraphActivities implementations stay valid). */
export interface ScopeActivities {
  proveMailboxScope(input: ProveMailboxScopeInput): Promise<ScopeProof>;
}

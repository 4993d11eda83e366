/**
 * Individual mode's shared vocabulary (pure, sandbox-safe): each user connects their own Outlook calendar
 * with delegated permissions; the worker keeps their refresh token alive and notices when it breaks.
 *
 * Nothing here carries a token. Workflows see a connection only by its id (the user's object id in their
 * tenant); the tokens live in the encrypted MSAL cache (activities/individual/), partitioned per user by the
 * MSAL home account id `<oid>.<tid>` as MSAL's distributed-cache guidance describes
 * (https://learn.microsoft.com/entra/msal/javascript/node/caching#using-a-distributed-token-cache).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { UserProbeResult } from './activities';
import type { SampleTestReport } from './messages';

// ---------------------------------------------------------------- ids

export const individualSweepWorkflowId = (tenantId: string): string => `connections-${tenantId}`;

// ---------------------------------------------------------------- why a connection broke

/**
 * Why a refresh token stopped working, from the AADSTS code in Entra's `invalid_grant` / `interaction_required`
 * answer (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). Entra reports a password
 * reset and an admin's revokeSignInSessions with the same AADSTS50173 ("the user might have changed or reset
 * their password"), so `revoked` covers both; AADSTS50133 names a password change explicitly.
 */
export type BrokenKind =
  | 'inactivity'
  | 'revoked'
  | 'passwordChanged'
  | 'conditionalAccess'
  | 'mfaRequired'
  | 'consentRevoked'
  | 'userDisabled'
  | 'userDeleted'
  | 'unknown';

export const BROKEN_KINDS: BrokenKind[] = [
  'inactivity',
  'revoked',
  'passwordChanged',
  'conditionalAccess',
  'mfaRequired',
  'consentRevoked',
  'userDisabled',
  'userDeleted',
  'unknown',
];

/** Words for owners and users: what happened and what fixes it. */
export const BROKEN_TEXT: Record<BrokenKind, { what: string; fix: string }> = {
  inactivity: {
    what: 'the sign-in expired after 90 days without use',
    fix: 'Reconnect your calendar (one click, no admin needed).',
  },
  revoked: {
    what: 'the sign-in sessions were revoked or the password was reset',
    fix: 'Reconnect your calendar with your new sign-in.',
  },
  passwordChanged: {
    what: 'the password changed',
    fix: 'Reconnect your calendar with your new password.',
  },
  conditionalAccess: {
    what: 'a Conditional Access policy blocks the sign-in',
    fix: 'Ask your IT admin whether Together may be used from where you sign in (Conditional Access), then reconnect.',
  },
  mfaRequired: {
    what: 'the tenant now requires multi-factor authentication',
    fix: 'Reconnect your calendar and complete the multi-factor prompt.',
  },
  consentRevoked: {
    what: 'the permission for Together was removed',
    fix: 'Reconnect and accept the permissions again, or ask your admin to grant them for everyone.',
  },
  userDisabled: {
    what: 'the account is disabled in the organisation',
    fix: 'Nothing to do unless the account should be active: an admin re-enables it, then the user reconnects.',
  },
  userDeleted: {
    what: 'the account no longer exists in the organisation',
    fix: 'Remove the connection.',
  },
  unknown: { what: 'Microsoft refused to refresh the sign-in', fix: 'Reconnect your calendar.' },
};

// ---------------------------------------------------------------- records (metadata only, no tokens)

export type ConnectionStatus = 'invited' | 'connected' | 'broken';

export interface ConnectionBreak {
  kind: BrokenKind;
  /** AADSTS code, e.g. AADSTS700082. */
  code?: string;
  /** When the break was first seen (ISO): with the connection id, the user's email idempotency key. */
  since: string;
}

export interface ConnectionRecord {
  tenantId: string;
  /** The user's object id in the tenant (the connection id workflows see); for invitations `invite:<email>`. */
  connectionId: string;
  /** MSAL home account id `<oid>.<tid>`: the token cache partition key. */
  homeAccountId?: string;
  userPrincipalName?: string;
  /** Where the user hears about a broken connection. */
  email?: string;
  displayName?: string;
  status: ConnectionStatus;
  invitedAt?: string;
  connectedAt?: string;
  /** Last successful token refresh (keeps the 90-day inactivity window open). */
  lastRefreshAt?: string;
  lastCheckedAt?: string;
  broken?: ConnectionBreak;
  /** Delegated scopes granted (from the token response). */
  scopes?: string[];
}

/** The owner's view: "N of M invited users connected; K broken (why)". */
export interface ConnectionsSummary {
  tenantId: string;
  /** M: every user asked to connect (invited, connected or broken). */
  invited: number;
  /** N: working connections. */
  connected: number;
  /** K: broken connections, and why. */
  broken: number;
  brokenByKind: Partial<Record<BrokenKind, number>>;
  /** Invited but never connected. */
  pending: number;
  lastSweepAt?: string;
}

// ---------------------------------------------------------------- activities

export interface SweepConnectionsInput {
  tenantId: string;
  /** Opaque page cursor from the previous page; absent for the first. */
  cursor?: string;
  /** Connections per activity call (one page); default 200. */
  pageSize?: number;
  /** Also read one calendar event per connection to prove access end to end; default false (refresh only). */
  probeCalendar?: boolean;
  /** Concurrent token refreshes within the page; default 8. */
  concurrency?: number;
}

export interface ConnectionTransition {
  connectionId: string;
  kind?: BrokenKind;
  code?: string;
  since?: string;
}

export interface SweepConnectionsResult {
  checked: number;
  ok: number;
  /** Connections that broke in this page (were connected before): each gets one email. */
  newlyBroken: ConnectionTransition[];
  /** Connections that were broken and work again. */
  recovered: ConnectionTransition[];
  /** Broken before and still broken. */
  stillBroken: number;
  nextCursor?: string;
  /** Refreshes that failed for a passing reason (network, 5xx): retried next sweep, nobody is emailed. */
  transient?: number;
  /** Connections removed (the user disconnected) while this page was swept: their outcome is not recorded. */
  disconnected?: number;
  tokenRequests: number;
  graphRequests: number;
}

export interface NotifyConnectionBrokenInput {
  tenantId: string;
  connectionId: string;
  /** Console base URL for the reconnect link (`<consoleUrl>/connect?tenant=…`). */
  consoleUrl: string;
  idempotencyKey: string;
}

export interface NotifyDigestInput {
  tenantId: string;
  owner: string;
  idempotencyKey: string;
  summary: ConnectionsSummary;
  newlyBroken: number;
  consoleUrl?: string;
}

// ---------------------------------------------------------------- the sample test in individual mode

/** Draws the sample from the connection records (connected or broken: users who connected). Ids only. */
export interface SampleConnectionsInput {
  tenantId: string;
  size: number;
  /** Sampling seed (same seed, same connections → same sample); the workflow passes its id. */
  seed: string;
}

export interface SampleConnectionsResult {
  /** Connection ids (the users' object ids): no UPN or email enters history for reachable users. */
  connectionIds: string[];
  /** Connections the sample was drawn from (invitations not counted). */
  population: number;
}

export interface ProbeConnectionsInput {
  tenantId: string;
  connectionIds: string[];
  /** Users probed at once (each: one token request, one Graph request); default 16. */
  concurrency?: number;
}

export interface ProbeConnectionsResult {
  /**
   * One per connection, in input order. `userPrincipalName` only on unreachable ones (what the domain-wide
   * report keeps to name an unreachable account); `connectionBroken` carries the BrokenKind as `detail`.
   */
  results: UserProbeResult[];
  graphRequests: number;
  tokenRequests: number;
}

export interface IndividualSampleTestInput {
  tenantId: string;
  size: number;
  /** Share of sampled users that must be reachable for `pass` (0–1), as in the domain-wide test. */
  threshold: number;
  /** Default: the workflow id. */
  seed?: string;
  /** Connections per probe activity; default 100. */
  chunkSize?: number;
  /** Users in flight inside one probe activity; default 16. */
  concurrency?: number;
}

export const individualSampleTestWorkflowId = (tenantId: string, at: string): string =>
  `sample-test-individual-${tenantId}-${at}`;

export interface IndividualActivities {
  sampleConnections(input: SampleConnectionsInput): Promise<SampleConnectionsResult>;
  probeConnections(input: ProbeConnectionsInput): Promise<ProbeConnectionsResult>;
  sweepConnections(input: SweepConnectionsInput): Promise<SweepConnectionsResult>;
  summarizeConnections(input: { tenantId: string }): Promise<ConnectionsSummary>;
  /** Emails the user (looked up by connection id, so the address stays out of history) a reconnect link. */
  notifyConnectionBroken(input: NotifyConnectionBrokenInput): Promise<{ sent: boolean }>;
  notifyConnectionsDigest(input: NotifyDigestInput): Promise<{ sent: boolean }>;
}

// ---------------------------------------------------------------- the per-tenant sweep workflow

export interface IndividualSweepInput {
  tenantId: string;
  /** Integration owner: receives the digest. */
  owner?: string;
  /** Console base URL for reconnect links. */
  consoleUrl: string;
  /** Minutes between sweeps; default 1440 (daily: far inside the 90-day inactivity window). */
  intervalMinutes?: number;
  pageSize?: number;
  probeCalendar?: boolean;
  /** Stop after this many sweeps (tests, recording); default forever. */
  maxSweeps?: number;
  carried?: IndividualSweepCarry;
}

export interface IndividualSweepCarry {
  summary: ConnectionsSummary;
  sweeps: number;
  /** Idempotency keys already sent (bounded; the activity's store is the durable backstop). */
  sentKeys: string[];
  lastSampleTest?: SampleTestReport;
}

export interface IndividualSweepState {
  summary: ConnectionsSummary;
  sweeps: number;
  sweeping: boolean;
  nextSweepAt?: string;
  lastSweep?: { at: string; checked: number; ok: number; newlyBroken: number; recovered: number };
  /** The last individual-mode sample test's report (signalled by individualSampleTest), for status. */
  lastSampleTest?: SampleTestReport;
}

/** "N of M invited users connected; K broken (why)": the owner's one line, in the CLI and the console. */
export function describeConnections(s: ConnectionsSummary): string {
  const why = Object.entries(s.brokenByKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return `${s.connected} of ${s.invited} invited users connected; ${s.broken} broken${why ? ` (${why})` : ''}`;
}

export const sweepNowSignal = defineSignal<[]>('sweepNow');
/** individualSampleTest → the tenant's sweep: keep the report for the owner's view (status). */
export const sampleTestReportSignal = defineSignal<[SampleTestReport]>('individualSampleTestReport');
export const individualStateQuery = defineQuery<IndividualSweepState>('individualState');

// ---------------------------------------------------------------- console backend (injected)

/** Why a connect attempt failed, for the page that explains it. */
export type ConnectFailureReason = 'wrongTenant' | 'noAccount' | 'calendarRefused' | 'tokenRefused';

export class ConnectFailure extends Error {
  override name = 'ConnectFailure';
  constructor(
    readonly reason: ConnectFailureReason,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What the console's connect pages need; implemented in activities/individual/console-backend.ts, injected. */
export interface IndividualConsoleBackend {
  /** Entra's authorize URL (msal-node getAuthCodeUrl) for this tenant, with PKCE challenge and one-time state. */
  authorizeUrl(input: {
    tenantId: string;
    redirectUri: string;
    state: string;
    codeChallenge: string;
    loginHint?: string;
  }): Promise<string>;
  /** Code → tokens (sealed store) → a real calendar call → the connection. Throws ConnectFailure. */
  connect(input: {
    tenantId: string;
    code: string;
    codeVerifier: string;
    redirectUri: string;
  }): Promise<ConnectionRecord>;
  getConnection(tenantId: string, connectionId: string): Promise<ConnectionRecord | undefined>;
  disconnect(tenantId: string, connectionId: string): Promise<boolean>;
  summary(tenantId: string): Promise<ConnectionsSummary>;
}

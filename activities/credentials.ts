/**
 * checkCredentialExpiry (publisher): read the app registration's certificate and secret end dates in the
 * publisher's home tenant — `GET /applications(appId='…')?$select=…` — and grade them: warning from 30 days,
 * urgent from 14, expired after the end date. Needs Application.Read.All (or Application.ReadWrite.OwnedBy with the
 * app as its own owner) in the publisher tenant only.
 */
import type { CheckCredentialExpiryResult, CredentialExpiry } from '../contracts/activities';
import { FailureTypes } from '../contracts/activities';
import { failureForGraph, permanentFailure } from './graph/errors';
import { graphCallerFor, type ActivityDeps } from './runtime';

export const WARN_DAYS = 30;
export const URGENT_DAYS = 14;
const DAY = 86_400_000;

const RANK: Record<CredentialExpiry['severity'], number> = { ok: 0, warning: 1, urgent: 2, expired: 3 };

export function severityFor(daysLeft: number): CredentialExpiry['severity'] {
  if (daysLeft < 0) return 'expired';
  if (daysLeft <= URGENT_DAYS) return 'urgent';
  if (daysLeft <= WARN_DAYS) return 'warning';
  return 'ok';
}

/** Whole days left, rounded down; negative once expired. */
export function daysLeft(endDateTime: string, now: Date): number {
  return Math.floor((Date.parse(endDateTime) - now.getTime()) / DAY);
}

export function worst(severities: CredentialExpiry['severity'][]): CredentialExpiry['severity'] {
  return severities.reduce<CredentialExpiry['severity']>((w, s) => (RANK[s] > RANK[w] ? s : w), 'ok');
}

interface Cred {
  keyId?: string;
  displayName?: string | null;
  endDateTime?: string | null;
}

export function gradeCredentials(
  app: { keyCredentials?: Cred[]; passwordCredentials?: Cred[] },
  now: Date,
): CredentialExpiry[] {
  const out: CredentialExpiry[] = [];
  const add = (kind: CredentialExpiry['kind'], c: Cred) => {
    if (!c.endDateTime || Number.isNaN(Date.parse(c.endDateTime))) return;
    const d = daysLeft(c.endDateTime, now);
    out.push({
      kind,
      keyId: c.keyId ?? '',
      ...(c.displayName ? { displayName: c.displayName } : {}),
      endDateTime: new Date(c.endDateTime).toISOString(),
      daysLeft: d,
      severity: severityFor(d),
    });
  };
  for (const c of app.keyCredentials ?? []) add('certificate', c);
  for (const c of app.passwordCredentials ?? []) add('secret', c);
  return out.sort((a, b) => a.daysLeft - b.daysLeft);
}

export async function checkCredentialExpiry(deps: ActivityDeps): Promise<CheckCredentialExpiryResult> {
  const cfg = deps.config;
  if (!cfg.publisherTenantId) {
    throw permanentFailure(
      FailureTypes.Configuration,
      'checkCredentialExpiry needs TOGETHER_PUBLISHER_TENANT_ID (the app registration’s home tenant).',
    );
  }
  const graph = deps.clients!.forTenant({ tenantId: cfg.publisherTenantId });
  await graph.token();
  const caller = graphCallerFor(deps, graph);
  const res = await caller.call<{ appId?: string; keyCredentials?: Cred[]; passwordCredentials?: Cred[] }>({
    method: 'GET',
    url: `/applications(appId='${cfg.appId}')?$select=id,appId,keyCredentials,passwordCredentials`,
  });
  if (!res.ok) {
    if (res.failure.status === 403) {
      throw permanentFailure(
        FailureTypes.ConsentMissing,
        `Reading the app registration was refused (${res.failure.code ?? 403}): grant Application.Read.All (or make the app its own owner with Application.ReadWrite.OwnedBy) in the publisher tenant.`,
        { requestId: res.failure.requestId },
      );
    }
    throw failureForGraph(cfg.publisherTenantId, 'Reading the app registration', res.failure);
  }
  const credentials = gradeCredentials(res.value, deps.now?.() ?? new Date());
  return { appId: cfg.appId, credentials, severity: worst(credentials.map((c) => c.severity)) };
}

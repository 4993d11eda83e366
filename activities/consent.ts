/**
 * checkConsent: does Together's enterprise app exist and is it enabled in the tenant, which Graph roles does it
 * hold (from a fresh token's `roles` claim; from appRoleAssignments where readable), and does one real calendar
 * call succeed. It never trusts what a consent redirect claimed: only Entra (a token) and Graph (a call).
 */
import type {
  CheckConsentInput,
  ConsentCheckResult,
  ConsentState,
  GraphCallEvidence,
} from '../contracts/activities';
import { DEFAULT_REQUIRED_ROLES } from '../contracts/activities';
import { classifyTokenErrorFor, tokenRoles } from './graph/client';
import { failureForToken, redact, transientFailure, type GraphFailure } from './graph/errors';
import { hasCalendarRole } from './probe/classify';
import { readCheckUrl } from './probe/probe';
import { graphCallerFor, type ActivityDeps } from './runtime';

/** Microsoft Graph's appId (the same in every tenant) and its application role ids (graph.md §2.1). */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_APP_ROLE_IDS: Record<string, string> = {
  'ef54d2bf-783f-4e0f-bca1-3210c0444d99': 'Calendars.ReadWrite',
  '798ee544-9d2d-430c-a058-570e29e34338': 'Calendars.Read',
  '8ba4a692-bc31-4128-9094-475872af8a53': 'Calendars.ReadBasic.All',
  'df021288-bdef-4463-88db-98f22de89214': 'User.Read.All',
  '97235f07-e226-4f63-ace3-39588e11d3a1': 'User.ReadBasic.All',
  'b633e1c5-b582-4048-a93e-9f11b44c7e96': 'Mail.Send',
  '40f97065-369a-49f4-947c-6a255697ae91': 'MailboxSettings.Read',
  '6931bccd-447a-43d1-b442-00a195474933': 'MailboxSettings.ReadWrite',
  '98830695-27a2-44f7-8c18-0c3ebc9698f6': 'GroupMember.Read.All',
  '5b567255-7703-4780-807c-7be8301ae99b': 'Group.Read.All',
  '7ab1d382-f21e-4acd-a863-ba3e13f7da61': 'Directory.Read.All',
  '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30': 'Application.Read.All',
};

function evidence(f: GraphFailure): GraphCallEvidence {
  return {
    ok: false,
    status: f.status,
    ...(f.code ? { code: f.code } : {}),
    ...(f.requestId ? { requestId: f.requestId } : {}),
    ...(f.message ? { message: f.message } : {}),
  };
}

/** Pure decision from the evidence (unit-tested). */
export function decideConsentState(e: {
  tokenOk: boolean;
  tokenKind?: 'notConsented' | 'other';
  spEnabled?: boolean;
  missingRoles: string[];
  calendarOk?: boolean;
  calendarDenied?: boolean;
  everConsented: boolean;
  withinGrace: boolean;
}): ConsentState {
  const absent = (!e.tokenOk && e.tokenKind === 'notConsented') || e.spEnabled === false;
  if (absent) return e.everConsented ? 'revoked' : 'notConsented';
  if (e.missingRoles.length === 0 && e.calendarOk !== false) return 'consented';
  // Something is missing or a calendar call is refused.
  if (e.withinGrace) return 'propagating';
  if (e.everConsented && e.calendarDenied && e.missingRoles.length > 0) return 'revoked';
  return 'partial';
}

/** Whether `granted` holds role `r` or a broader one that covers it. */
function coveredBy(r: string, granted: ReadonlySet<string>): boolean {
  if (granted.has(r)) return true;
  if (r === 'User.ReadBasic.All' && (granted.has('User.Read.All') || granted.has('Directory.Read.All')))
    return true;
  return r === 'Calendars.Read' && granted.has('Calendars.ReadWrite');
}

export async function checkConsent(
  deps: ActivityDeps,
  input: CheckConsentInput,
): Promise<ConsentCheckResult> {
  const now = deps.now?.() ?? new Date();
  const required = input.requiredRoles ?? DEFAULT_REQUIRED_ROLES;
  const everConsented = input.everConsented ?? false;
  const graceMs = (input.propagationGraceSeconds ?? 3600) * 1000;
  const consentedAt = input.consentedAt ? Date.parse(input.consentedAt) : NaN;
  const withinGrace = !Number.isNaN(consentedAt) && now.getTime() - consentedAt < graceMs;
  const base = { tenantId: input.tenant.tenantId, checkedAt: now.toISOString() };

  // A fresh credential: a cached token can carry roles from before a consent change for up to ~90 minutes.
  deps.clients!.invalidate(input.tenant);
  const graph = deps.clients!.forTenant(input.tenant);
  let accessToken: string;
  try {
    const t = await graph.credential.getToken('https://graph.microsoft.com/.default');
    if (!t) throw new Error('no token');
    accessToken = t.token;
  } catch (err) {
    const tf = await classifyTokenErrorFor(deps.config, input.tenant.tenantId, err);
    if (tf.kind === 'notConsented' || tf.kind === 'appDisabled') {
      return {
        ...base,
        state: everConsented ? 'revoked' : 'notConsented',
        grantedRoles: [],
        missingRoles: [...required],
        evidence: { tokenError: { code: tf.code, message: redact(tf.message) } },
      };
    }
    // Unknown tenant, rejected credential, configuration → permanent failure; outage → retryable.
    throw failureForToken(input.tenant.tenantId, tf);
  }
  const roles = tokenRoles(accessToken);
  const caller = graphCallerFor(deps, graph);

  // The service principal of our app in this tenant (readable with Application.Read.All; often not granted) and
  // its app role assignments: read only when the fresh token lacks a required role. A token already proves what
  // they would: Entra issues none for a disabled enterprise app (AADSTS7000112) nor without consent (AADSTS7000229),
  // and the assignments can only add roles the token does not carry yet. So a healthy check spends no Graph request
  // here (it was two: the service principal, then its assignments).
  let servicePrincipal: ConsentCheckResult['servicePrincipal'];
  let assignmentRoles: string[] | undefined;
  const inToken = new Set(roles ?? []);
  const tokenCoversRequired = roles !== undefined && required.every((r) => coveredBy(r, inToken));
  const sp = tokenCoversRequired
    ? undefined
    : await caller.call<{ value?: { id: string; accountEnabled?: boolean }[] }>({
        method: 'GET',
        url: `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${deps.config.appId}'`)}&$select=id,appId,accountEnabled`,
      });
  if (sp?.ok && sp.value.value?.[0]) {
    const s = sp.value.value[0];
    servicePrincipal = { id: s.id, enabled: s.accountEnabled !== false };
    const ra = await caller.call<{ value?: { appRoleId: string; resourceId: string }[] }>({
      method: 'GET',
      url: `/servicePrincipals/${encodeURIComponent(s.id)}/appRoleAssignments`,
    });
    if (ra.ok) {
      assignmentRoles = [
        // Graph's app roles only (ids are global); assignments to other resources are not ours to judge.
        ...new Set((ra.value.value ?? []).flatMap((a) => GRAPH_APP_ROLE_IDS[a.appRoleId] ?? [])),
      ].sort();
    }
  }

  // One real calendar call.
  let calendarCall: GraphCallEvidence | undefined;
  let calendarOk: boolean | undefined;
  let calendarDenied = false;
  if (input.probeUser) {
    const r = await caller.call({
      method: 'GET',
      url: readCheckUrl(input.probeUser),
      mailboxes: [input.probeUser],
    });
    if (r.ok) {
      calendarOk = true;
      calendarCall = { ok: true, status: r.status };
    } else {
      calendarCall = evidence(r.failure);
      if (r.failure.status === 403 || r.failure.status === 401) {
        calendarOk = false;
        calendarDenied = true;
      } else if (r.failure.status === 404 || r.failure.status === 400) {
        // The probe user is missing or has no mailbox: says nothing about consent.
        calendarOk = undefined;
      } else {
        // Throttled or down after retries: no verdict possible — let Temporal retry the activity.
        throw transientFailure(
          `Calendar check in tenant ${input.tenant.tenantId} failed transiently (${r.failure.status} ${r.failure.code ?? ''})`,
          {
            requestId: r.failure.requestId,
          },
        );
      }
    }
  }

  // Roles: the token's claim; else the assignments; RBAC-for-Applications grants show in neither, so a
  // successful calendar call counts for the calendar role.
  const granted = new Set<string>([...(roles ?? []), ...(assignmentRoles ?? [])]);
  const missingRoles = required.filter((r) => {
    if (coveredBy(r, granted)) return false;
    if (r.startsWith('Calendars.') && calendarOk === true && !hasCalendarRole([...granted])) return false;
    return true;
  });
  const state = decideConsentState({
    tokenOk: true,
    ...(servicePrincipal ? { spEnabled: servicePrincipal.enabled } : {}),
    missingRoles,
    ...(calendarOk !== undefined ? { calendarOk } : {}),
    calendarDenied,
    everConsented,
    withinGrace,
  });
  return {
    ...base,
    state,
    ...(servicePrincipal ? { servicePrincipal } : {}),
    grantedRoles: [...granted].sort(),
    missingRoles,
    evidence: {
      ...(roles ? { tokenRoles: roles } : {}),
      ...(assignmentRoles ? { assignmentRoles } : {}),
      ...(calendarCall ? { calendarCall } : {}),
    },
  };
}

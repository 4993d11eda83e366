/**
 * What a failed refresh means. Entra answers a dead refresh token with `invalid_grant` (or
 * `interaction_required`) and an AADSTS code in error_description; the code says why
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes — Microsoft warns codes can change,
 * so unknown codes fall to `unknown`, which still asks the user to reconnect). Anything that is not a verdict on
 * the grant (network, 5xx, throttling, `temporarily_unavailable`) is `transient`: the sweep retries it next time
 * and never emails anyone about it.
 */
import type { BrokenKind } from '../../contracts/individual';

export type RefreshVerdict =
  { kind: BrokenKind; code?: string } | { transient: true; code?: string; message: string };

/** AADSTS number → kind. Sources: the error-code reference above and the AADSTS50173 troubleshooting article. */
export const AADSTS_KINDS: Record<string, BrokenKind> = {
  '700082': 'inactivity', // refresh token expired due to inactivity (90 days by default)
  '70008': 'inactivity', // ExpiredOrRevokedGrant: expired
  '50173': 'revoked', // FreshTokenNeeded: revoked (revokeSignInSessions) or password changed/reset
  '50132': 'revoked', // SsoArtifactRevoked: session revoked (password change or admin)
  '50133': 'passwordChanged', // SessionInvalidDueToPasswordChange
  '50055': 'passwordChanged', // InvalidPasswordExpiredPassword
  '53003': 'conditionalAccess', // BlockedByConditionalAccess
  '53000': 'conditionalAccess', // DeviceNotCompliant
  '53001': 'conditionalAccess', // DeviceNotDomainJoined
  '53002': 'conditionalAccess', // ApplicationUsedIsNotAnApprovedApp
  '70043': 'conditionalAccess', // refresh token expired by sign-in frequency (Conditional Access)
  '50076': 'mfaRequired', // UserStrongAuthClientAuthNRequired
  '50079': 'mfaRequired', // UserStrongAuthEnrollmentRequired
  '50078': 'mfaRequired', // UserStrongAuthExpired
  '65001': 'consentRevoked', // DelegationDoesNotExist: the user or admin has not consented (or consent was removed)
  '65004': 'consentRevoked', // UserDeclinedConsent
  '90094': 'consentRevoked', // AdminConsentRequired
  '50057': 'userDisabled', // UserDisabled
  '50034': 'userDeleted', // UserAccountNotFound
};

const GRANT_ERRORS = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'login_required']);

/** The first AADSTS number in a message, if any. */
export function aadstsCode(text: string | undefined): string | undefined {
  return /AADSTS(\d{4,7})/.exec(text ?? '')?.[1];
}

interface MsalLikeError {
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  errorNo?: string | number;
  message?: string;
  status?: number;
}

export function classifyRefreshError(err: unknown): RefreshVerdict {
  const e = (err ?? {}) as MsalLikeError;
  const text = `${e.errorMessage ?? ''} ${e.message ?? ''}`;
  const num = e.errorNo !== undefined && String(e.errorNo) !== '' ? String(e.errorNo) : aadstsCode(text);
  const code = num ? `AADSTS${num}` : undefined;
  const kind = num ? AADSTS_KINDS[num] : undefined;
  if (kind) return { kind, ...(code ? { code } : {}) };
  if (e.errorCode && GRANT_ERRORS.has(e.errorCode)) return { kind: 'unknown', code: code ?? e.errorCode };
  // MSAL's own "no refresh token in cache": the stored cache lost the grant; only a reconnect restores it.
  if (e.errorCode === 'no_tokens_found' || e.errorCode === 'no_account_in_silent_request') {
    return { kind: 'unknown', code: e.errorCode };
  }
  return {
    transient: true,
    ...(code ? { code } : {}),
    message: (e.errorCode ? `${e.errorCode}: ` : '') + (text.trim().split('\n')[0] ?? '').slice(0, 200),
  };
}

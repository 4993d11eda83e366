/**
 * What a health result means for the tenant (pure; safe in the workflow sandbox): the monitor classifies every
 * result it handles, and the health shard's activity classifies each check to decide whether the monitor needs to
 * hear about it at all (contracts/health-shard.ts `shouldReport`).
 */
import type { HealthResult } from './health';

export type HealthClass = 'healthy' | 'degraded' | 'failing' | 'inconclusive';

/**
 * What a health result means for the tenant, and why (pure; unit-tested). `audience: 'publisher'` marks a
 * problem on Together's side (its own credential rejected): its incident is told to the publisher's operators,
 * never to the tenant's owner as "consent revoked".
 */
export function classify(r: HealthResult): { cls: HealthClass; reason: string; audience?: 'publisher' } {
  if (r.publisherFault) {
    return {
      cls: 'failing',
      reason: `Together's own app credential is rejected by Entra${r.publisherFault.code ? ` (${r.publisherFault.code})` : ''}: a publisher problem; Together's operators are on it, nothing to do in the tenant.`,
      audience: 'publisher',
    };
  }
  if (r.consent === 'unknown' && r.consentError && r.verdict === 'fail') {
    return {
      cls: 'failing',
      reason: r.verdictReason ?? `The consent check fails: ${r.consentError.message}`,
    };
  }
  if (r.consent === 'unknown' && r.sampled === 0) {
    return { cls: 'inconclusive', reason: r.verdictReason ?? 'Consent could not be checked right now.' };
  }
  if (r.consent === 'revoked' || r.consent === 'notConsented') {
    return { cls: 'failing', reason: `Admin consent is ${r.consent === 'revoked' ? 'revoked' : 'missing'}.` };
  }
  if (r.appEnabled === false)
    return { cls: 'failing', reason: 'The enterprise app is disabled in the tenant.' };
  if (r.verdict === 'fail') return { cls: 'failing', reason: r.verdictReason ?? 'The sample test failed.' };
  if (r.consent === 'partial') {
    return { cls: 'degraded', reason: `Consent lacks ${r.missingRoles.join(', ') || 'some roles'}.` };
  }
  if (r.consent === 'propagating' || r.verdict === 'inconclusive') {
    return { cls: 'inconclusive', reason: r.verdictReason ?? 'Consent is still propagating.' };
  }
  if (r.verdict === 'degraded')
    return { cls: 'degraded', reason: r.verdictReason ?? 'Some calendars are unreachable.' };
  return { cls: 'healthy', reason: r.verdictReason ?? 'All checks passed.' };
}

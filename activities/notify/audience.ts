/**
 * Who a notification goes to. Most go to the tenant's integration owner (`to`). A problem on Together's side
 * — Entra rejecting the publisher's own app credential — is addressed to the publisher's operators
 * (TOGETHER_PUBLISHER_OPERATORS): no tenant admin can fix it, and telling them "consent revoked" with a consent
 * link would send them on a wild goose chase.
 */
import type { Notification } from '../../contracts/activities';
import { FailureTypes } from '../../contracts/activities';
import type { GraphConfig } from '../config';
import { permanentFailure } from '../graph/errors';

/** The notification with its real recipients in `to` (comma-joined for several operators). */
export function addressed(cfg: Pick<GraphConfig, 'publisherOperators'>, n: Notification): Notification {
  if (n.audience !== 'publisher') return n;
  if (!cfg.publisherOperators?.length) {
    throw permanentFailure(
      FailureTypes.Configuration,
      `A publisher-side problem (${n.kind}) has no one to tell: set TOGETHER_PUBLISHER_OPERATORS on the worker to the operators' email address(es). It is never sent to the tenant's owner.`,
    );
  }
  // The owner's address never survives into a publisher notification (nor its consent link).
  const { consentUrl: _dropped, ...fix } = n.fix ?? {};
  return { ...n, to: cfg.publisherOperators.join(','), fix };
}

/** The recipients of an addressed notification. */
export function recipients(n: Notification): string[] {
  return n.to
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

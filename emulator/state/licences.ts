/**
 * Licence data. Ids from "Product names and service plan identifiers for licensing"
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference): Office 365 E3
 * (ENTERPRISEPACK) and its Exchange Online (Plan 2) service plan, EXCHANGE_S_ENTERPRISE. A user whose only
 * licence has that plan in `disabledPlans` is licensed but has no Exchange Online mailbox.
 */
import type { AssignedLicense, MailboxKind } from './types';

export const SKU_OFFICE_365_E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const PLAN_EXCHANGE_S_ENTERPRISE = 'efb87545-963c-4e0d-99df-69c6916d9eb0';

/**
 * When the fixture says nothing: cloud and hybrid mailboxes (an on-premises mailbox still needs the licence,
 * microsoft-graph-docs #10745) get E3; `unlicensed` and `none` users get no licence at all.
 */
export function defaultLicences(mailbox: MailboxKind): AssignedLicense[] {
  return mailbox === 'exchangeOnline' || mailbox === 'onPremises'
    ? [{ skuId: SKU_OFFICE_365_E3, disabledPlans: [] }]
    : [];
}

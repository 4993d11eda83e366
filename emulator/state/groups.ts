/** Groups from the fixture, including dynamic membership rules evaluated once at load. */
import type { FixtureGroup } from '../fixture';
import type { Tenant } from './tenant';
import type { Group, User } from './types';

/** `user.<prop> -eq|-ne "<value>"` clauses joined by -and / -or (-and binds tighter). */
export function compileMembershipRule(rule: string): (u: User) => boolean {
  const orParts = rule.split(/\s+-or\s+/i).map((or) =>
    or.split(/\s+-and\s+/i).map((clause) => {
      const m = /^\(?\s*user\.(\w+)\s+-(eq|ne)\s+(?:"([^"]*)"|(true|false|null))\s*\)?$/i.exec(clause.trim());
      if (!m)
        throw new Error(
          `unsupported membership rule clause "${clause.trim()}" (supported: user.<property> -eq|-ne "value")`,
        );
      const [, prop, op, str, lit] = m;
      const want = str ?? lit!.toLowerCase();
      return (u: User) => {
        const v = (u as unknown as Record<string, unknown>)[prop!];
        const eq = String(v ?? 'null').toLowerCase() === want.toLowerCase();
        return op!.toLowerCase() === 'eq' ? eq : !eq;
      };
    }),
  );
  return (u) => orParts.some((and) => and.every((c) => c(u)));
}

export function groupFromFixture(tenant: Tenant, g: FixtureGroup): Group {
  const dynamic = g.groupTypes.includes('DynamicMembership');
  let members: string[];
  if (dynamic) {
    const rule = compileMembershipRule(g.membershipRule!);
    members = tenant.users.filter(rule).map((u) => u.id);
  } else {
    members = g.members.map((m) => tenant.findUser(m)?.id ?? m.toLowerCase());
  }
  return {
    id: g.id.toLowerCase(),
    displayName: g.displayName,
    description: g.description ?? null,
    mailNickname: g.mailNickname,
    mail: g.mail ?? null,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
    groupTypes: g.groupTypes,
    membershipRule: g.membershipRule ?? null,
    membershipRuleProcessingState: dynamic ? 'On' : null,
    members,
  };
}

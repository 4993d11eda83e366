/**
 * An emulator state holding one tenant of `count` generated users, all licensed Exchange Online members (no
 * guests, on-premises, unlicensed or disabled accounts): every user has a seeded calendar. For the calendar
 * unit tests and the seeded-calendars benchmark, which read calendars straight from the state, without HTTP.
 */
import type { Fixture } from '../../emulator/fixture';
import { EmulatorState } from '../../emulator/state';

export const GENERATED_TENANT = '11111111-1111-4111-8111-111111111111';

export function generatedTenantState(count: number, seed: string): EmulatorState {
  const fixture = {
    apps: [],
    tenants: [
      {
        id: GENERATED_TENANT,
        domain: 'generated.onmicrosoft.com',
        displayName: 'Generated',
        admins: [],
        users: [],
        groups: [],
        consents: [],
        exchangeScopes: [],
        events: [],
        delegatedGrants: [],
        appRoleAssignments: [],
        generate: { count, seed, unlicensedRate: 0, guestRate: 0, onPremisesRate: 0, disabledRate: 0 },
      },
    ],
  } as unknown as Fixture;
  return EmulatorState.fromFixture(fixture, { generated: {} });
}

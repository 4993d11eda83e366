/** Users from the fixture, and deterministic generated users for large tenants. */
import type { FixtureTenant } from '../fixture';
import { makeRng } from '../rng';
import { defaultLicences } from './licences';
import type { Tenant } from './tenant';
import type { MailboxKind, User } from './types';

const FIRST = [
  'Aisha',
  'Ben',
  'Chloé',
  'Dmitri',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Luca',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rafael',
  'Sara',
  'Tomás',
  'Uma',
  'Viktor',
  'Wen',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Adams',
  'Brown',
  'Chen',
  'Dubois',
  'Evans',
  'Fischer',
  'García',
  'Hughes',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Müller',
  'Nakamura',
  'Okafor',
  'Patel',
  'Rossi',
  'Silva',
  'Tanaka',
  'Walsh',
  'Yilmaz',
  'Zhang',
];
const DEPARTMENTS = ['Sales', 'Marketing', 'Engineering', 'Operations', 'Finance', 'HR'];

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export function userFromFixture(t: FixtureTenant['users'][number]): User {
  return {
    id: t.id.toLowerCase(),
    userPrincipalName: t.userPrincipalName,
    displayName: t.displayName,
    givenName: t.givenName ?? null,
    surname: t.surname ?? null,
    mail: t.mail !== undefined ? t.mail : t.mailbox === 'none' ? null : t.userPrincipalName,
    jobTitle: t.jobTitle ?? null,
    department: t.department ?? null,
    officeLocation: t.officeLocation ?? null,
    userType: t.userType,
    accountEnabled: t.accountEnabled,
    mailbox: t.mailbox,
    freeBusySharing: t.freeBusySharing,
    teams: t.teams,
    allowedOnlineMeetingProviders: [...t.allowedOnlineMeetingProviders],
    assignedLicenses:
      t.assignedLicenses?.map((l) => ({
        skuId: l.skuId.toLowerCase(),
        disabledPlans: l.disabledPlans.map((d) => d.toLowerCase()),
      })) ?? defaultLicences(t.mailbox),
    onPremisesSyncEnabled: t.onPremisesSyncEnabled ?? (t.mailbox === 'onPremises' ? true : null),
  };
}

/** Deterministic generated users: same seed and count ⇒ same ids, names and failure kinds. */
export function generateUsers(tenant: Tenant, spec: NonNullable<FixtureTenant['generate']>): void {
  const rng = makeRng(`${tenant.id}:${spec.seed}`);
  const departments = spec.departments ?? DEPARTMENTS;
  for (let i = 0; i < spec.count; i++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const roll = rng.float();
    let mailbox: MailboxKind = 'exchangeOnline';
    let userType: 'Member' | 'Guest' = 'Member';
    const guestCut = spec.guestRate;
    const unlicensedCut = guestCut + spec.unlicensedRate;
    if (roll < guestCut) {
      userType = 'Guest';
      mailbox = 'none';
    } else if (roll < unlicensedCut) mailbox = 'unlicensed';
    else if (roll < unlicensedCut + spec.onPremisesRate) mailbox = 'onPremises';
    const disabled = rng.float() < spec.disabledRate;
    const local = `${ascii(first)}.${ascii(last)}${i + 1}`;
    const upn =
      userType === 'Guest' ? `${local}_partner.example#EXT#@${tenant.domain}` : `${local}@${tenant.domain}`;
    tenant.addUser({
      id: rng.guid(),
      userPrincipalName: upn,
      displayName: `${first} ${last}`,
      givenName: first,
      surname: last,
      mail: userType === 'Guest' ? `${local}@partner.example` : upn,
      jobTitle: null,
      department: rng.pick(departments),
      officeLocation: null,
      userType,
      accountEnabled: !disabled,
      mailbox,
      onPremisesSyncEnabled: mailbox === 'onPremises' ? true : null,
      assignedLicenses: defaultLicences(mailbox),
      freeBusySharing: 'limitedDetails',
      teams: true,
      allowedOnlineMeetingProviders: ['teamsForBusiness'],
    });
  }
}

/**
 * Users (user-list.md, user-get.md): default property set, $select, $filter, paging, and what
 * User.ReadBasic.All may read.
 */
import { resourceNotFound } from '../../errors';
import { applySelect, parseSelect, type Row } from '../../odata';
import type { User } from '../../state';
import { ctxUrl, directoryPage, filterRows, ok, requireRoles } from '../http';
import type { Ctx, RouteDef } from '../types';

// ------------------------------------------------------------------ users

export const USER_PROPS = [
  'id',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'jobTitle',
  'department',
  'officeLocation',
  'userType',
  'accountEnabled',
  'onPremisesSyncEnabled',
  'businessPhones',
  'mobilePhone',
  'preferredLanguage',
  'assignedLicenses',
] as const;
/** Returned without $select (user-list.md: "a default set of properties"). */
const USER_DEFAULT = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];
/** User.ReadBasic.All's basic profile: displayName, givenName, id, mail, photo, surname, userPrincipalName (+ securityIdentifier). */
const USER_BASIC = new Set(['id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName']);

export function userRow(u: User): Row {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: u.officeLocation,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    userType: u.userType,
    accountEnabled: u.accountEnabled,
    department: u.department,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled,
    // "Returned only on $select" (user resource); never in USER_DEFAULT.
    assignedLicenses: u.assignedLicenses.map((l) => ({
      disabledPlans: [...l.disabledPlans],
      skuId: l.skuId,
    })),
  };
}

export function userReadScope(c: Ctx): 'full' | 'basic' {
  const full = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
  if (full.some((r) => c.caller.roles.has(r))) return 'full';
  // Delegated User.Read: "sign in and read the profile of the signed-in user" — their own, in full
  // (permissions-reference). graph/delegated.ts has already kept a delegated caller to themselves.
  if (c.caller.userId && c.caller.roles.has('User.Read')) return 'full';
  requireRoles(c, ['User.ReadBasic.All']);
  return 'basic';
}

/**
 * With only User.ReadBasic.All, properties outside the basic profile (assignedLicenses, onPremisesSyncEnabled,
 * userType, …) are left out of the response rather than refused: the permission "constrains app access to a
 * limited set of properties known as the basic profile" (https://learn.microsoft.com/graph/permissions-reference,
 * User permissions); the 200-without-them shape follows the test reported at
 * https://office365itpros.com/2024/01/30/user-readbasic-all-permission/ (INFERENCE: no Microsoft page shows the
 * response). Filtering on them is refused (parseFilter below only knows the basic properties).
 */
export function shapeUser(u: User, select: string[] | undefined, scope: 'full' | 'basic'): Row {
  const row = applySelect(userRow(u), select ?? USER_DEFAULT);
  if (scope === 'basic') for (const k of Object.keys(row)) if (!USER_BASIC.has(k)) delete row[k];
  return row;
}

export const routes: RouteDef[] = [
  {
    id: 'listUsers',
    method: 'GET',
    path: '/users',
    handler: (c) => {
      const scope = userReadScope(c);
      const select = parseSelect(c.req.query, USER_PROPS, 'user');
      const users = filterRows(
        c,
        c.caller.tenant.users,
        scope === 'basic' ? [...USER_BASIC] : [...USER_PROPS],
        userRow,
      );
      return directoryPage(
        c,
        users,
        (u) => shapeUser(u, select, scope),
        select ? `users(${select.join(',')})` : 'users',
      );
    },
  },
  {
    id: 'getUser',
    method: 'GET',
    path: '/users/{id}',
    handler: (c) => {
      const scope = userReadScope(c);
      const select = parseSelect(c.req.query, USER_PROPS, 'user');
      const u = c.caller.tenant.findUser(c.params[0]!);
      if (!u) throw resourceNotFound(c.params[0]);
      return ok({
        '@odata.context': ctxUrl(c, select ? `users(${select.join(',')})/$entity` : 'users/$entity'),
        ...shapeUser(u, select, scope),
      });
    },
  },
];

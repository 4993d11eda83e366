/** App registrations, readable in their home tenant only (application-get.md, passwordcredential.md, keycredential.md). */
import { resourceNotFound } from '../../errors';
import { applySelect, parseSelect, type Row } from '../../odata';
import { roleByValue } from '../../permissions';
import type { Application } from '../../state';
import { ctxUrl, directoryPage, filterRows, ok, requireRoles, setContext } from '../http';
import type { Ctx, RouteDef } from '../types';
import { APP_READ } from './servicePrincipals';

// ------------------------------------------------------------------ applications (home tenant only)

const APP_PROPS = [
  'id',
  'appId',
  'displayName',
  'signInAudience',
  'publisherDomain',
  'createdDateTime',
  'passwordCredentials',
  'keyCredentials',
  'web',
  'requiredResourceAccess',
];

function appRow(a: Application, withKey: boolean): Row {
  return {
    id: a.id,
    appId: a.appId,
    displayName: a.displayName,
    signInAudience: a.signInAudience,
    publisherDomain: a.publisherDomain,
    createdDateTime: a.createdDateTime,
    web: { redirectUris: a.redirectUris },
    requiredResourceAccess: [
      {
        resourceAppId: '00000003-0000-0000-c000-000000000000',
        resourceAccess: a.requiredPermissions.map((p) => ({ id: roleByValue(p)!.id, type: 'Role' })),
      },
    ],
    // secretText is never returned after creation (passwordcredential.md).
    passwordCredentials: a.passwordCredentials.map((p) => ({
      customKeyIdentifier: null,
      displayName: p.displayName,
      endDateTime: p.endDateTime,
      hint: p.hint,
      keyId: p.keyId,
      secretText: null,
      startDateTime: p.startDateTime,
    })),
    // `key` is returned only when a single object is read with $select=keyCredentials (keycredential.md).
    keyCredentials: a.keyCredentials.map((k) => ({
      customKeyIdentifier: k.customKeyIdentifier,
      displayName: k.displayName,
      endDateTime: k.endDateTime,
      key: withKey ? Buffer.from(k.certificatePem).toString('base64') : null,
      keyId: k.keyId,
      startDateTime: k.startDateTime,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
    })),
  };
}

function appsInTenant(c: Ctx): Application[] {
  return [...c.g.state.apps.values()].filter((a) => a.homeTenantId === c.caller.tenant.id);
}

export const routes: RouteDef[] = [
  {
    id: 'listApplications',
    method: 'GET',
    path: '/applications',
    handler: (c) => {
      requireRoles(c, APP_READ);
      const select = parseSelect(c.req.query, APP_PROPS, 'application');
      const apps = filterRows(c, appsInTenant(c), ['appId', 'displayName', 'id'], (a) => a as unknown as Row);
      return directoryPage(
        c,
        apps,
        (a) => applySelect(appRow(a, false), select),
        setContext('applications', select),
      );
    },
  },
  {
    id: 'getApplication',
    method: 'GET',
    path: '/applications{key}',
    handler: (c) => {
      requireRoles(c, APP_READ);
      const key = c.params[0]!;
      const m = /^\(appId='([^']+)'\)$/i.exec(key);
      const app = appsInTenant(c).find((a) =>
        m ? a.appId === m[1]!.toLowerCase() : `/${a.id}` === key.toLowerCase(),
      );
      if (!app) throw resourceNotFound(m ? m[1] : key.slice(1));
      const select = parseSelect(c.req.query, APP_PROPS, 'application');
      return ok({
        '@odata.context': ctxUrl(c, setContext('applications', select, true)),
        ...applySelect(appRow(app, !!select?.includes('keyCredentials')), select),
      });
    },
  },
];

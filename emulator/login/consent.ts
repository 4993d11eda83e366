/** The admin-consent page (v2 /{tenant}/v2.0/adminconsent and the legacy /{tenant}/adminconsent). */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';
import { CONSENTING_ROLES, roleByValue } from '../permissions';
import { appFor, GRAPH_DEFAULT_SCOPES, type LoginContext } from './common';

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(__dirname, '..', 'templates')), {
  autoescape: true,
  throwOnUndefined: false,
});

export function registerConsent(f: FastifyInstance, ctx: LoginContext): void {
  const S = () => ctx.state;

  interface ConsentParams {
    client_id?: string;
    redirect_uri?: string;
    scope?: string;
    state?: string;
    admin?: string;
    action?: string;
  }

  const errorPage = (
    reply: FastifyReply,
    status: number,
    code: number,
    message: string,
    returnUrl?: string,
  ) => {
    const html = env.render('error.njk', {
      heading: code === 90094 ? 'Need admin approval' : "Sorry, but we're having trouble signing you in.",
      code,
      message,
      returnUrl,
      correlationId: randomUUID(),
      timestamp: new Date().toISOString(),
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  };

  const withQuery = (uri: string, params: Record<string, string | undefined>) => {
    const u = new URL(uri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    return u.toString();
  };

  const consent =
    (v2: boolean) =>
    async (
      req: FastifyRequest<{ Params: { tenant: string }; Querystring: ConsentParams; Body: ConsentParams }>,
      reply: FastifyReply,
    ) => {
      const p: ConsentParams = req.method === 'POST' ? { ...(req.body ?? {}) } : { ...(req.query ?? {}) };
      const tenantSeg = req.params.tenant;
      const anyTenant = ['organizations', 'common'].includes(tenantSeg.toLowerCase());
      if (v2 && tenantSeg.toLowerCase() === 'common')
        return errorPage(
          reply,
          400,
          90130,
          "Application does not support the 'common' endpoint for admin consent. Use the tenant ID or 'organizations'.",
        );
      const fixedTenant = anyTenant ? undefined : S().findTenant(tenantSeg);
      if (!anyTenant && !fixedTenant)
        return errorPage(
          reply,
          400,
          90002,
          `Tenant '${tenantSeg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        );
      if (!p.client_id)
        return errorPage(
          reply,
          400,
          900144,
          "The request body must contain the following parameter: 'client_id'.",
        );
      const app = S().findApp(p.client_id);
      if (!app || (fixedTenant && !appFor(S(), p.client_id, fixedTenant)))
        return errorPage(
          reply,
          400,
          700016,
          `Application with identifier '${p.client_id}' was not found in the directory '${fixedTenant?.displayName ?? tenantSeg}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
        );
      // redirect_uri "must exactly match one of the redirect URIs that you registered" (v2-admin-consent.md);
      // a mismatch is an error page, never a redirect (that is what makes the redirect safe).
      const redirectUri = p.redirect_uri ?? app.redirectUris[0];
      if (!redirectUri || !app.redirectUris.includes(redirectUri))
        return errorPage(
          reply,
          400,
          50011,
          `The redirect URI '${redirectUri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${app.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
        );
      const errorRedirect = (error: string, description: string) =>
        reply.redirect(
          withQuery(redirectUri, {
            ...(v2 ? { admin_consent: 'True' } : {}),
            error,
            error_description: description,
            state: p.state,
          }),
          302,
        );
      if (v2 && !p.scope)
        return errorRedirect(
          'invalid_request',
          "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
      if (
        v2 &&
        !p.scope!.split(' ').every((s) => GRAPH_DEFAULT_SCOPES.includes(s) || s.endsWith('/.default'))
      )
        return errorRedirect(
          'invalid_request',
          "AADSTS70011: The provided value for the input parameter 'scope' is not valid. Use the /.default scope to request application permissions.",
        );

      const admins = anyTenant
        ? [...S().tenants.values()].flatMap((t) =>
            t.admins.map((a) => ({ ...a, tenant: t, tenantName: t.displayName })),
          )
        : fixedTenant!.admins.map((a) => ({
            ...a,
            tenant: fixedTenant!,
            tenantName: undefined as string | undefined,
          }));
      const permissions = app.requiredPermissions.map((v) => roleByValue(v)!).filter(Boolean);
      const action = `/${tenantSeg}${v2 ? '/v2.0' : ''}/adminconsent`;

      const render = (status: number, problem?: string) =>
        reply
          .code(status)
          .type('text/html; charset=utf-8')
          .send(
            env.render('consent.njk', {
              app,
              tenant: fixedTenant,
              permissions,
              admins,
              selected: p.admin ?? admins[0]?.userPrincipalName,
              action,
              clientId: app.appId,
              redirectUri,
              scope: p.scope ?? '',
              state: p.state ?? '',
              problem,
            }),
          );

      if (req.method === 'GET') return render(200);

      if (p.action === 'cancel') {
        // v2 documents access_denied-style errors; the legacy endpoint answers permission_denied "The admin canceled the request".
        return v2
          ? errorRedirect('access_denied', 'AADSTS65004: User declined to consent to access the app.')
          : reply.redirect(
              withQuery(redirectUri, {
                error: 'permission_denied',
                error_description: 'The admin canceled the request',
                state: p.state,
              }),
              302,
            );
      }
      if (p.action !== 'accept') return render(400, 'Choose Accept or Cancel.');
      const admin = admins.find(
        (a) =>
          a.userPrincipalName.toLowerCase() === (p.admin ?? '').toLowerCase() ||
          a.id === (p.admin ?? '').toLowerCase(),
      );
      if (!admin)
        return render(
          400,
          `No administrator '${p.admin ?? ''}' in this directory. Choose one from the list.`,
        );
      const tenant = admin.tenant;
      if (!appFor(S(), app.appId, tenant))
        return errorPage(
          reply,
          400,
          700016,
          `Application with identifier '${app.appId}' was not found in the directory '${tenant.displayName}'.`,
        );
      // Only Global Administrator or Privileged Role Administrator may grant Microsoft Graph app roles
      // (grant-admin-consent.md, Prerequisites); Entra stops with "Need admin approval".
      if (!admin.roles.some((r) => CONSENTING_ROLES.includes(r))) {
        const description = `AADSTS90094: The grant requires admin permission. ${admin.displayName} (${admin.roles.join(', ')}) cannot grant consent to application permissions for Microsoft Graph; a Global Administrator or Privileged Role Administrator must do it.`;
        return errorPage(
          reply,
          403,
          90094,
          description.replace(/^AADSTS90094: /, ''),
          withQuery(redirectUri, {
            ...(v2 ? { admin_consent: 'True' } : {}),
            error: 'access_denied',
            error_description: description,
            state: p.state,
          }),
        );
      }
      S().grantConsent(tenant.id, app.appId);
      ctx.changed();
      const params: Record<string, string | undefined> = v2
        ? { admin_consent: 'True', tenant: tenant.id, scope: p.scope, state: p.state }
        : { admin_consent: 'True', tenant: tenant.id, state: p.state };
      return reply.redirect(withQuery(redirectUri, params), 302);
    };
  f.get('/:tenant/v2.0/adminconsent', consent(true));
  f.post('/:tenant/v2.0/adminconsent', consent(true));
  f.get('/:tenant/adminconsent', consent(false));
  f.post('/:tenant/adminconsent', consent(false));
}

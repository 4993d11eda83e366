/** The admin-consent page (v2 /{tenant}/v2.0/adminconsent and the legacy /{tenant}/adminconsent). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSENTING_ROLES, roleByValue } from '../permissions';
import { appFor, appNotFoundMessage, GRAPH_DEFAULT_SCOPES, type LoginContext } from './common';
import { checkClientRequest, pageTemplates, sendErrorPage, sendPage, withQuery } from './pages';

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

  const consent =
    (v2: boolean) =>
    async (
      req: FastifyRequest<{ Params: { tenant: string }; Querystring: ConsentParams; Body: ConsentParams }>,
      reply: FastifyReply,
    ) => {
      const p: ConsentParams = req.method === 'POST' ? { ...(req.body ?? {}) } : { ...(req.query ?? {}) };
      const tenantSeg = req.params.tenant;
      if (v2 && tenantSeg.toLowerCase() === 'common')
        return sendErrorPage(
          reply,
          400,
          90130,
          "Application does not support the 'common' endpoint for admin consent. Use the tenant ID or 'organizations'.",
        );
      const checked = checkClientRequest(S(), tenantSeg, p);
      if (!checked.ok)
        return sendErrorPage(reply, checked.error.status, checked.error.code, checked.error.message);
      const { anyTenant, fixed: fixedTenant, app, redirectUri } = checked.request;
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
        sendPage(
          reply,
          status,
          pageTemplates.render('consent.njk', {
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
        return sendErrorPage(reply, 400, 700016, appNotFoundMessage(app.appId, tenant.displayName));
      // Only Global Administrator or Privileged Role Administrator may grant Microsoft Graph app roles
      // (grant-admin-consent.md, Prerequisites); Entra stops with "Need admin approval".
      if (!admin.roles.some((r) => CONSENTING_ROLES.includes(r))) {
        const description = `AADSTS90094: The grant requires admin permission. ${admin.displayName} (${admin.roles.join(', ')}) cannot grant consent to application permissions for Microsoft Graph; a Global Administrator or Privileged Role Administrator must do it.`;
        return sendErrorPage(
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

/**
 * What the browser-facing Entra pages (authorize, admin consent) share: the template environment, the error
 * page's fields, redirect-URI query building, and the checks every such request starts with (tenant, client_id,
 * app, registered redirect URI) — answered as AADSTS error pages, never as redirects, because until the redirect
 * URI is known to be registered it is not safe to send anything there (v2-oauth2-auth-code-flow.md,
 * v2-admin-consent.md: redirect_uri "must exactly match one of the redirect URIs you registered").
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import nunjucks from 'nunjucks';
import type { Application, EmulatorState, Tenant } from '../state';
import { appFor, appNotFoundMessage } from './common';

export const pageTemplates = new nunjucks.Environment(
  new nunjucks.FileSystemLoader(path.join(__dirname, '..', 'templates')),
  { autoescape: true, throwOnUndefined: false },
);

/**
 * Sends a sign-in or consent page as Entra's login pages are sent: never cached (they carry one-time state) and
 * never framed (clickjacking a consent button is the attack X-Frame-Options prevents).
 */
export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .send(html);
}

/**
 * The heading Entra puts over an AADSTS error page: "Need admin approval" when the user (or admin) lacks the
 * right to consent (AADSTS90094), otherwise its generic sign-in trouble heading.
 */
export function errorHeading(code: number): string {
  return code === 90094 ? 'Need admin approval' : "Sorry, but we're having trouble signing you in.";
}

/** The variables of error.njk for one AADSTS error. */
export function errorPageVars(code: number, message: string, returnUrl?: string) {
  return {
    heading: errorHeading(code),
    code,
    message,
    returnUrl,
    correlationId: randomUUID(),
    timestamp: new Date().toISOString(),
  };
}

/**
 * The one shape of an error page shown by the authorize and admin-consent endpoints: error.njk with the AADSTS
 * code, message, correlation id and timestamp, sent as every login page is (sendPage: no-store, no framing).
 */
export function sendErrorPage(
  reply: FastifyReply,
  status: number,
  code: number,
  message: string,
  returnUrl?: string,
): FastifyReply {
  return sendPage(reply, status, pageTemplates.render('error.njk', errorPageVars(code, message, returnUrl)));
}

/** `uri` with `params` set in its query; undefined values are left out. */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

export interface ClientRequest {
  /** The path segment was `organizations` or `common`: any tenant may answer. */
  anyTenant: boolean;
  /** The tenant the path names, when it names one. */
  fixed?: Tenant;
  app: Application;
  /** The registered redirect URI to answer at (the request's, or the app's first). */
  redirectUri: string;
}

export interface PageError {
  status: number;
  code: number;
  message: string;
}

/**
 * The opening checks of an authorize or admin-consent request: the tenant segment, client_id, the app being
 * known in that tenant, and the redirect URI being one the app registered.
 */
export function checkClientRequest(
  state: EmulatorState,
  tenantSeg: string,
  p: { client_id?: string; redirect_uri?: string },
): { ok: true; request: ClientRequest } | { ok: false; error: PageError } {
  const fail = (code: number, message: string) => ({
    ok: false as const,
    error: { status: 400, code, message },
  });
  const anyTenant = ['organizations', 'common'].includes(tenantSeg.toLowerCase());
  const fixed = anyTenant ? undefined : state.findTenant(tenantSeg);
  if (!anyTenant && !fixed)
    return fail(
      90002,
      `Tenant '${tenantSeg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  if (!p.client_id)
    return fail(900144, "The request body must contain the following parameter: 'client_id'.");
  const app = state.findApp(p.client_id);
  if (!app || (fixed && !appFor(state, p.client_id, fixed)))
    return fail(700016, appNotFoundMessage(p.client_id, fixed?.displayName ?? tenantSeg));
  const redirectUri = p.redirect_uri ?? app.redirectUris[0];
  if (!redirectUri || !app.redirectUris.includes(redirectUri))
    return fail(
      50011,
      `The redirect URI '${redirectUri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${app.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    );
  return { ok: true, request: { anyTenant, fixed, app, redirectUri } };
}

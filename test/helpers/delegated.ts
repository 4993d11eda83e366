/**
 * Drive the emulator's authorization endpoint without a browser, as a user would click through it: sign in
 * as a fixture user, accept (or cancel) the consent page, and get the redirect back. For integration tests of
 * anything that needs a user's code, id_token or refresh token (Chromium e2e tests click the same pages).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CryptoProvider } from '@azure/msal-node';
import { DELEGATED_SCOPES, type createIndividual } from '../../activities/individual';
import type { ConnectionRecord } from '../../contracts/individual';
import type { RunningEmulator } from '../../emulator';
import { signInWithCode } from './delegated-signin';
import { TOGETHER_APP } from '../../emulator/fixtures/ids';

export interface AuthorizeOutcome {
  /** Where the emulator finally sent the browser (the app's redirect URI with code or error), if it did. */
  location?: URL;
  /** The last HTML page shown instead (sign-in problem, "Need admin approval", error), with its status. */
  page?: { status: number; html: string };
  /** The emulator's sign-in session cookie (name=value), for SSO in a following authorize request. */
  cookie?: string;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(
  emu: RunningEmulator,
  tenant: string,
  params: Record<string, string | undefined>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ response_type: 'code', response_mode: 'query', ...params }))
    if (v !== undefined) q.set(k, v);
  return `${emu.origin}/${tenant}/oauth2/v2.0/authorize?${q}`;
}

const hidden = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, '&');

/**
 * GET the authorize URL, sign in as `user` (unless the cookie's session suffices), then `consent`
 * ('accept' | 'cancel' | 'none' = stop at the consent page).
 */
export async function authorizeWithoutBrowser(
  url: string,
  opts: { user: string; consent?: 'accept' | 'cancel' | 'none'; onBehalf?: boolean; cookie?: string },
): Promise<AuthorizeOutcome> {
  let cookie = opts.cookie;
  const follow = async (res: Response): Promise<AuthorizeOutcome | undefined> => {
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0];
    if (res.status === 302) return { location: new URL(res.headers.get('location')!), cookie };
    return undefined;
  };
  const headers = () => ({ ...(cookie ? { cookie } : {}) });
  let res = await fetch(url, { redirect: 'manual', headers: headers() });
  let done = await follow(res);
  if (done) return done;
  let html = await res.text();
  const action = new URL(url);
  const post = async (fields: Record<string, string>) => {
    res = await fetch(`${action.origin}${action.pathname}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers() },
      body: new URLSearchParams(fields),
    });
    done = await follow(res);
    if (!done) html = await res.text();
  };
  if (hidden(html, 'step') === 'signin') {
    await post({ flow: hidden(html, 'flow')!, step: 'signin', login: opts.user });
    if (done) return done;
  }
  if (hidden(html, 'step') === 'consent' && (opts.consent ?? 'accept') !== 'none') {
    await post({
      flow: hidden(html, 'flow')!,
      step: 'consent',
      action: opts.consent ?? 'accept',
      ...(opts.onBehalf ? { on_behalf: '1' } : {}),
    });
    if (done) return done;
  }
  return { page: { status: res.status, html }, cookie };
}

/** The test's Together redirect URI for the connect flow (registered on the app by `allowUserConnections`). */
export const CONNECT_REDIRECT = 'https://127.0.0.1:3999/connect/callback';

/**
 * Lets the tenant's users connect in the emulator: the redirect URI is registered on Together's app and users
 * may consent to it themselves (user consent 'all'), so no admin step is needed before `connectThroughCodeFlow`.
 */
export async function allowUserConnections(
  emu: RunningEmulator,
  tenantId: string,
  redirectUri = CONNECT_REDIRECT,
): Promise<void> {
  await emu.control.addRedirectUris(TOGETHER_APP.appId, [redirectUri]);
  await emu.control.setUserConsent(tenantId, 'all');
}

/**
 * One user connects their calendar as the console's /connect/callback does, without a browser: msal-node's
 * authorization URL with PKCE, the emulator's sign-in and consent pages (accepted), then the backend's code
 * exchange. Throws with the page or redirect shown when no code came back.
 */
export async function connectThroughCodeFlow(
  individual: ReturnType<typeof createIndividual>,
  tenantId: string,
  upn: string,
  opts: { redirectUri?: string; state?: string } = {},
): Promise<ConnectionRecord> {
  const redirectUri = opts.redirectUri ?? CONNECT_REDIRECT;
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await individual.ind.msal.forPartition(tenantId, '').getAuthCodeUrl({
    scopes: DELEGATED_SCOPES,
    redirectUri,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    state: opts.state ?? 'test-state',
    loginHint: upn,
  });
  const out = await signInWithCode(url, upn);
  const code = out.redirect?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${out.redirect?.toString() ?? out.html?.slice(0, 500)}`);
  return individual.backend.connectUser({ tenantId, code, codeVerifier: pkce.verifier, redirectUri });
}

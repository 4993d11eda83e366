/**
 * Drives the emulator's authorization-code pages without a browser (integration tests; the e2e tests use
 * Chromium): GET the authorize URL, post the sign-in form as a fixture user, accept (or cancel) the consent
 * prompt, and return where Entra would send the browser back to.
 */
export interface SignInOutcome {
  /** The redirect back to the app (code or error in its query), when there was one. */
  redirect?: URL;
  /** The last page shown instead (e.g. "Need admin approval"). */
  html?: string;
  status: number;
}

function hidden(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}
function action(html: string, base: string): string {
  const a = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!a) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  return new URL(a.replace(/&amp;/g, '&'), base).toString();
}

export async function signInWithCode(
  authUrl: string,
  login: string,
  consent: 'accept' | 'cancel' = 'accept',
): Promise<SignInOutcome> {
  let cookie = '';
  const go = async (url: string, form?: Record<string, string>) => {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    const location = res.headers.get('location');
    return { res, location, html: location ? '' : await res.text() };
  };
  let r = await go(authUrl);
  for (let i = 0; i < 5; i++) {
    if (r.location) return { redirect: new URL(r.location, authUrl), status: r.res.status };
    // "Need admin approval": the user can only go back to the app (Entra sends AADSTS90094 to the redirect URI).
    const back = /id="return" href="([^"]+)"/.exec(r.html)?.[1];
    if (back && !hidden(r.html, 'step')) {
      const target = new URL(back.replace(/&amp;/g, '&'), authUrl);
      if (target.origin !== new URL(authUrl).origin) return { redirect: target, status: r.res.status };
      r = await go(target.toString());
      continue;
    }
    const step = hidden(r.html, 'step');
    const flow = hidden(r.html, 'flow');
    if (!flow || !step) return { html: r.html, status: r.res.status };
    if (step === 'signin') r = await go(action(r.html, authUrl), { flow, step, login });
    else if (step === 'consent') r = await go(action(r.html, authUrl), { flow, step, action: consent });
    else return { html: r.html, status: r.res.status };
  }
  throw new Error('sign-in did not finish in 5 steps');
}

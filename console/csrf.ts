/**
 * CSRF protection for the console's forms: a signed double-submit token. The browser holds a random value
 * in an HttpOnly, SameSite=Strict cookie; each form carries HMAC-SHA256(secret, "csrf:" + cookie value) in a
 * hidden field. A POST is accepted only when the field matches the cookie's HMAC (constant-time), so a
 * cross-site page can neither read the token nor forge it without the server's secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const CSRF_COOKIE = 'together_csrf';
export const CSRF_FIELD = '_csrf';

export class Csrf {
  constructor(private readonly secret: Buffer) {}

  /** A secret kept under .data/console/ (mode 0600) so tokens survive a console restart. */
  static fromFile(file: string | null): Csrf {
    if (!file) return new Csrf(randomBytes(32));
    try {
      const existing = fs.readFileSync(file);
      if (existing.length >= 32) return new Csrf(existing);
    } catch {
      // first start
    }
    const secret = randomBytes(32);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return new Csrf(secret);
  }

  newCookieValue(): string {
    return randomBytes(24).toString('base64url');
  }

  tokenFor(cookieValue: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${cookieValue}`).digest('base64url');
  }

  verify(cookieValue: string | undefined, token: unknown): boolean {
    if (!cookieValue || typeof token !== 'string' || token.length === 0) return false;
    const expected = Buffer.from(this.tokenFor(cookieValue));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** Parses a Cookie header into name → value (first occurrence wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

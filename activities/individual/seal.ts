/**
 * Encryption of token cache entries before they leave the process: AES-256-GCM with a random 96-bit IV per
 * write and the partition key as additional authenticated data, so a ciphertext copied into another user's
 * partition fails to open instead of handing that user someone else's refresh token.
 *
 * Format: `v1.<kid>.<iv b64url>.<tag b64url>.<ciphertext b64url>`; `kid` (first 8 hex of SHA-256 of the key)
 * names the key so a rotation can keep old keys for reading (`keys` holds the current one first).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../contracts/errors';

export class SealError extends Error {
  override name = 'SealError';
}

export interface Sealer {
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
}

function kidOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Parse a 32-byte key given as base64 (44 chars) or hex (64 chars). */
export function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new ConfigError(
      `${where} must be a 256-bit key: 32 random bytes as base64 or hex (e.g. \`openssl rand -base64 32\`).`,
    );
  }
  return key;
}

export function createSealer(keys: Buffer[]): Sealer {
  if (keys.length === 0) throw new ConfigError('the token store needs at least one encryption key');
  const byKid = new Map(keys.map((k) => [kidOf(k), k]));
  const current = keys[0]!;
  const currentKid = kidOf(current);
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', current, iv);
      c.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return [
        'v1',
        currentKid,
        iv.toString('base64url'),
        c.getAuthTag().toString('base64url'),
        ct.toString('base64url'),
      ].join('.');
    },
    open(sealed, aad) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1')
        throw new SealError('token cache entry has an unknown format');
      const key = byKid.get(parts[1]!);
      if (!key)
        throw new SealError(
          `token cache entry was sealed with key ${parts[1]}, which this worker does not have`,
        );
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2]!, 'base64url'));
        d.setAAD(Buffer.from(aad, 'utf8'));
        d.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(parts[4]!, 'base64url')), d.final()]).toString('utf8');
      } catch {
        throw new SealError(
          'token cache entry failed authentication (wrong key, or moved from another partition)',
        );
      }
    },
  };
}

/**
 * The embedded default's key: TOGETHER_TOKEN_KEY when set, else a key file created once (mode 0600) next to the
 * store. Production sets TOGETHER_TOKEN_KEY from Key Vault so every replica shares it.
 */
export function loadOrCreateKey(env: NodeJS.ProcessEnv, stateDir: string): Buffer[] {
  const fromEnv = env.TOGETHER_TOKEN_KEY?.trim();
  if (fromEnv) {
    const keys = fromEnv
      .split(',')
      .map((k, i) => parseKey(k, i === 0 ? 'TOGETHER_TOKEN_KEY' : `TOGETHER_TOKEN_KEY[${i}]`));
    return keys;
  }
  const file = path.join(stateDir, 'token-key');
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return [parseKey(fs.readFileSync(file, 'utf8'), file)];
}

/**
 * AES-256-GCM payload codec. When TOGETHER_CODEC_KEY is set (base64 of 32 random bytes), every payload —
 * workflow inputs and results, signals, queries, updates, activity inputs and results, heartbeat details,
 * memos — is encrypted before it leaves the worker or the client, so Temporal (and Temporal Cloud) store
 * only ciphertext. Worker and every client (CLI, console) must use the same key: `dataConverter(env)`.
 *
 * Format (as in temporalio/samples-typescript `encryption/`): the whole serialized Payload is encrypted,
 * a random 12-byte IV is prepended and the 16-byte tag appended; metadata `encoding: binary/encrypted` and
 * `encryption-key-id`. Rotation: set the new key as TOGETHER_CODEC_KEY (with a new TOGETHER_CODEC_KEY_ID)
 * and the old one as TOGETHER_CODEC_PREVIOUS_KEYS=`<id>:<base64>[,…]`: new payloads use the new key, old
 * histories still decode.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  METADATA_ENCODING_KEY,
  type DataConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../contracts/errors';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A bad TOGETHER_CODEC_KEY: a configuration error (exit 2). */
export class CodecConfigError extends ConfigError {}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

export class AesGcmCodec implements PayloadCodec {
  constructor(
    readonly keyId: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {
    if (!keys.has(keyId)) throw new CodecConfigError(`codec key '${keyId}' is not among the configured keys`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.keyId)!;
    return payloads.map((p) => {
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: enc(ENCODING), [KEY_ID_METADATA]: enc(this.keyId) },
        data: new Uint8Array(body),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (dec(p.metadata?.[METADATA_ENCODING_KEY]) !== ENCODING) return p;
      const keyId = dec(p.metadata?.[KEY_ID_METADATA]) ?? '';
      const key = this.keys.get(keyId);
      if (!key) {
        throw new CodecConfigError(
          `A payload is encrypted with key '${keyId}', which this process does not have. ` +
            `Add it to TOGETHER_CODEC_PREVIOUS_KEYS as '${keyId}:<base64 key>'.`,
        );
      }
      const data = Buffer.from(p.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new CodecConfigError('encrypted payload is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

function parseKey(name: string, b64: string): Buffer {
  const key = Buffer.from(b64.trim(), 'base64');
  if (key.length !== 32) {
    throw new CodecConfigError(
      `${name} must be base64 of exactly 32 bytes (got ${key.length} bytes). Generate one with: ` +
        `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  return key;
}

/** The codec configured by the environment, or undefined when TOGETHER_CODEC_KEY is not set. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const b64 = env.TOGETHER_CODEC_KEY;
  if (!b64) return undefined;
  const keyId = env.TOGETHER_CODEC_KEY_ID || 'k1';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(keyId)) {
    throw new CodecConfigError(
      `TOGETHER_CODEC_KEY_ID='${keyId}' must be letters, digits, dot, dash or underscore.`,
    );
  }
  const keys = new Map<string, Buffer>([[keyId, parseKey('TOGETHER_CODEC_KEY', b64)]]);
  for (const entry of (env.TOGETHER_CODEC_PREVIOUS_KEYS ?? '').split(',').filter(Boolean)) {
    const i = entry.indexOf(':');
    if (i <= 0) throw new CodecConfigError(`TOGETHER_CODEC_PREVIOUS_KEYS entries are '<id>:<base64 key>'.`);
    keys.set(
      entry.slice(0, i).trim(),
      parseKey(`TOGETHER_CODEC_PREVIOUS_KEYS[${entry.slice(0, i)}]`, entry.slice(i + 1)),
    );
  }
  return new AesGcmCodec(keyId, keys);
}

/**
 * The codec of a process without TOGETHER_CODEC_KEY: payloads pass through unencrypted, and an encrypted one
 * (written by a worker that has the key) is a configuration error naming the variable, instead of the data
 * converter's raw "Unknown encoding: binary/encrypted" (issue 12 item 8).
 */
export class MissingKeyCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    const encrypted = payloads.find((p) => dec(p.metadata?.[METADATA_ENCODING_KEY]) === ENCODING);
    if (encrypted) {
      const keyId = dec(encrypted.metadata?.[KEY_ID_METADATA]) ?? 'k1';
      throw new CodecConfigError(
        `These workflows are encrypted (key '${keyId}') but TOGETHER_CODEC_KEY is not set in this process. ` +
          `Set TOGETHER_CODEC_KEY (and TOGETHER_CODEC_KEY_ID) to the worker's key, from the same secret store.`,
      );
    }
    return payloads;
  }
}

/** Data converter for worker and clients: encrypting when a key is configured, pass-through otherwise. */
export function dataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return { payloadCodecs: [codecFromEnv(env) ?? new MissingKeyCodec()] };
}

/** True when this process encrypts payloads (TOGETHER_CODEC_KEY set). */
export function encrypting(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.TOGETHER_CODEC_KEY);
}

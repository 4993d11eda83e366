import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { errorKind } from '../contracts/errors';
import { codecFromEnv, dataConverter, ENCODING } from './codec';
import { startCodecServer } from './codec-server';

const key = () => randomBytes(32).toString('base64');
const payload = (v: unknown) => defaultPayloadConverter.toPayload(v);

describe('AES-256-GCM payload codec', () => {
  it('is off without a key and round-trips with one, leaving no plaintext', async () => {
    const passThrough = dataConverter({}).payloadCodecs![0]!;
    expect(await passThrough.encode([payload('x')])).toEqual([payload('x')]);
    const codec = codecFromEnv({ TOGETHER_CODEC_KEY: key() })!;
    const [enc] = await codec.encode([payload({ owner: 'owner@contoso.test' })]);
    expect(Buffer.from(enc!.metadata!.encoding!).toString()).toBe(ENCODING);
    expect(Buffer.from(enc!.data!).toString()).not.toContain('owner@contoso.test');
    const [dec] = await codec.decode([enc!]);
    expect(defaultPayloadConverter.fromPayload(dec!)).toEqual({ owner: 'owner@contoso.test' });
    // unencrypted payloads (older histories) pass through
    const plain = payload('x');
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('detects tampering and names a missing key; old keys still decode after rotation', async () => {
    const k1 = key();
    const old = codecFromEnv({ TOGETHER_CODEC_KEY: k1, TOGETHER_CODEC_KEY_ID: 'k1' })!;
    const [enc] = await old.encode([payload(42)]);
    const tampered = { ...enc!, data: Buffer.from(enc!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(old.decode([tampered])).rejects.toThrow();
    const rotatedWithout = codecFromEnv({ TOGETHER_CODEC_KEY: key(), TOGETHER_CODEC_KEY_ID: 'k2' })!;
    await expect(rotatedWithout.decode([enc!])).rejects.toThrow(/key 'k1'.*TOGETHER_CODEC_PREVIOUS_KEYS/);
    const rotated = codecFromEnv({
      TOGETHER_CODEC_KEY: key(),
      TOGETHER_CODEC_KEY_ID: 'k2',
      TOGETHER_CODEC_PREVIOUS_KEYS: `k1:${k1}`,
    })!;
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([enc!]))[0]!)).toBe(42);
  });

  it('rejects a key that is not 32 bytes with the command to make one', () => {
    expect(() => codecFromEnv({ TOGETHER_CODEC_KEY: Buffer.from('short').toString('base64') })).toThrow(
      /exactly 32 bytes \(got 5 bytes\).*randomBytes\(32\)/,
    );
  });

  it('serves /decode and /encode for the Web UI on loopback with CORS for the UI origin only', async () => {
    const codec = codecFromEnv({ TOGETHER_CODEC_KEY: key() })!;
    const server = await startCodecServer({ codec, port: 0, authToken: 'tok' });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const [enc] = await codec.encode([payload({ hello: 'ui' })]);
      const body = {
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(enc!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
            ),
            data: Buffer.from(enc!.data!).toString('base64'),
          },
        ],
      };
      const headers = {
        'content-type': 'application/json',
        origin: 'http://localhost:8233',
        authorization: 'Bearer tok',
      };
      const pre = await fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:8233' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      expect(pre.headers.get('access-control-allow-headers')).toContain('x-namespace');
      const res = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      const out = (await res.json()) as { payloads: { data: string }[] };
      expect(JSON.parse(Buffer.from(out.payloads[0]!.data, 'base64').toString())).toEqual({ hello: 'ui' });
      const evil = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { ...headers, origin: 'https://evil.example' },
        body: JSON.stringify(body),
      });
      expect(evil.status).toBe(403);
      const noAuth = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(noAuth.status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('without TOGETHER_CODEC_KEY, an encrypted payload is a configuration error naming the variable (not "Unknown encoding")', async () => {
    const [enc] = await codecFromEnv({ TOGETHER_CODEC_KEY: key(), TOGETHER_CODEC_KEY_ID: 'prod1' })!.encode([
      payload({ owner: 'o@contoso.test' }),
    ]);
    const noKey = dataConverter({}).payloadCodecs![0]!;
    const err = await noKey.decode([payload('plain'), enc!]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorKind(err)).toBe('configuration');
    expect((err as Error).message).toMatch(/encrypted \(key 'prod1'\) but TOGETHER_CODEC_KEY is not set/);
    expect(await noKey.decode([payload('plain')])).toEqual([payload('plain')]);
  });
});

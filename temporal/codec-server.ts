/**
 * Codec endpoint for the Temporal Web UI (and `temporal --codec-endpoint`): the UI posts encrypted payloads
 * to `/decode` and shows the plaintext; `/encode` is there for the UI's "send signal" forms. Same JSON as
 * temporalio/samples-typescript `encryption/codec-server.ts`: `{ payloads: [{ metadata: {k: base64},
 * data: base64 }] }`.
 *
 * Security: it decrypts anything it is sent, so it binds to 127.0.0.1 by default (the UI runs in the
 * browser of the same machine; the browser makes the call). CORS allows only the UI origins configured
 * (default the dev server's UI, http://localhost:8233 and http://127.0.0.1:8233). Set
 * TOGETHER_CODEC_AUTH to require `Authorization: Bearer <token>` (configure the same token in the UI's
 * codec settings, or pass the UI's own access token through). Off loopback, put it behind HTTPS.
 *
 *   TOGETHER_CODEC_KEY=… tsx temporal/codec-server.ts   # http://127.0.0.1:8888
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { codecFromEnv } from './codec';
import { errorKind } from '../contracts/errors';

export interface CodecServerOptions {
  codec: PayloadCodec;
  host?: string;
  port?: number;
  /** Browser origins allowed to call (the Web UI's). */
  allowedOrigins?: string[];
  /** Require this bearer token. */
  authToken?: string;
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

interface JSONPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const toPayload = (p: JSONPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const fromPayload = (p: Payload): JSONPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export async function startCodecServer(o: CodecServerOptions): Promise<RunningCodecServer> {
  const allowed = new Set(o.allowedOrigins ?? DEFAULT_UI_ORIGINS);
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (origin && !allowed.has(origin)) return send(403, { error: `origin ${origin} is not allowed` });
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      return res.end();
    }
    const route = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) {
      return send(404, { error: 'POST /encode or /decode' });
    }
    if (o.authToken && req.headers.authorization !== `Bearer ${o.authToken}`) {
      return send(401, { error: 'missing or wrong bearer token' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 8 * 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { payloads?: JSONPayload[] };
          if (!Array.isArray(body.payloads)) return send(400, { error: 'body must be {"payloads": [...]}' });
          const payloads = body.payloads.map(toPayload);
          const out = route === '/encode' ? await o.codec.encode(payloads) : await o.codec.decode(payloads);
          send(200, { payloads: out.map(fromPayload) });
        } catch (err) {
          send(400, { error: err instanceof Error ? err.message : String(err) });
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8888, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (require.main === module) {
  (async () => {
    const codec = codecFromEnv();
    if (!codec) {
      console.error('codec-server: TOGETHER_CODEC_KEY is not set; there is nothing to decode.');
      process.exit(2);
    }
    const s = await startCodecServer({
      codec,
      host: process.env.TOGETHER_CODEC_HOST ?? '127.0.0.1',
      port: Number(process.env.TOGETHER_CODEC_PORT ?? 8888),
      allowedOrigins: process.env.TOGETHER_CODEC_CORS_ORIGINS?.split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      authToken: process.env.TOGETHER_CODEC_AUTH || undefined,
    });
    console.log(
      `codec endpoint ${s.url} (set it as the Web UI's codec endpoint, or start the dev server with --ui-codec-endpoint ${s.url})`,
    );
    const stop = () => void s.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })().catch((err: unknown) => {
    console.error(`codec-server: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(errorKind(err) === 'configuration' ? 2 : 1);
  });
}

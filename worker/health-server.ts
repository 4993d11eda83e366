/**
 * The worker's readiness endpoint, GET /healthz: 200 only while the worker is RUNNING (polling its task
 * queue), 503 while it starts, drains (STOPPING/DRAINING/DRAINED) or has stopped — so a load balancer or
 * App Service health check takes a draining instance out of rotation. Served by its own small HTTP server
 * because the Prometheus /metrics endpoint belongs to Temporal Core and takes no extra routes.
 * Binds loopback unless TOGETHER_WORKER_HEALTH names another host.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export function healthResponse(state: State): { status: number; body: { status: string; state: State } } {
  const ready = state === 'RUNNING';
  return { status: ready ? 200 : 503, body: { status: ready ? 'ok' : 'unavailable', state } };
}

export async function startHealthServer(
  bind: { host: string; port: number },
  getState: () => State,
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('Not found. The worker serves GET /healthz.\n');
      return;
    }
    const { status, body } = healthResponse(getState());
    res
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/healthz`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** GET /healthz: ready (200) only while the worker is RUNNING; 503 while it starts, drains or has stopped. */
import { describe, expect, it } from 'vitest';
import type { State } from '@temporalio/worker';
import { startHealthServer } from './health-server';
import { loadWorkerSettings } from './config';

describe('worker /healthz', () => {
  it('answers 200 while RUNNING and 503 in every other state, on loopback', async () => {
    let state: State = 'INITIALIZED';
    const server = await startHealthServer({ host: '127.0.0.1', port: 0 }, () => state);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/healthz$/);
      const statusOf = async () => (await fetch(server.url)).status;
      expect(await statusOf()).toBe(503);
      state = 'RUNNING';
      expect(await statusOf()).toBe(200);
      expect(await (await fetch(server.url)).json()).toEqual({ status: 'ok', state: 'RUNNING' });
      for (const s of ['STOPPING', 'DRAINING', 'DRAINED', 'STOPPED', 'FAILED'] as State[]) {
        state = s;
        expect(await statusOf(), s).toBe(503);
      }
      expect((await fetch(server.url.replace('/healthz', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('TOGETHER_WORKER_HEALTH: a bare port binds loopback; host:port is taken as given; junk is refused', () => {
    expect(loadWorkerSettings({ TOGETHER_WORKER_HEALTH: '9465' }).healthBind).toEqual({
      host: '127.0.0.1',
      port: 9465,
    });
    expect(loadWorkerSettings({ TOGETHER_WORKER_HEALTH: '0.0.0.0:9465' }).healthBind).toEqual({
      host: '0.0.0.0',
      port: 9465,
    });
    expect(loadWorkerSettings({}).healthBind).toBeUndefined();
    expect(() => loadWorkerSettings({ TOGETHER_WORKER_HEALTH: 'http://x' })).toThrow(
      /TOGETHER_WORKER_HEALTH/,
    );
  });
});

/**
 * The embedded Temporal dev server as `npm run temporal` starts it: loopback only, SQLite state under a
 * file that survives a restart, the TenantId search attribute registered, and a clear message when its
 * port is taken.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/port';
import { DevServerError, startDevServer, type DevServer } from '../../dev/temporal-dev-server';
import { TENANT_ID } from '../../contracts/ids';

describe('embedded Temporal dev server', () => {
  const servers: DevServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('keeps a running workflow across a restart on the same SQLite file, with TenantId searchable', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devserver-'));
    const dbFile = path.join(dir, 'dev.sqlite');
    const port = await freePort();
    const first = await startDevServer({ port, dbFile, headless: true, logFile: path.join(dir, 'log') });
    servers.push(first);
    expect(first.address).toBe(`127.0.0.1:${port}`);

    let connection = await Connection.connect({ address: first.address });
    let client = new Client({ connection });
    const workflowId = `survives-restart-${port}`;
    // No worker needed: a started workflow is durable state in the server.
    await client.workflow.start('anything', {
      taskQueue: 'nobody-polls',
      workflowId,
      typedSearchAttributes: [{ key: TENANT_ID, value: 'tenant-1' }],
    });
    await connection.close();
    await first.stop();
    servers.pop();

    const second = await startDevServer({ port, dbFile, headless: true, logFile: path.join(dir, 'log') });
    servers.push(second);
    connection = await Connection.connect({ address: second.address });
    client = new Client({ connection });
    const description = await client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(TENANT_ID)).toBe('tenant-1');
    // Visibility is eventually consistent on the dev server: poll rather than assert once.
    let found = 0;
    for (let i = 0; i < 50 && found === 0; i++) {
      found = (await client.workflow.count(`TenantId = 'tenant-1'`)).count;
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toBe(1);
    await connection.close();
  });

  it('with port 0 picks free ports itself and serves on them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devserver-'));
    const server = await startDevServer({
      port: 0,
      dbFile: null,
      headless: true,
      logFile: path.join(dir, 'log'),
    });
    servers.push(server);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address).not.toBe('127.0.0.1:0');
    const connection = await Connection.connect({ address: server.address });
    expect((await connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    await connection.close();
  });

  it('says which port is taken and how to choose another, without starting a second server', async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devserver-'));
    servers.push(
      await startDevServer({ port, dbFile: null, headless: true, logFile: path.join(dir, 'log') }),
    );
    const second = startDevServer({ port, dbFile: null, headless: true, logFile: path.join(dir, 'log2') });
    await expect(second).rejects.toThrow(DevServerError);
    await expect(second).rejects.toThrow(
      new RegExp(`Port ${port} on 127.0.0.1 \\(Temporal gRPC\\) is already in use.*TEMPORAL_DEV_PORT`),
    );
  });
});

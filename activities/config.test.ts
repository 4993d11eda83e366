import { describe, expect, it } from 'vitest';
import { ConfigurationError, customHostsFor, loadGraphConfig } from './config';

const APP = 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619';

describe('loadGraphConfig', () => {
  it('prefers managed identity > certificate > secret', () => {
    const env = {
      TOGETHER_APP_ID: APP,
      TOGETHER_CLIENT_SECRET: 's3cret-value-123',
      TOGETHER_CLIENT_CERTIFICATE_PATH: '/x.pem',
    };
    expect(loadGraphConfig(env).credentials.default!.kind).toBe('certificate');
    expect(loadGraphConfig({ ...env, TOGETHER_FEDERATED_MI_CLIENT_ID: 'mi' }).credentials.default!.kind).toBe(
      'managedIdentity',
    );
    expect(
      loadGraphConfig({ TOGETHER_APP_ID: APP, TOGETHER_CLIENT_SECRET: 'x' }).credentials.default!.kind,
    ).toBe('secret');
  });

  it('emulator mode is configuration: a non-Microsoft authority disables instance discovery; custom host from the base URL', () => {
    const c = loadGraphConfig({
      TOGETHER_APP_ID: APP,
      TOGETHER_CLIENT_SECRET: 'x',
      TOGETHER_AUTHORITY_HOST: 'https://127.0.0.1:8443',
      TOGETHER_GRAPH_BASE_URL: 'https://127.0.0.1:8443/',
      TOGETHER_PROBE_MAILBOXES: 'a@x.com, b@x.com',
    });
    expect(c.disableInstanceDiscovery).toBe(true);
    expect([...customHostsFor(c.graphBaseUrl)!]).toEqual(['127.0.0.1']);
    expect(c.probeMailboxes).toEqual(['a@x.com', 'b@x.com']);
    expect(
      loadGraphConfig({ TOGETHER_APP_ID: APP, TOGETHER_CLIENT_SECRET: 'x' }).disableInstanceDiscovery,
    ).toBe(false);
    expect(customHostsFor('https://graph.microsoft.com/')).toBeUndefined();
  });

  it('refuses bad configuration naming the variable, never echoing secrets', () => {
    expect(() => loadGraphConfig({ TOGETHER_APP_ID: APP })).toThrow(ConfigurationError);
    try {
      loadGraphConfig({
        TOGETHER_APP_ID: 'nope',
        TOGETHER_CLIENT_SECRET: 'super-secret-value',
        TOGETHER_AUTHORITY_HOST: 'http://127.0.0.1:8443',
      });
      expect.unreachable();
    } catch (e) {
      const m = (e as Error).message;
      expect(m).toContain('TOGETHER_APP_ID');
      expect(m).toContain('TOGETHER_AUTHORITY_HOST');
      expect(m).not.toContain('super-secret-value');
    }
    expect(() =>
      loadGraphConfig({
        TOGETHER_APP_ID: APP,
        TOGETHER_CLIENT_SECRET: 'x',
        TOGETHER_WEBHOOK_URL: 'https://h.example.com',
      }),
    ).toThrow(/TOGETHER_WEBHOOK_SECRET/);
  });
});

describe('loadGraphConfig reports every problem at once', () => {
  it('no credential, a bad variable, an unsigned webhook and a table without its location: one error naming all four', () => {
    let message = '';
    try {
      loadGraphConfig({
        TOGETHER_APP_ID: APP,
        TOGETHER_MAIL_DEDUP: 'once',
        TOGETHER_WEBHOOK_URL: 'https://h.example.com',
        TOGETHER_NOTIFY_TABLE: 'togethernotifications',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigurationError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/4 problems/);
    expect(message).toMatch(/\(1\) No credential configured: set TOGETHER_CLIENT_CERTIFICATE_PATH/);
    expect(message).toContain('TOGETHER_NOTIFY_TABLE is set but neither');
    expect(message).toContain('TOGETHER_MAIL_DEDUP:');
    expect(message).toContain('TOGETHER_WEBHOOK_SECRET is not: webhooks are always signed');
  });

  it('a single problem is reported as itself', () => {
    expect(() => loadGraphConfig({ TOGETHER_APP_ID: APP })).toThrow(
      /^Invalid Graph activities configuration — No credential configured/,
    );
  });
});

describe('notification dedup settings (issue 12 item 4)', () => {
  const base = { TOGETHER_APP_ID: APP, TOGETHER_CLIENT_SECRET: 'x' };

  it("draft-then-send is the default; 'store' is an explicit opt-out; anything else is refused with the choices", () => {
    expect(loadGraphConfig(base).mailDedup).toBe('mailbox');
    expect(loadGraphConfig({ ...base, TOGETHER_MAIL_DEDUP: 'store' }).mailDedup).toBe('store');
    expect(() => loadGraphConfig({ ...base, TOGETHER_MAIL_DEDUP: 'once' })).toThrow(
      /TOGETHER_MAIL_DEDUP: must be 'mailbox' .*'store' \(exactly once per host only\)/,
    );
  });

  it('the shared table: URL (managed identity) or connection string (Azurite), validated with the variable named', () => {
    expect(loadGraphConfig(base).notifyTable).toBeUndefined();
    expect(
      loadGraphConfig({
        ...base,
        TOGETHER_NOTIFY_TABLE_URL: 'https://acct.table.core.windows.net/togethernotifications',
      }).notifyTable,
    ).toMatchObject({ url: 'https://acct.table.core.windows.net/togethernotifications' });
    const cs =
      'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k3y-s3cret==;TableEndpoint=http://127.0.0.1:1/a;';
    expect(
      loadGraphConfig({
        ...base,
        TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: cs,
        TOGETHER_NOTIFY_TABLE: 'notes1',
      }).notifyTable,
    ).toMatchObject({ connectionString: cs, table: 'notes1' });
    expect(() =>
      loadGraphConfig({ ...base, TOGETHER_NOTIFY_TABLE_URL: 'https://acct.table.core.windows.net/' }),
    ).toThrow(/TOGETHER_NOTIFY_TABLE_URL: must be the table's https URL ending with the table name/);
    expect(() =>
      loadGraphConfig({ ...base, TOGETHER_NOTIFY_TABLE_URL: 'http://acct.table.core.windows.net/t123' }),
    ).toThrow(/TOGETHER_NOTIFY_TABLE_URL/);
    expect(() =>
      loadGraphConfig({ ...base, TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: 'AccountKey=abc' }),
    ).toThrow(/TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: must be a storage connection string/);
    expect(() =>
      loadGraphConfig({ ...base, TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: cs, TOGETHER_NOTIFY_TABLE: 'x-y' }),
    ).toThrow(/TOGETHER_NOTIFY_TABLE: must be a table name/);
    expect(() => loadGraphConfig({ ...base, TOGETHER_NOTIFY_TABLE: 'togethernotifications' })).toThrow(
      /TOGETHER_NOTIFY_TABLE is set but neither TOGETHER_NOTIFY_TABLE_URL nor TOGETHER_NOTIFY_TABLE_CONNECTION_STRING/,
    );
    let msg = '';
    try {
      loadGraphConfig({
        ...base,
        TOGETHER_NOTIFY_TABLE_URL: 'https://acct.table.core.windows.net/t123',
        TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: cs,
      });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/not both/);
    expect(msg).not.toContain('k3y-s3cret');
  });
});

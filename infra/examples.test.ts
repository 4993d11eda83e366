import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RawConfig, parseConfig } from './config';

/**
 * Reads the flat `config:` block of a stack file the way Pulumi hands it to the program: scalars as strings,
 * lists as JSON text. Enough for the example stacks (no YAML dependency for two files).
 */
function stackConfig(file: string): Record<string, string> {
  const lines = readFileSync(join(__dirname, '..', file), 'utf8').split('\n');
  const out: Record<string, string> = {};
  let list: { key: string; items: string[] } | undefined;
  const flush = () => {
    if (list) out[list.key] = JSON.stringify(list.items);
    list = undefined;
  };
  for (const line of lines) {
    if (/^\s*(#|$)/.test(line) || line === 'config:') continue;
    const item = /^ {4}- (.+)$/.exec(line);
    if (item && list) {
      list.items.push(item[1]!);
      continue;
    }
    flush();
    const kv = /^ {2}([\w-]+:\w+):(?: (.*))?$/.exec(line);
    if (!kv) throw new Error(`unexpected line in ${file}: ${line}`);
    if (kv[2] === undefined) list = { key: kv[1]!, items: [] };
    else out[kv[1]!] = kv[2];
  }
  flush();
  return out;
}

const together = (c: Record<string, string>): RawConfig =>
  Object.fromEntries(
    Object.entries(c)
      .filter(([k]) => k.startsWith('together:'))
      .map(([k, v]) => [k.slice(9), v]),
  );

describe('example stacks', () => {
  it('Pulumi.tenant-example.yaml is a valid tenant stack with a dynamic sign-in group and mailbox scoping', () => {
    const c = stackConfig('Pulumi.tenant-example.yaml');
    expect(c['azuread:tenantId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(parseConfig(together(c))).toMatchObject({
      mode: 'tenant',
      permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
      assignment: {
        mode: 'dynamicGroup',
        groupName: 'Together Platform users',
        dynamicRule: '(user.department -eq "Mentoring")',
      },
      mailboxScope: 'group',
      scopeGroup: 'together-mailboxes@contoso.com',
    });
  });

  it('Pulumi.publisher-example.yaml is a valid publisher stack with the federated credential', () => {
    const c = stackConfig('Pulumi.publisher-example.yaml');
    expect(parseConfig(together(c))).toMatchObject({
      mode: 'publisher',
      credential: { kind: 'federated' },
      redirectUris: ['http://localhost:8787/consent/callback'],
      owners: ['0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f'],
      location: 'westeurope',
      nameSuffix: 'a1',
      temporalAddress: 'together.a1b2c.tmprl.cloud:7233',
      senderMailbox: 'noreply@together.example',
      operators: ['2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d'],
    });
  });

  it('Pulumi.individual-example.yaml is a valid individual-mode tenant stack with direct user assignment', () => {
    const c = stackConfig('Pulumi.individual-example.yaml');
    expect(parseConfig(together(c))).toMatchObject({
      mode: 'tenant',
      integration: 'individual',
      delegatedConsent: 'admin',
      permissions: [],
      assignment: { mode: 'users', users: ['ana@contoso.com', '11111111-2222-4333-8444-555555555555'] },
    });
  });
});

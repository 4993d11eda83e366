import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const run = promisify(execFile);

/**
 * No Pulumi CLI here, so this is the closest to `pulumi up`: a plain `node` with the nodeargs Pulumi.yaml gives
 * the language host, loading `main` the way @pulumi/pulumi's cmd/run does for a CommonJS package
 * (require of the directory), with mocks standing in for the engine.
 */
describe('Pulumi.yaml runtime', () => {
  const yaml = readFileSync(join(root, 'Pulumi.yaml'), 'utf8');

  it('runs TypeScript through tsx (not the vendored ts-node) with main infra/', () => {
    expect(yaml).toMatch(
      /^runtime:\n {2}name: nodejs\n {2}options:\n {4}typescript: false\n {4}nodeargs: --import tsx$/m,
    );
    expect(yaml).toMatch(/^main: infra\/$/m);
  });

  it('loads the entry point under node with those nodeargs and exports the stack outputs', async () => {
    const nodeargs = /nodeargs: (.+)$/m.exec(yaml)![1]!.split(' ');
    const main = /^main: (.+)$/m.exec(yaml)![1]!;
    const script = `
      const pulumi = require('@pulumi/pulumi');
      pulumi.runtime.setAllConfig({
        'together:mode': 'tenant',
        'together:appId': 'e3b7a1c5-9d2f-4e8a-b6c4-1f0d3e5a7b92',
        'together:integrationOwner': 'it-ops@contoso.com',
        'together:redirectUri': 'https://together.example/o365/consent/callback',
      });
      pulumi.runtime.setMocks({
        newResource: (a) => ({ id: a.name + '-id', state: { ...a.inputs, objectId: '7b1d3f5a-9c2e-4b6d-8f0a-2c4e6a8b0d1f' } }),
        call: (a) => a.token.endsWith('getServicePrincipal')
          ? { objectId: '5c1f4a7e-2b8d-4e6f-a0c3-9d7b5e3f1a24', appRoleIds: { 'Calendars.ReadWrite': 'ef54d2bf-783f-4e0f-bca1-3210c0444d99', 'User.ReadBasic.All': '97235f07-e226-4f63-ace3-39588e11d3a1' } }
          : { tenantId: '3f0b7c2e-5a41-4d8e-9b6f-2c1d8e7a9f40', objectId: 'a8d2c6e4-1f3b-4a5c-9d7e-0b2c4d6e8f10', clientId: 'c' },
      }, 'together-o365', 'smoke');
      const stack = require(${JSON.stringify(join(root, main))});
      stack.workerConfig.apply((wc) => console.log(JSON.stringify({ keys: Object.keys(stack), wc })));
    `;
    const { stdout } = await run(process.execPath, [...nodeargs, '-e', script], { cwd: join(root, main) });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as {
      keys: string[];
      wc: Record<string, unknown>;
    };
    expect(out.keys).toContain('workerConfig');
    expect(out.wc).toMatchObject({
      tenantId: '3f0b7c2e-5a41-4d8e-9b6f-2c1d8e7a9f40',
      appId: 'e3b7a1c5-9d2f-4e8a-b6c4-1f0d3e5a7b92',
      grantedPermissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
      mailboxScope: 'tenant',
    });
  }, 30_000);
});

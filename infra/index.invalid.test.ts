import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { installMocks } from './test/mocks';

pulumi.runtime.setAllConfig({
  'together:mode': 'tenant',
  'together:appId': 'e3b7a1c5-9d2f-4e8a-b6c4-1f0d3e5a7b92',
  'together:integrationOwner': 'it-ops@contoso.com',
  'together:redirectUri': 'https://together.example/o365/consent/callback',
  'together:permissions': 'Calendars.ReadWrite,Directory.ReadWrite.All',
});
const recorder = installMocks();

describe('entry point, invalid config', () => {
  it('fails with the config problem before declaring any resource or calling any provider', async () => {
    await expect(import('./index.js')).rejects.toThrow(
      /Invalid stack configuration:\n {2}- together:permissions is "Calendars.ReadWrite,Directory.ReadWrite.All"; .*not allowed: Directory.ReadWrite.All/,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.resources).toEqual([]);
    expect(recorder.invokes).toEqual([]);
  });
});

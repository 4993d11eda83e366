/**
 * The entry point reads `together:tokenKey` as a Pulumi secret (`pulumi config set --secret`), never as plain
 * config, and declares it as the vault secret `token-key` that TOGETHER_TOKEN_KEY references.
 */
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { installMocks, loadEntryPoint, unsecret } from './test/mocks';

const KEY = Buffer.alloc(32, 9).toString('base64');
pulumi.runtime.setAllConfig(
  {
    'together:mode': 'publisher',
    'together:redirectUris': '["https://together.example/o365/consent/callback"]',
    'together:location': 'westeurope',
    'together:tokenKey': KEY,
  },
  ['together:tokenKey'],
);
const recorder = installMocks();
beforeAll(async () => {
  await loadEntryPoint(recorder);
});

describe('entry point, publisher with together:tokenKey', () => {
  it('declares the vault secret token-key from the config secret, and the sites reference it', () => {
    const secret = recorder.one('azure-native:keyvault:Secret', 'together-token-key');
    expect(secret.inputs).toMatchObject({ secretName: 'token-key' });
    const props = unsecret(secret.inputs.properties);
    expect(props).toMatchObject({ secret: true, value: { value: KEY } });
    for (const role of ['console', 'worker']) {
      const site = recorder.one('azure-native:web:WebApp', `together-${role}`);
      const text = JSON.stringify(site.inputs);
      expect(text).toContain('"name":"TOGETHER_TOKEN_KEY"');
      expect(text).toMatch(/@Microsoft\.KeyVault\(SecretUri=https:\/\/[^)]+\/secrets\/token-key\/\)/);
      expect(text).not.toContain(KEY);
    }
  });
});

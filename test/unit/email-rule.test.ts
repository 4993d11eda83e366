/**
 * Issue 12 item 5: one email rule at every entry point. The settings form, the CLI (flags, env, --from
 * workerConfig), the workflow's settings validator, the Pulumi stack config and the notifier must accept and
 * refuse exactly the same addresses — so an owner the form stores is one the notifier will mail.
 */
import { describe, expect, it } from 'vitest';
import { parseSettingsForm } from '../../console/server';
import { settingsProblems } from '../../contracts/settings';
import { isEmail } from '../../contracts/validation';
import { workerConfigSchema } from '../../contracts/worker-config';
import { resolveOnboardInput } from '../../cli/tenant-input';
import { parseConfig } from '../../infra/config';
import { notifyOwner } from '../../activities/notify/notify';
import { MemoryIdempotencyStore } from '../../activities/notify/store';

const GOOD = [
  'owner@contoso.com',
  'jürgen.müller@contoso.de',
  'it-ops+together@contoso.co.uk',
  "o'brien@contoso.example",
];
const BAD = [
  'ops<ops>@contoso.example',
  'Ops <ops@contoso.example>',
  'ops@contoso',
  'ops contoso@example.com',
  'ops@@contoso.com',
  '@contoso.com',
  'ops@',
  'ops@contoso.com\nBcc: x@evil.example',
];
const TENANT = '11111111-2222-3333-4444-555555555555';
const APP = '22222222-3333-4444-5555-666666666666';

const entryPoints: Record<string, (addr: string) => boolean> = {
  'settings form': (a) => 'settings' in parseSettingsForm({ owner: a }),
  'workflow settings validator': (a) => settingsProblems({ owner: a }).length === 0,
  'CLI --owner': (a) => {
    try {
      resolveOnboardInput({ tenant: TENANT, owner: a, appId: APP }, {});
      return true;
    } catch {
      return false;
    }
  },
  'workerConfig (onboard --from)': (a) =>
    workerConfigSchema.safeParse({
      tenantId: TENANT,
      appId: APP,
      integrationOwner: a,
      adminConsentUrl: 'https://login.microsoftonline.com/x/v2.0/adminconsent',
      redirectUri: 'https://together.example/consent/callback',
      servicePrincipalObjectId: 'sp',
      grantedPermissions: [],
      mailboxScope: 'tenant',
    }).success,
  'Pulumi stack config': (a) => {
    try {
      parseConfig({
        mode: 'tenant',
        appId: APP,
        integrationOwner: a,
        redirectUri: 'https://together.example/cb',
      });
      return true;
    } catch {
      return false;
    }
  },
  notifier: (a) => {
    // The recipient check comes before any I/O; a refusal is a ConfigurationError naming the recipient.
    let refused = false;
    void notifyOwner({ config: {} } as never, new MemoryIdempotencyStore(), {
      idempotencyKey: 'k',
      to: a,
    } as never).catch((err: Error) => {
      refused = /recipient is not an email address/.test(err.message);
    });
    return new Promise<boolean>((r) => setTimeout(() => r(!refused), 0)) as unknown as boolean;
  },
};

describe('one email rule at every entry point (issue 12 item 5)', () => {
  for (const [name, accepts] of Object.entries(entryPoints)) {
    it(`${name}: accepts exactly what contracts/validation accepts`, async () => {
      for (const a of GOOD) {
        expect(isEmail(a)).toBe(true);
        expect(await accepts(a), `${name} should accept ${JSON.stringify(a)}`).toBe(true);
      }
      for (const a of BAD) {
        expect(isEmail(a)).toBe(false);
        expect(await accepts(a), `${name} should refuse ${JSON.stringify(a)}`).toBe(false);
      }
    });
  }
});

import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseConfigWithWarnings, readConfig, type RawConfig } from './config';

const NOW = new Date('2026-11-25T09:00:00Z');
const APP_ID = 'e3b7a1c5-9d2f-4e8a-b6c4-1f0d3e5a7b92';
const tenant: RawConfig = {
  mode: 'tenant',
  appId: APP_ID,
  integrationOwner: 'it-ops@contoso.com',
  redirectUri: 'https://together.example/o365/consent/callback',
};
const publisher: RawConfig = {
  mode: 'publisher',
  redirectUris: '["https://together.example/o365/consent/callback"]',
  location: 'westeurope',
};

/** The problems a config produces (empty when it is valid). */
function problems(raw: RawConfig): string[] {
  try {
    parseConfig(raw, NOW);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('config: valid stacks', () => {
  it('tenant mode defaults to the two seed permissions, assignment all and tenant-wide mailboxes', () => {
    expect(parseConfig(tenant, NOW)).toEqual({
      mode: 'tenant',
      integration: 'domainWide',
      appId: APP_ID,
      integrationOwner: 'it-ops@contoso.com',
      redirectUri: 'https://together.example/o365/consent/callback',
      permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
      assignment: { mode: 'all' },
      mailboxScope: 'tenant',
    });
  });

  it('accepts permissions and group members as a JSON array (structured config) or comma-separated', () => {
    const a = parseConfig({ ...tenant, permissions: '["Calendars.Read","User.Read.All"]' }, NOW);
    const b = parseConfig({ ...tenant, permissions: 'Calendars.Read, User.Read.All' }, NOW);
    expect(a).toEqual(b);
    expect(a.mode === 'tenant' && a.permissions).toEqual(['Calendars.Read', 'User.Read.All']);
    const g = parseConfig(
      {
        ...tenant,
        assignment: 'newGroup',
        groupName: 'Mentors',
        groupMembers: '11111111-2222-4333-8444-555555555555',
      },
      NOW,
    );
    expect(g.mode === 'tenant' && g.assignment).toEqual({
      mode: 'newGroup',
      groupName: 'Mentors',
      groupMembers: ['11111111-2222-4333-8444-555555555555'],
    });
  });

  it('tenant mode with group assignment and group mailbox scope', () => {
    const c = parseConfig(
      {
        ...tenant,
        assignment: 'group',
        groupObjectId: '0d4c6b8a-2e1f-4a3b-8c5d-7e9f1a2b3c4d',
        mailboxScope: 'group',
        scopeGroup: 'together-mailboxes@contoso.com',
      },
      NOW,
    );
    expect(c).toMatchObject({
      assignment: { mode: 'group', groupObjectId: '0d4c6b8a-2e1f-4a3b-8c5d-7e9f1a2b3c4d' },
      mailboxScope: 'group',
      scopeGroup: 'together-mailboxes@contoso.com',
    });
  });

  it('publisher mode defaults to the federated credential, the display name "Together Platform" and the deployer as owner', () => {
    expect(parseConfig(publisher, NOW)).toEqual({
      mode: 'publisher',
      displayName: 'Together Platform',
      redirectUris: ['https://together.example/o365/consent/callback'],
      owners: [],
      permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
      credential: { kind: 'federated' },
      location: 'westeurope',
    });
  });

  it('publisher mode accepts a secret ending within 180 days and normalises the date', () => {
    const c = parseConfig({ ...publisher, credential: 'secret', secretEndDate: '2027-03-01' }, NOW);
    expect(c.mode === 'publisher' && c.credential).toEqual({
      kind: 'secret',
      secretEndDate: '2027-03-01T00:00:00.000Z',
    });
  });
});

describe('config: each error names the key, the bad value and the expected form', () => {
  it('mode missing or unknown', () => {
    expect(problems({})).toEqual(['together:mode is not set; expected tenant | publisher']);
    expect(problems({ mode: 'customer' })).toEqual([
      'together:mode is "customer"; expected tenant | publisher',
    ]);
  });

  it('appId that is not a GUID', () => {
    expect(problems({ ...tenant, appId: 'together-platform' })).toEqual([
      expect.stringMatching(
        /^together:appId is "together-platform"; expected the application \(client\) id .* a GUID/,
      ),
    ]);
  });

  it('integrationOwner missing or not an email', () => {
    expect(problems({ ...tenant, integrationOwner: undefined })).toEqual([
      'together:integrationOwner is not set; expected an email address such as it-ops@contoso.com',
    ]);
    expect(problems({ ...tenant, integrationOwner: 'it-ops' })).toEqual([
      'together:integrationOwner is "it-ops"; expected an email address such as it-ops@contoso.com',
    ]);
  });

  it('redirectUri over plain http to a real host', () => {
    expect(problems({ ...tenant, redirectUri: 'http://together.example/cb' })).toEqual([
      expect.stringMatching(
        /^together:redirectUri is "http:\/\/together.example\/cb"; expected .*https URL \(http only for localhost\)/,
      ),
    ]);
  });

  it('a permission outside the allow-list is refused by name', () => {
    expect(problems({ ...tenant, permissions: 'Calendars.ReadWrite,Mail.Send,Directory.Read.All' })).toEqual([
      'together:permissions is "Calendars.ReadWrite,Mail.Send,Directory.Read.All"; expected a list drawn from Calendars.ReadWrite, User.ReadBasic.All, Calendars.Read, User.Read.All, GroupMember.Read.All (a JSON array or comma-separated); not allowed: Mail.Send, Directory.Read.All',
    ]);
  });

  it('permissions that are malformed JSON or empty', () => {
    expect(problems({ ...tenant, permissions: '["Calendars.Read"' })[0]).toMatch(
      /^together:permissions is "\[\\"Calendars.Read\\"";/,
    );
    expect(problems({ ...tenant, permissions: '[]' })[0]).toMatch(
      /^together:permissions is "\[\]"; expected a non-empty list/,
    );
  });

  it('assignment with an unknown value', () => {
    expect(problems({ ...tenant, assignment: 'groups' })).toEqual([
      'together:assignment is "groups"; expected one of all | users | group | newGroup | dynamicGroup',
    ]);
  });

  it('assignment=group without groupObjectId, or with a bad one', () => {
    expect(problems({ ...tenant, assignment: 'group' })).toEqual([
      'together:groupObjectId is not set; expected the object id of an existing group: a GUID such as 8f6a0b1e-3c2d-4e5f-9a8b-7c6d5e4f3a2b',
    ]);
    expect(problems({ ...tenant, assignment: 'group', groupObjectId: 'Mentors' })[0]).toMatch(
      /^together:groupObjectId is "Mentors"; expected/,
    );
  });

  it('assignment=newGroup without groupName, or with a member that is not an object id', () => {
    expect(problems({ ...tenant, assignment: 'newGroup' })).toEqual([
      'together:groupName is not set; expected the display name of the security group to create',
    ]);
    expect(
      problems({
        ...tenant,
        assignment: 'newGroup',
        groupName: 'Mentors',
        groupMembers: 'alice@contoso.com',
      }),
    ).toEqual([
      'together:groupMembers is "alice@contoso.com"; expected a list of user object ids, each a GUID such as 8f6a0b1e-3c2d-4e5f-9a8b-7c6d5e4f3a2b',
    ]);
  });

  it('assignment=dynamicGroup without a rule on users', () => {
    expect(
      problems({
        ...tenant,
        assignment: 'dynamicGroup',
        groupName: 'Mentoring',
        dynamicRule: 'department = Mentoring',
      }),
    ).toEqual([
      'together:dynamicRule is "department = Mentoring"; expected a dynamic membership rule on users, such as (user.department -eq "Mentoring")',
    ]);
  });

  it('group keys set while assignment is all are refused rather than ignored', () => {
    expect(problems({ ...tenant, groupObjectId: '0d4c6b8a-2e1f-4a3b-8c5d-7e9f1a2b3c4d' })).toEqual([
      'together:groupObjectId is "0d4c6b8a-2e1f-4a3b-8c5d-7e9f1a2b3c4d" but is not used when together:assignment is all; remove it',
    ]);
  });

  it('mailboxScope unknown, or group without a usable scopeGroup', () => {
    expect(problems({ ...tenant, mailboxScope: 'mailbox' })).toEqual([
      'together:mailboxScope is "mailbox"; expected one of tenant | group',
    ]);
    expect(problems({ ...tenant, mailboxScope: 'group' })).toEqual([
      expect.stringMatching(
        /^together:scopeGroup is not set; expected a mail-enabled security group's SMTP address/,
      ),
    ]);
    expect(problems({ ...tenant, mailboxScope: 'group', scopeGroup: 'Mentors' })[0]).toMatch(
      /^together:scopeGroup is "Mentors"; expected/,
    );
  });

  it('mailboxScope=group without any calendar permission to scope', () => {
    expect(
      problems({
        ...tenant,
        mailboxScope: 'group',
        scopeGroup: 'm@contoso.com',
        permissions: 'User.ReadBasic.All',
      }),
    ).toEqual([
      'together:mailboxScope is "group" but together:permissions "User.ReadBasic.All" has no Calendars permission to scope; expected Calendars.ReadWrite or Calendars.Read in it',
    ]);
  });

  it('publisher keys in tenant mode and tenant keys in publisher mode', () => {
    expect(problems({ ...tenant, credential: 'secret' })).toEqual([
      'together:credential is "secret" but is not used in tenant mode (it belongs to publisher mode); remove it',
    ]);
    expect(problems({ ...publisher, appId: APP_ID })).toEqual([
      `together:appId is "${APP_ID}" but is not used in publisher mode (it belongs to tenant mode); remove it`,
    ]);
  });

  it('publisher without location (redirect URIs are optional: the console adds its own)', () => {
    expect(problems({ mode: 'publisher' })).toEqual([
      'together:location is not set; expected an Azure region name such as westeurope',
    ]);
    expect(problems({ mode: 'publisher', location: 'westeurope', redirectUris: 'ftp://x' })).toEqual([
      'together:redirectUris is "ftp://x"; expected a list of extra redirect URIs, each an absolute https URL (http only for localhost), without a #fragment',
    ]);
    expect(problems({ ...publisher, location: 'West Europe' })).toEqual([
      'together:location is "West Europe"; expected an Azure region name such as westeurope',
    ]);
  });

  it('credential with an unknown kind', () => {
    expect(problems({ ...publisher, credential: 'password' })).toEqual([
      'together:credential is "password"; expected one of federated | certificate | secret',
    ]);
  });

  it('credential=certificate without a PEM certificate', () => {
    expect(problems({ ...publisher, credential: 'certificate' })[0]).toMatch(
      /^together:certificate is not set; expected the PEM public certificate/,
    );
    expect(problems({ ...publisher, credential: 'certificate', certificate: 'MIIB...' })[0]).toMatch(
      /^together:certificate is "MIIB..."; expected the PEM/,
    );
  });

  it('credential=secret without an end date, in the past, or more than 180 days away', () => {
    const expected =
      'expected an ISO 8601 date after now and at most 180 days away (by 2027-05-24), such as 2027-02-23';
    expect(problems({ ...publisher, credential: 'secret' })).toEqual([
      `together:credentialEndDate is not set; ${expected}`,
    ]);
    expect(problems({ ...publisher, credential: 'secret', secretEndDate: '2027-12-31' })).toEqual([
      `together:secretEndDate is "2027-12-31"; ${expected}`,
    ]);
    expect(problems({ ...publisher, credential: 'secret', secretEndDate: '2026-01-01' })).toEqual([
      `together:secretEndDate is "2026-01-01"; ${expected}`,
    ]);
    expect(problems({ ...publisher, credential: 'secret', secretEndDate: 'next spring' })).toEqual([
      `together:secretEndDate is "next spring"; ${expected}`,
    ]);
  });

  it('keyVaultName that Azure would refuse', () => {
    expect(problems({ ...publisher, keyVaultName: 'kv_together' })[0]).toMatch(
      /^together:keyVaultName is "kv_together"; expected a globally unique Key Vault name/,
    );
  });

  it('reports every problem at once', () => {
    const e = (() => {
      try {
        parseConfig({ mode: 'tenant', appId: 'x', assignment: 'everyone', mailboxScope: 'group' }, NOW);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.problems.map((p) => p.split(' ')[0])).toEqual([
      'together:appId',
      'together:integrationOwner',
      'together:redirectUri',
      'together:assignment',
      'together:scopeGroup',
    ]);
    expect(e.message).toMatch(/^Invalid stack configuration:\n {2}- together:appId is "x"/);
  });
});

describe('config: read from the stack', () => {
  it('reads the together: namespace of the stack config', () => {
    pulumi.runtime.setAllConfig({
      'together:mode': 'tenant',
      'together:appId': APP_ID,
      'together:integrationOwner': 'it-ops@contoso.com',
      'together:redirectUri': 'https://together.example/o365/consent/callback',
      'together:permissions': '["Calendars.ReadWrite","User.ReadBasic.All","GroupMember.Read.All"]',
      'azuread:tenantId': '3f0b7c2e-5a41-4d8e-9b6f-2c1d8e7a9f40',
    });
    expect(readConfig(NOW)).toMatchObject({
      mode: 'tenant',
      appId: APP_ID,
      permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'GroupMember.Read.All'],
    });
  });

  it('refuses an unknown together: key such as a typo', () => {
    pulumi.runtime.setAllConfig({
      'together:mode': 'tenant',
      'together:appId': APP_ID,
      'together:integrationOwner': 'it-ops@contoso.com',
      'together:redirectUri': 'https://together.example/o365/consent/callback',
      'together:assigment': 'group',
    });
    expect(() => readConfig(NOW)).toThrow(
      /together:assigment is not a known key; expected one of together:mode, together:appId/,
    );
  });
});

describe('config: CLI-facing behaviour', () => {
  it('a config error is a pulumi.RunError, so the CLI prints only its message (no stack trace)', () => {
    let err: unknown;
    try {
      parseConfig({ mode: 'tenant' }, NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(/^Invalid stack configuration:\n {2}- together:appId is not set/);
  });

  it('credentialEndDate is the end-date key; secretEndDate still works with a deprecation warning', () => {
    const now = parseConfigWithWarnings(
      { ...publisher, credential: 'secret', credentialEndDate: '2027-03-01' },
      NOW,
    );
    expect(now.config).toMatchObject({
      credential: { kind: 'secret', secretEndDate: '2027-03-01T00:00:00.000Z' },
    });
    expect(now.warnings.filter((w) => w.includes('EndDate'))).toEqual([]);
    const old = parseConfigWithWarnings(
      { ...publisher, credential: 'secret', secretEndDate: '2027-03-01' },
      NOW,
    );
    expect(old.config).toEqual(now.config);
    expect(old.warnings).toContain(
      'together:secretEndDate is deprecated; rename it to together:credentialEndDate (pulumi config rm together:secretEndDate; pulumi config set together:credentialEndDate 2027-03-01)',
    );
    expect(
      problems({
        ...publisher,
        credential: 'secret',
        secretEndDate: '2027-03-01',
        credentialEndDate: '2027-03-01',
      }),
    ).toEqual([
      'together:secretEndDate and together:credentialEndDate are both set; keep only together:credentialEndDate',
    ]);
    expect(problems({ ...publisher, credential: 'federated', credentialEndDate: '2027-03-01' })).toEqual([
      'together:credentialEndDate is "2027-03-01" but is not used when together:credential is federated; remove it',
    ]);
  });

  it('group-based assignment warns that it needs Entra ID P1/P2 and ignores nested groups; users and all do not', () => {
    for (const extra of [
      { assignment: 'group', groupObjectId: '11111111-2222-4333-8444-555555555555' },
      { assignment: 'newGroup', groupName: 'Mentors' },
      { assignment: 'dynamicGroup', groupName: 'Mentors', dynamicRule: '(user.department -eq "M")' },
    ]) {
      const { warnings } = parseConfigWithWarnings({ ...tenant, ...extra }, NOW);
      expect(warnings).toEqual([
        expect.stringMatching(
          /needs Microsoft Entra ID P1 or P2.*nested groups are ignored.*together:assignment users/,
        ),
      ]);
    }
    expect(parseConfigWithWarnings(tenant, NOW).warnings).toEqual([]);
    expect(
      parseConfigWithWarnings({ ...tenant, assignment: 'users', assignmentUsers: 'ana@contoso.com' }, NOW)
        .warnings,
    ).toEqual([]);
  });

  it('assignment=users takes user object ids and user principal names, de-duplicated', () => {
    const c = parseConfig(
      {
        ...tenant,
        assignment: 'users',
        assignmentUsers: '["ana@contoso.com","11111111-2222-4333-8444-555555555555","ana@contoso.com"]',
      },
      NOW,
    );
    expect(c.mode === 'tenant' && c.assignment).toEqual({
      mode: 'users',
      users: ['ana@contoso.com', '11111111-2222-4333-8444-555555555555'],
    });
    expect(problems({ ...tenant, assignment: 'users' })).toEqual([
      expect.stringMatching(/^together:assignmentUsers is not set; expected a non-empty list of users/),
    ]);
    expect(problems({ ...tenant, assignment: 'users', assignmentUsers: 'ana' })).toEqual([
      expect.stringMatching(/^together:assignmentUsers is "ana"; expected/),
    ]);
    expect(problems({ ...tenant, assignmentUsers: 'ana@contoso.com' })).toEqual([
      'together:assignmentUsers is "ana@contoso.com" but is not used when together:assignment is all; remove it',
    ]);
  });
});

describe('config: integration individual', () => {
  it('defaults to admin consent, holds no application permission and no mailbox scope', () => {
    expect(parseConfig({ ...tenant, integration: 'individual' }, NOW)).toEqual({
      mode: 'tenant',
      integration: 'individual',
      delegatedConsent: 'admin',
      appId: APP_ID,
      integrationOwner: 'it-ops@contoso.com',
      redirectUri: 'https://together.example/o365/consent/callback',
      permissions: [],
      assignment: { mode: 'all' },
      mailboxScope: 'tenant',
    });
    expect(
      parseConfig({ ...tenant, integration: 'individual', delegatedConsent: 'user' }, NOW),
    ).toMatchObject({
      delegatedConsent: 'user',
    });
  });

  it('refuses application permissions, mailbox scoping and an unknown consent in individual mode', () => {
    expect(
      problems({
        ...tenant,
        integration: 'individual',
        permissions: 'Calendars.ReadWrite',
        mailboxScope: 'group',
      }),
    ).toEqual([
      'together:permissions is "Calendars.ReadWrite" but is not used when together:integration is individual; remove it',
      'together:mailboxScope is "group" but is not used when together:integration is individual; remove it',
    ]);
    expect(problems({ ...tenant, integration: 'individual', delegatedConsent: 'everyone' })).toEqual([
      'together:delegatedConsent is "everyone"; expected one of admin | user',
    ]);
    expect(problems({ ...tenant, delegatedConsent: 'user' })).toEqual([
      'together:delegatedConsent is "user" but is not used when together:integration is domainWide; remove it',
    ]);
    expect(
      problems({
        ...tenant,
        integration: 'individual',
        delegatedConsent: 'user',
        assignment: 'users',
        assignmentUsers: 'ana@contoso.com',
      }),
    ).toEqual([
      'together:delegatedConsent is "user" but together:assignment is "users": users cannot consent to an app that requires assignment; set together:delegatedConsent admin, or together:assignment all',
    ]);
    expect(problems({ ...tenant, integration: 'personal' })).toEqual([
      'together:integration is "personal"; expected one of domainWide | individual',
    ]);
  });
});

describe('config: publisher runtime keys', () => {
  it('accepts the runtime keys and warns while temporalAddress is missing', () => {
    const { config, warnings } = parseConfigWithWarnings(
      {
        ...publisher,
        nameSuffix: 'b2',
        appServiceSku: 'P0v3',
        consoleUrl: 'https://together.example/',
        temporalAddress: 'together.a1b2c.tmprl.cloud:7233',
        temporalNamespace: 'together.a1b2c',
        senderMailbox: 'noreply@together.example',
        operators: '11111111-2222-4333-8444-555555555555',
      },
      NOW,
    );
    expect(config).toMatchObject({
      nameSuffix: 'b2',
      appServiceSku: 'P0v3',
      consoleUrl: 'https://together.example',
      temporalAddress: 'together.a1b2c.tmprl.cloud:7233',
      temporalNamespace: 'together.a1b2c',
      senderMailbox: 'noreply@together.example',
      operators: ['11111111-2222-4333-8444-555555555555'],
    });
    expect(warnings).toEqual([]);
    expect(parseConfigWithWarnings(publisher, NOW).warnings).toEqual([
      expect.stringMatching(/^together:temporalAddress is not set/),
    ]);
  });

  it('refuses a console URL with a path or over http, a bad SKU or suffix', () => {
    expect(problems({ ...publisher, consoleUrl: 'https://together.example/o365' })[0]).toMatch(
      /^together:consoleUrl is "https:\/\/together.example\/o365"; expected the console's public https base URL/,
    );
    expect(problems({ ...publisher, consoleUrl: 'http://together.example' })[0]).toMatch(
      /^together:consoleUrl/,
    );
    expect(problems({ ...publisher, appServiceSku: 'F1' })[0]).toMatch(/^together:appServiceSku is "F1"/);
    expect(problems({ ...publisher, nameSuffix: 'Prod-2' })[0]).toMatch(/^together:nameSuffix is "Prod-2"/);
  });
});

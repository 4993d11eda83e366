import { describe, expect, it } from 'vitest';
import type { Notification } from '../../contracts/activities';
import { addressed, recipients } from './audience';
import { renderNotification } from './render';

const n: Notification = {
  idempotencyKey: 'k',
  kind: 'publisherCredentialRejected',
  audience: 'publisher',
  tenantId: '33333333-3333-3333-3333-333333333333',
  to: 'owner@contoso.com',
  summary: 'Entra rejects Together’s app credential (AADSTS7000222).',
  fix: { consentUrl: 'https://login.example/adminconsent', steps: ['Renew the secret.'] },
};

describe('publisher notifications go to the publisher’s operators, never to the tenant owner', () => {
  it('replaces the owner by the configured operators and drops the consent link', () => {
    const a = addressed({ publisherOperators: ['ops@together.example', 'oncall@together.example'] }, n);
    expect(recipients(a)).toEqual(['ops@together.example', 'oncall@together.example']);
    expect(a.to).not.toContain('owner@contoso.com');
    expect(a.fix?.consentUrl).toBeUndefined();
    expect(renderNotification(a).text).not.toContain('adminconsent');
  });

  it('without TOGETHER_PUBLISHER_OPERATORS it refuses (configuration error) instead of telling the owner', () => {
    expect(() => addressed({ publisherOperators: [] }, n)).toThrow(/TOGETHER_PUBLISHER_OPERATORS/);
  });

  it('leaves owner notifications alone', () => {
    const owner = { ...n, kind: 'incidentOpened' as const, audience: undefined };
    expect(addressed({ publisherOperators: ['ops@together.example'] }, owner)).toBe(owner);
  });
});

describe('email texts: console links and words', () => {
  const incident: Notification = {
    idempotencyKey: 'k2',
    kind: 'incidentOpened',
    tenantId: '33333333-3333-3333-3333-333333333333',
    tenantName: 'Contoso',
    to: 'owner@contoso.com',
    summary: 'Failing: Admin consent is revoked.',
    fix: { consentUrl: 'https://login.example/33333333/v2.0/adminconsent?client_id=x' },
    facts: { reachable: 0, sampled: 5, verdict: 'fail', healthCheckEveryMinutes: 60 },
  };
  it('asks for consent through the console’s /consent/start and links the status page', () => {
    const m = renderNotification(incident, { consoleUrl: 'https://console.together.example/' });
    expect(m.text).toContain(
      'https://console.together.example/consent/start?tenant=33333333-3333-3333-3333-333333333333',
    );
    expect(m.text).toContain('https://console.together.example/tenants/33333333-3333-3333-3333-333333333333');
    expect(m.text).not.toContain('adminconsent');
    expect(m.html).not.toContain('adminconsent');
  });
  it('names the tenant in the subject and says facts in words, not field names', () => {
    const m = renderNotification(incident, { consoleUrl: 'https://c.example' });
    expect(m.subject).toContain('Contoso');
    expect(m.text).toContain('Calendars reachable: 0');
    expect(m.text).toContain('Users sampled: 5');
    expect(m.text).not.toMatch(/^(reachable|sampled|verdict|healthCheckEveryMinutes):/m);
  });

  it('the connected email lists the first 10 unreachable accounts, links the rest and says to review the report', () => {
    const accounts = Array.from({ length: 12 }, (_, i) => `user${i + 1}@contoso.com — mailbox not found`);
    const connected: Notification = {
      ...incident,
      kind: 'onboarded',
      summary: 'Together’s calendar integration is connected: 188 of 200 sampled calendars reachable.',
      unreachable: { total: 12, accounts },
      nextStep: 'Review the first report on the status page and confirm it with "Done".',
    };
    const m = renderNotification(connected, { consoleUrl: 'https://c.example' });
    expect(m.text).toContain('Unreachable accounts (12):');
    expect(m.text).toContain('- user10@contoso.com — mailbox not found');
    expect(m.text).not.toContain('user11@contoso.com');
    expect(m.text).toContain('…and 2 more: https://c.example/tenants/33333333-3333-3333-3333-333333333333');
    expect(m.text).toMatch(/Next step: Review the first report/);
    expect(m.html).toContain('<li>user1@contoso.com — mailbox not found</li>');
    const noConsole = renderNotification(connected);
    expect(noConsole.text).toContain('…and 2 more: the tenant’s status page in the console');
  });
});

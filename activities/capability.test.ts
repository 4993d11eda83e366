/**
 * capabilityProbe against a fake Graph: the shapes a real tenant without Teams produces (201 without a join URL),
 * which Graph calls it makes, that it always deletes its event, and which mailbox it writes to.
 */
import { describe, expect, it } from 'vitest';
import { classifyTeamsProbe } from '../contracts/teams';
import { FailureTypes } from '../contracts/activities';
import { capabilityProbe, pickMailbox } from './capability';
import { parseGraphConfig } from './config';
import { fakeClient, fakeClients, graphError, type FakeHandler } from './test-support/fake-graph';

const TENANT = { tenantId: '489b6456-9a48-45dd-8b21-086d092d8c11' };
const MBX = 'adele@contoso.example';
const config = (probeMailboxes: string[] = []) =>
  parseGraphConfig({
    appId: 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619',
    credentials: { default: { kind: 'secret', clientSecret: 'unused-secret-xx' } },
    probeMailboxes,
    probe: { maxRetries: 0 },
  });

function deps(handler: FakeHandler) {
  const client = fakeClient(handler);
  return { d: { config: config(), clients: fakeClients(client) }, client };
}

/** A mailbox whose events Graph creates; `joinUrl` null models a tenant without Teams for it. */
function mailbox(opts: { joinUrl: string | null; allowed?: string[]; calendarStatus?: number }): FakeHandler {
  const online = opts.joinUrl ? { joinUrl: opts.joinUrl } : null;
  const event = {
    id: 'ev1',
    isOnlineMeeting: true,
    onlineMeeting: online,
    organizer: { emailAddress: { address: MBX } },
    responseStatus: { response: 'organizer' },
  };
  return ({ method, url }) => {
    if (method === 'POST' && url.endsWith('/calendar/events')) return { status: 201, body: event };
    if (method === 'GET' && url.includes('/events/ev1')) return { status: 200, body: event };
    if (method === 'GET' && url.includes('/calendar?'))
      return opts.calendarStatus
        ? graphError(opts.calendarStatus, 'ErrorInternalServerError')
        : { status: 200, body: { allowedOnlineMeetingProviders: opts.allowed ?? [] } };
    if (method === 'DELETE') return { status: 204 };
    return graphError(404, 'ResourceNotFound');
  };
}

describe('capabilityProbe (fake Graph)', () => {
  it('a join URL on the 201: Teams available, no calendar read, event deleted', async () => {
    const { d, client } = deps(mailbox({ joinUrl: 'https://teams.microsoft.com/l/meetup-join/x' }));
    const r = await capabilityProbe(d, { tenant: TENANT, mailbox: MBX });
    expect(r).toMatchObject({ ok: true, teamsJoinUrl: true, cleanedUp: true });
    expect(client.calls.map((c) => c.method)).toEqual(['POST', 'GET', 'DELETE']);
    expect(client.calls[0]!.body).toMatchObject({
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    });
    expect(classifyTeamsProbe(r).status).toBe('available');
  });

  it('a 201 without a join URL: reads the calendar’s allowed providers, still deletes the event', async () => {
    const { d, client } = deps(mailbox({ joinUrl: null, allowed: ['skypeForBusiness'] }));
    const r = await capabilityProbe(d, { tenant: TENANT, mailbox: MBX });
    expect(r).toMatchObject({ ok: false, teamsJoinUrl: false, cleanedUp: true });
    expect(r.allowedOnlineMeetingProviders).toEqual(['skypeForBusiness']);
    expect(r.steps.map((s) => s.step)).toEqual(['create', 'read', 'calendar', 'delete']);
    expect(client.calls.at(-1)).toMatchObject({
      method: 'DELETE',
      url: `/users/${encodeURIComponent(MBX)}/events/ev1`,
    });
    const t = classifyTeamsProbe(r);
    expect(t.status).toBe('notAvailable');
    expect(t.why).toMatch(/does not allow Teams meetings/);
  });

  it('an unreadable calendar only makes the explanation vaguer', async () => {
    const { d } = deps(mailbox({ joinUrl: null, calendarStatus: 500 }));
    const r = await capabilityProbe(d, { tenant: TENANT, mailbox: MBX });
    expect(r.cleanedUp).toBe(true);
    expect(r.allowedOnlineMeetingProviders).toBeUndefined();
    expect(classifyTeamsProbe(r).why).toMatch(
      /no Teams licence, or its calendar's allowedOnlineMeetingProviders/,
    );
  });

  it('a refused create leaves nothing to delete and is "not checked"', async () => {
    const { d, client } = deps(() => graphError(403, 'ErrorAccessDenied'));
    const r = await capabilityProbe(d, { tenant: TENANT, mailbox: MBX });
    expect(r.cleanedUp).toBe(true);
    expect(client.calls.map((c) => c.method)).toEqual(['POST']);
    expect(classifyTeamsProbe(r)).toMatchObject({ status: 'notChecked', code: 'ErrorAccessDenied' });
  });
});

describe('which mailbox the probe writes to', () => {
  it('the one asked for; a designated one first; else the first reachable candidate', () => {
    expect(
      pickMailbox({ config: config() }, { tenant: TENANT, mailbox: MBX, candidates: ['b@x.example'] }),
    ).toBe(MBX);
    expect(
      pickMailbox({ config: config(['probe@x.example']) }, { tenant: TENANT, candidates: ['b@x.example'] }),
    ).toBe('probe@x.example');
    expect(
      pickMailbox({ config: config() }, { tenant: TENANT, candidates: ['b@x.example', 'c@x.example'] }),
    ).toBe('b@x.example');
  });

  it('refuses an undesignated mailbox when designated ones exist, and says so when there is none at all', () => {
    expect(() =>
      pickMailbox({ config: config(['probe@x.example']) }, { tenant: TENANT, mailbox: MBX }),
    ).toThrow(/not a designated probe mailbox/);
    try {
      pickMailbox({ config: config() }, { tenant: TENANT, candidates: [] });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ type: FailureTypes.Configuration, nonRetryable: true });
      expect((err as Error).message).toMatch(/No mailbox to probe: name one \(--mailbox <upn>\)/);
    }
  });
});

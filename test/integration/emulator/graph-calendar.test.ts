/**
 * Calendar and mail routes through the real Graph client: events CRUD with Teams links, getSchedule limits
 * and per-schedule errors, sendMail into the outbox, and Outlook's enforcement — mailbox kinds, missing
 * roles, and Exchange RBAC for Applications scopes that add up with Entra consent.
 */
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  graphClient,
  GRAPH_SCOPE,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, FABRIKAM, PUBLISHER, TOGETHER_APP } = ids;
const U = CONTOSO.users;

function window(days: number) {
  const start = new Date();
  start.setUTCHours(0, 0, 0, 0);
  const end = new Date(start.getTime() + days * 86_400_000);
  const f = (d: Date) => d.toISOString().slice(0, 19);
  return {
    startTime: { dateTime: f(start), timeZone: 'UTC' },
    endTime: { dateTime: f(end), timeZone: 'UTC' },
  };
}

async function status(p: Promise<unknown>): Promise<{ statusCode: number; code?: string }> {
  try {
    await p;
    return { statusCode: 200 };
  } catch (e) {
    const g = e as GraphError;
    return { statusCode: g.statusCode, code: g.code ?? undefined };
  }
}

describe('Graph calendar and mail routes', () => {
  let emu: RunningEmulator;
  let graph: Client;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(async () => {
    await emu.control.reset();
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    graph = graphClient(emu, secretCredential(emu, CONTOSO.tenantId));
  });

  it('lists events with $select=id,start,end returning only those properties', async () => {
    const res = await graph
      .api(`/users/${U.inScope.id}/calendar/events`)
      .select('id,start,end')
      .top(50)
      .get();
    expect(res.value.length).toBeGreaterThan(0);
    for (const e of res.value)
      expect(
        Object.keys(e)
          .filter((k) => !k.startsWith('@'))
          .sort(),
      ).toEqual(['end', 'id', 'start']);
  });

  it('creates an online meeting with a Teams join URL, reads, reschedules and deletes it', async () => {
    const created = await graph.api(`/users/${CONTOSO.probeMailbox.userPrincipalName}/calendar/events`).post({
      subject: 'Together capability probe',
      start: { dateTime: '2026-12-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-01T10:30:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    });
    expect(created.onlineMeeting.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    expect(created.organizer.emailAddress.address).toBe(CONTOSO.probeMailbox.userPrincipalName);
    expect(created.responseStatus.response).toBe('organizer');
    const path = `/users/${CONTOSO.probeMailbox.id}/events/${created.id}`;
    expect((await graph.api(path).select('id,subject').get()).subject).toBe('Together capability probe');
    const moved = await graph.api(path).patch({
      start: { dateTime: '2026-12-01T12:00:00', timeZone: 'Europe/Paris' },
      end: { dateTime: '2026-12-01T12:30:00', timeZone: 'Europe/Paris' },
    });
    expect(moved.start).toEqual({ dateTime: '2026-12-01T11:00:00.0000000', timeZone: 'UTC' });
    await graph.api(path).delete();
    await expect(graph.api(path).get()).rejects.toMatchObject({ statusCode: 404, code: 'ErrorItemNotFound' });
  });

  it('serves the same seeded events on every read, and keeps them around the first write (update, create, delete)', async () => {
    const list = async () =>
      (
        (await graph
          .api(`/users/${U.inScope.id}/calendar/events`)
          .select('id,changeKey,createdDateTime,subject,start,end')
          .top(200)
          .get()) as { value: { id: string; subject: string }[] }
      ).value;
    const schedule = async () =>
      (await graph
        .api(`/users/${U.inScope.id}/calendar/getSchedule`)
        .post({ schedules: [U.inScope.userPrincipalName], ...window(14) })) as unknown;
    const seeded = await list();
    expect(seeded.length).toBeGreaterThan(3);
    expect(await list()).toEqual(seeded);
    const view = await schedule();
    expect(await schedule()).toEqual(view);

    const [first, second, ...rest] = seeded;
    await graph.api(`/users/${U.inScope.id}/events/${first!.id}`).patch({ subject: 'Moved to Thursday' });
    const created = await graph.api(`/users/${U.inScope.id}/events`).post({
      subject: 'Mentoring',
      start: { dateTime: '2026-12-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-12-01T10:30:00', timeZone: 'UTC' },
    });
    await graph.api(`/users/${U.inScope.id}/events/${second!.id}`).delete();
    const after = await list();
    expect(after.find((e) => e.id === first!.id)?.subject).toBe('Moved to Thursday');
    expect(after.some((e) => e.id === created.id)).toBe(true);
    expect(after.some((e) => e.id === second!.id)).toBe(false);
    expect(after.filter((e) => rest.some((r) => r.id === e.id))).toEqual(rest);
    expect(await list()).toEqual(after);
  });

  it('returns event times in the zone named by Prefer: outlook.timezone', async () => {
    const created = await graph.api(`/users/${CONTOSO.probeMailbox.id}/events`).post({
      subject: 'tz',
      start: { dateTime: '2026-07-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-07-01T11:00:00', timeZone: 'UTC' },
    });
    const ev = await graph
      .api(`/users/${CONTOSO.probeMailbox.id}/events/${created.id}`)
      .header('Prefer', 'outlook.timezone="Pacific Standard Time"')
      .select('start,end')
      .get();
    expect(ev.start).toEqual({ dateTime: '2026-07-01T03:00:00.0000000', timeZone: 'Pacific Standard Time' });
  });

  it('serves calendarView for a window, ordered by $orderby, and requires both window bounds', async () => {
    const day = new Date();
    day.setUTCHours(0, 0, 0, 0);
    const from = day.toISOString();
    const to = new Date(day.getTime() + 14 * 86_400_000).toISOString();
    const res = await graph
      .api(`/users/${U.inScope.id}/calendarView`)
      .query({ startDateTime: from, endDateTime: to })
      .orderby('start/dateTime desc')
      .select('id,start,end')
      .top(100)
      .get();
    const starts: string[] = res.value.map((e: { start: { dateTime: string } }) => e.start.dateTime);
    expect(starts.length).toBeGreaterThan(0);
    expect([...starts].sort().reverse()).toEqual(starts);
    expect(await status(graph.api(`/users/${U.inScope.id}/calendarView`).get())).toMatchObject({
      statusCode: 400,
    });
  });

  it('answers getSchedule with availabilityView and a per-schedule error for an unknown address, inside a 200', async () => {
    const res = await graph.api(`/users/${U.inScope.id}/calendar/getSchedule`).post({
      schedules: [U.inScope.userPrincipalName, 'nobody@contoso.onmicrosoft.com'],
      ...window(7),
      availabilityViewInterval: 60,
    });
    expect(res.value).toHaveLength(2);
    expect(res.value[0].availabilityView).toMatch(/^[0-4]{168}$/);
    expect(res.value[1]).toEqual({
      scheduleId: 'nobody@contoso.onmicrosoft.com',
      error: expect.objectContaining({ responseCode: '5009' }),
    });
  });

  it('refuses getSchedule with more than 20 schedules, a window of 62 days or more, or an interval outside 5–1440', async () => {
    const path = `/users/${U.inScope.id}/calendar/getSchedule`;
    const schedules = Array.from({ length: 21 }, (_, i) => `user${i}@contoso.onmicrosoft.com`);
    expect(await status(graph.api(path).post({ schedules, ...window(1) }))).toMatchObject({
      statusCode: 400,
    });
    expect(
      await status(graph.api(path).post({ schedules: [U.inScope.userPrincipalName], ...window(62) })),
    ).toMatchObject({ statusCode: 400 });
    expect(
      await status(graph.api(path).post({ schedules: [U.inScope.userPrincipalName], ...window(61) })),
    ).toMatchObject({ statusCode: 200 });
    expect(
      await status(
        graph
          .api(path)
          .post({ schedules: [U.inScope.userPrincipalName], ...window(1), availabilityViewInterval: 4 }),
      ),
    ).toMatchObject({ statusCode: 400 });
  });

  it('answers 404 MailboxNotEnabledForRESTAPI for unlicensed, guest and on-premises mailboxes', async () => {
    for (const u of [U.unlicensed, U.guest, U.onPremises])
      expect(await status(graph.api(`/users/${u.id}/calendar/events`).get())).toEqual({
        statusCode: 404,
        code: 'MailboxNotEnabledForRESTAPI',
      });
  });

  it('answers 404 ErrorInvalidUser for an unknown user on a calendar route', async () => {
    expect(await status(graph.api('/users/ghost@contoso.onmicrosoft.com/calendar/events').get())).toEqual({
      statusCode: 404,
      code: 'ErrorInvalidUser',
    });
  });

  it('serves the calendar of a disabled account (sign-in blocked, mailbox still licensed)', async () => {
    expect(await status(graph.api(`/users/${U.disabled.id}/calendar/events`).get())).toEqual({
      statusCode: 200,
    });
  });

  it('denies calendar access with 403 ErrorAccessDenied when the token has no calendar role and no scope applies', async () => {
    await emu.control.revokeConsent({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      roles: ['Calendars.ReadWrite'],
    });
    await emu.control.removeExchangeScope(CONTOSO.tenantId, 'contoso-together-pilot');
    const fresh = graphClient(emu, secretCredential(emu, CONTOSO.tenantId));
    expect(await status(fresh.api(`/users/${U.inScope.id}/calendar/events`).get())).toEqual({
      statusCode: 403,
      code: 'ErrorAccessDenied',
    });
  });

  it('keeps the roles of an already issued token until it expires, like Entra (revocation reaches Graph with the next token)', async () => {
    await graph.api(`/users/${U.inScope.id}/calendar/events`).get();
    await emu.control.revokeConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    expect(await status(graph.api(`/users/${U.outsideScope.id}/calendar/events`).get())).toEqual({
      statusCode: 200,
    });
    await expect(secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE)).rejects.toThrow(
      /AADSTS700016/,
    );
  });

  describe('Exchange RBAC for Applications', () => {
    it('scopes a tenant without tenant-wide Calendars.ReadWrite: in scope → data, outside → 403 ErrorAccessDenied', async () => {
      const fab = graphClient(emu, secretCredential(emu, FABRIKAM.tenantId));
      expect(await status(fab.api(`/users/${FABRIKAM.users.inScope.id}/calendar/events`).get())).toEqual({
        statusCode: 200,
      });
      expect(await status(fab.api(`/users/${FABRIKAM.users.outsideScope.id}/calendar/events`).get())).toEqual(
        { statusCode: 403, code: 'ErrorAccessDenied' },
      );
    });

    it('treats members of a nested group as out of scope', async () => {
      await emu.control.revokeConsent({
        tenantId: CONTOSO.tenantId,
        appId: TOGETHER_APP.appId,
        roles: ['Calendars.ReadWrite'],
      });
      const scoped = graphClient(emu, secretCredential(emu, CONTOSO.tenantId));
      expect(await status(scoped.api(`/users/${U.inScope.id}/calendar/events`).get())).toEqual({
        statusCode: 200,
      });
      expect(await status(scoped.api(`/users/${U.nestedOnly.id}/calendar/events`).get())).toEqual({
        statusCode: 403,
        code: 'ErrorAccessDenied',
      });
    });

    it('adds up with Entra consent: tenant-wide Calendars.ReadWrite makes the scope irrelevant', async () => {
      await emu.control.grantConsent({
        tenantId: FABRIKAM.tenantId,
        appId: TOGETHER_APP.appId,
        roles: ['Calendars.ReadWrite'],
      });
      const fab = graphClient(emu, secretCredential(emu, FABRIKAM.tenantId));
      expect(await status(fab.api(`/users/${FABRIKAM.users.outsideScope.id}/calendar/events`).get())).toEqual(
        { statusCode: 200 },
      );
    });

    it('reports out-of-scope schedules as per-schedule ErrorAccessDenied in getSchedule', async () => {
      const fab = graphClient(emu, secretCredential(emu, FABRIKAM.tenantId));
      const res = await fab.api(`/users/${FABRIKAM.users.inScope.id}/calendar/getSchedule`).post({
        schedules: [FABRIKAM.users.inScope.userPrincipalName, FABRIKAM.users.outsideScope.userPrincipalName],
        ...window(1),
      });
      expect(res.value[0]).toHaveProperty('availabilityView');
      expect(res.value[1].error.responseCode).toBe('ErrorAccessDenied');
    });

    it('applies a scope added through the control API', async () => {
      await emu.control.revokeConsent({
        tenantId: CONTOSO.tenantId,
        appId: TOGETHER_APP.appId,
        roles: ['Calendars.ReadWrite'],
      });
      await emu.control.removeExchangeScope(CONTOSO.tenantId, 'contoso-together-pilot');
      await emu.control.addExchangeScope({
        tenantId: CONTOSO.tenantId,
        appId: TOGETHER_APP.appId,
        role: 'Application Calendars.Read',
        groupId: CONTOSO.groups.mentoringPilot,
      });
      const scoped = graphClient(emu, secretCredential(emu, CONTOSO.tenantId));
      expect(await status(scoped.api(`/users/${U.inScope.id}/calendar/events`).get())).toEqual({
        statusCode: 200,
      });
      expect(await status(scoped.api(`/users/${U.outsideScope.id}/calendar/events`).get())).toEqual({
        statusCode: 403,
        code: 'ErrorAccessDenied',
      });
    });

    it('refuses a scope on a group that is not mail-enabled (not an Exchange recipient)', async () => {
      await expect(
        emu.control.addExchangeScope({
          tenantId: CONTOSO.tenantId,
          appId: TOGETHER_APP.appId,
          role: 'Application Calendars.Read',
          groupId: CONTOSO.groups.sales,
        }),
      ).rejects.toMatchObject({ status: 400, body: { message: expect.stringContaining('mail-enabled') } });
    });
  });

  it('accepts sendMail from the publisher sender mailbox with 202 and keeps the message in the outbox', async () => {
    const pub = graphClient(emu, secretCredential(emu, PUBLISHER.tenantId));
    await pub.api(`/users/${PUBLISHER.senderMailbox.userPrincipalName}/sendMail`).post({
      message: {
        subject: 'Contoso: calendar access failing',
        body: { contentType: 'Text', content: '3 of 20 calendars unreachable' },
        toRecipients: [{ emailAddress: { address: 'owner@contoso.example' } }],
      },
      saveToSentItems: false,
    });
    const outbox = await emu.control.outbox();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({
      tenantId: PUBLISHER.tenantId,
      from: { userPrincipalName: PUBLISHER.senderMailbox.userPrincipalName },
      message: { subject: 'Contoso: calendar access failing' },
    });
  });

  it('draft-then-send: the draft keeps headers and extended properties, moves to Sent Items under a new id, is found by its property, and cannot be sent twice', async () => {
    const pub = graphClient(emu, secretCredential(emu, PUBLISHER.tenantId));
    const box = `/users/${PUBLISHER.senderMailbox.userPrincipalName}/messages`;
    const prop = 'String {00020329-0000-0000-C000-000000000046} Name X-Together-Idempotency-Key';
    const find = (v: string) =>
      `${box}?$filter=${encodeURIComponent(`singleValueExtendedProperties/Any(ep: ep/id eq '${prop}' and ep/value eq '${v}')`)}&$select=id,isDraft,internetMessageHeaders`;
    await emu.control.clearOutbox();
    const draft = (await pub.api(box).post({
      subject: 'Contoso: calendar access failing',
      body: { contentType: 'Text', content: '3 of 20 calendars unreachable' },
      toRecipients: [{ emailAddress: { address: 'owner@contoso.example' } }],
      internetMessageHeaders: [{ name: 'X-Together-Idempotency-Key', value: 'k-1' }],
      singleValueExtendedProperties: [{ id: prop, value: 'k-1' }],
    })) as { id: string; isDraft: boolean };
    expect(draft.isDraft).toBe(true);
    expect(await emu.control.outbox()).toHaveLength(0);
    const found = (await pub.api(find('k-1')).get()) as { value: { id: string; isDraft: boolean }[] };
    expect(found.value).toEqual([expect.objectContaining({ id: draft.id, isDraft: true })]);
    expect(((await pub.api(find('other')).get()) as { value: unknown[] }).value).toEqual([]);
    await pub.api(`${box}/${draft.id}/send`).post({});
    const outbox = await emu.control.outbox();
    expect(outbox).toHaveLength(1);
    expect(JSON.stringify(outbox[0]!.message)).toContain('X-Together-Idempotency-Key');
    const sent = (await pub.api(find('k-1')).get()) as { value: { id: string; isDraft: boolean }[] };
    expect(sent.value).toHaveLength(1);
    expect(sent.value[0]!.isDraft).toBe(false);
    expect(sent.value[0]!.id).not.toBe(draft.id);
    expect(await status(pub.api(`${box}/${draft.id}/send`).post({}))).toEqual({
      statusCode: 404,
      code: 'ErrorItemNotFound',
    });
    expect(await emu.control.outbox()).toHaveLength(1);
    const other = (await pub.api(box).post({
      subject: 'x',
      toRecipients: [{ emailAddress: { address: 'a@b.example' } }],
    })) as { id: string };
    await pub.api(`${box}/${other.id}`).delete();
    expect(await status(pub.api(`${box}/${other.id}`).delete())).toEqual({
      statusCode: 404,
      code: 'ErrorItemNotFound',
    });
  });

  it('refuses drafts without Mail.ReadWrite with 403 ErrorAccessDenied', async () => {
    expect(
      await status(
        graph
          .api(`/users/${U.inScope.id}/messages`)
          .post({ subject: 'x', toRecipients: [{ emailAddress: { address: 'a@b.example' } }] }),
      ),
    ).toEqual({ statusCode: 403, code: 'ErrorAccessDenied' });
  });

  it('refuses sendMail without Mail.Send with 403 ErrorAccessDenied', async () => {
    expect(
      await status(
        graph
          .api(`/users/${U.inScope.id}/sendMail`)
          .post({ message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'a@b.example' } }] } }),
      ),
    ).toEqual({ statusCode: 403, code: 'ErrorAccessDenied' });
  });
});

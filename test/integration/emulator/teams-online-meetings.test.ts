/**
 * Teams fidelity of online meetings (learn.microsoft.com/graph/outlook-calendar-online-meetings): the default
 * calendar tells which online meeting providers it allows; an organizer without Teams (no licence), or whose
 * calendar does not allow teamsForBusiness, still gets the event created (201) but with `onlineMeeting: null`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GRAPH_SCOPE,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, TOGETHER_APP } = ids;
const MBX = CONTOSO.users.inScope.userPrincipalName;

describe('online meetings and the calendar’s providers', () => {
  let emu: RunningEmulator;
  let token: string;
  beforeAll(async () => {
    emu = await startTestEmulator();
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    token = (await secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE)).token;
  });
  afterAll(() => emu.stop());

  const graph = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.origin}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const meeting = () =>
    graph('POST', `/users/${encodeURIComponent(MBX)}/events`, {
      subject: 'probe',
      start: { dateTime: '2030-01-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-01-01T10:30:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    });
  const setUser = (patch: Parameters<RunningEmulator['control']['setUser']>[2]) =>
    emu.control.setUser(CONTOSO.tenantId, MBX, patch);

  it('GET /users/{id}/calendar returns allowedOnlineMeetingProviders and defaultOnlineMeetingProvider, $select honoured', async () => {
    const full = await graph('GET', `/users/${encodeURIComponent(MBX)}/calendar`);
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({
      isDefaultCalendar: true,
      allowedOnlineMeetingProviders: ['teamsForBusiness'],
      defaultOnlineMeetingProvider: 'teamsForBusiness',
    });
    const sel = await graph(
      'GET',
      `/users/${encodeURIComponent(MBX)}/calendar?$select=allowedOnlineMeetingProviders,defaultOnlineMeetingProvider`,
    );
    const { '@odata.context': _ctx, ...fields } = sel.body;
    expect(Object.keys(fields).sort()).toEqual([
      'allowedOnlineMeetingProviders',
      'defaultOnlineMeetingProvider',
    ]);
    const bad = await graph('GET', `/users/${encodeURIComponent(MBX)}/calendar?$select=nope`);
    expect(bad.status).toBe(400);
  });

  it('with Teams: 201 and a Teams join URL', async () => {
    const r = await meeting();
    expect(r.status).toBe(201);
    expect((r.body.onlineMeeting as { joinUrl: string }).joinUrl).toMatch(
      /^https:\/\/teams\.microsoft\.com\//,
    );
  });

  it('no Teams licence (setUser teams:false): still 201, onlineMeeting null; the calendar still reads', async () => {
    await setUser({ teams: false });
    try {
      const r = await meeting();
      expect(r.status).toBe(201);
      expect(r.body.onlineMeeting).toBeNull();
      // Turning it on afterwards (PATCH isOnlineMeeting) does not produce a join URL either.
      const upd = await graph('PATCH', `/users/${encodeURIComponent(MBX)}/events/${String(r.body.id)}`, {
        isOnlineMeeting: true,
      });
      expect(upd.status).toBe(200);
      expect(upd.body.onlineMeeting).toBeNull();
    } finally {
      await setUser({ teams: true });
    }
  });

  it('a calendar that does not allow teamsForBusiness: no join URL, and the calendar says so', async () => {
    await setUser({ allowedOnlineMeetingProviders: ['skypeForBusiness'] });
    try {
      const cal = await graph('GET', `/users/${encodeURIComponent(MBX)}/calendar`);
      expect(cal.body).toMatchObject({
        allowedOnlineMeetingProviders: ['skypeForBusiness'],
        defaultOnlineMeetingProvider: 'skypeForBusiness',
      });
      const r = await meeting();
      expect(r.status).toBe(201);
      expect(r.body.onlineMeeting).toBeNull();
    } finally {
      await setUser({ allowedOnlineMeetingProviders: ['teamsForBusiness'] });
    }
  });

  it('the control API refuses a bad teams flag with a 400', async () => {
    const res = await fetch(
      `${emu.origin}/_emulator/tenants/${CONTOSO.tenantId}/users/${encodeURIComponent(MBX)}`,
      {
        method: 'PATCH',
        headers: { authorization: `Bearer ${emu.controlToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ teams: 'yes', allowedOnlineMeetingProviders: ['zoom'] }),
      },
    );
    expect(res.status).toBe(400);
  });
});

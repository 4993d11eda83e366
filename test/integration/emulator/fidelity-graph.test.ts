/**
 * Graph behaviours checked against Microsoft Learn (issue 14): assignedLicenses and what User.ReadBasic.All
 * may read, $select without an implicit id, getSchedule hiding private items, Exchange's ApplicationThrottled,
 * $batch request rules, $count and paging annotations, directory throttling.
 */
import fs from 'node:fs';
import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FIXTURE_PATH } from '../../../emulator/fixture';
import {
  graphClient,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, CONTOSO_ADMIN_APP, FABRIKAM, TOGETHER_APP } = ids;
const U = CONTOSO.users;
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';

async function failure(
  p: Promise<unknown>,
): Promise<{ statusCode: number; code: string; headers?: Headers }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode: number; code: string; headers?: Headers };
  }
  throw new Error('expected the request to fail');
}

describe('Graph fidelity', () => {
  let emu: RunningEmulator;
  let directory: Client; // Contoso's own automation app: Directory.Read.All
  let together: Client; // Together in Contoso after consent: Calendars.ReadWrite + User.ReadBasic.All
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(async () => {
    await emu.control.reset();
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    directory = graphClient(
      emu,
      secretCredential(emu, CONTOSO.tenantId, CONTOSO_ADMIN_APP.appId, CONTOSO_ADMIN_APP.clientSecret),
      { retry: false },
    );
    together = graphClient(emu, secretCredential(emu, CONTOSO.tenantId), { retry: false });
  });

  it('returns assignedLicenses (skuId, disabledPlans) on $select to a full-profile reader; none for an unlicensed user', async () => {
    const licensed = await directory.api(`/users/${U.inScope.id}`).select('assignedLicenses').get();
    expect(licensed.assignedLicenses).toEqual([{ disabledPlans: [], skuId: E3 }]);
    const unlicensed = await directory.api(`/users/${U.unlicensed.id}`).select('assignedLicenses').get();
    expect(unlicensed.assignedLicenses).toEqual([]);
  });

  it('leaves assignedLicenses out for a User.ReadBasic.All caller instead of failing', async () => {
    const basic = graphClient(emu, secretCredential(emu, FABRIKAM.tenantId), { retry: false });
    const page = await basic.api('/users').select('displayName,assignedLicenses').top(1).get();
    expect(Object.keys(page.value[0]).sort()).toEqual(['displayName']);
  });

  it('returns only the selected properties of a user (no implicit id) and names them in @odata.context', async () => {
    const u = await directory.api(`/users/${U.inScope.id}`).select('displayName').get();
    expect(Object.keys(u).sort()).toEqual(['@odata.context', 'displayName']);
    expect(u['@odata.context']).toMatch(/#users\(displayName\)\/\$entity$/);
    const sp = await directory.api('/servicePrincipals').select('appId').top(1).get();
    expect(Object.keys(sp.value[0])).toEqual(['appId']);
    expect(sp['@odata.context']).toMatch(/#servicePrincipals\(appId\)$/);
  });

  it('still adds id to Outlook events under $select, as Outlook does', async () => {
    const page = await together.api(`/users/${U.inScope.id}/calendar/events`).select('subject').top(1).get();
    expect(Object.keys(page.value[0]).sort()).toEqual(['@odata.etag', 'id', 'subject']);
  });

  it('shows subject and location of normal events in getSchedule, only status and times of private ones', async () => {
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const make = (subject: string, sensitivity: string, hour: string) =>
      together.api(`/users/${U.inScope.id}/calendar/events`).post({
        subject,
        sensitivity,
        location: { displayName: 'Room 1' },
        start: { dateTime: `${day}T${hour}:00:00`, timeZone: 'UTC' },
        end: { dateTime: `${day}T${hour}:30:00`, timeZone: 'UTC' },
      });
    await make('Mentoring', 'normal', '09');
    await make('Doctor', 'private', '11');
    const res = await together.api(`/users/${U.inScope.id}/calendar/getSchedule`).post({
      schedules: [U.inScope.userPrincipalName],
      startTime: { dateTime: `${day}T00:00:00`, timeZone: 'UTC' },
      endTime: { dateTime: `${day}T23:59:00`, timeZone: 'UTC' },
    });
    const items = res.value[0].scheduleItems as Record<string, unknown>[];
    expect(items.find((i) => i.subject === 'Mentoring')).toMatchObject({
      isPrivate: false,
      location: 'Room 1',
    });
    const secret = items.find((i) => i.isPrivate === true)!;
    expect(Object.keys(secret).sort()).toEqual(['end', 'isPrivate', 'start', 'status']);
  });

  it('reveals no subject at all for a mailbox that shares availability only', async () => {
    const fx = JSON.parse(fs.readFileSync(DEFAULT_FIXTURE_PATH, 'utf8'));
    const contoso = fx.tenants.find((t: { id: string }) => t.id === CONTOSO.tenantId);
    const user = contoso.users.find((u: { id: string }) => u.id === U.inScope.id);
    user.freeBusySharing = 'availabilityOnly';
    contoso.events = [
      {
        mailbox: U.inScope.userPrincipalName,
        subject: 'Board',
        start: '2030-01-07T10:00:00Z',
        end: '2030-01-07T11:00:00Z',
      },
    ];
    await emu.control.loadFixture(fx);
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    const res = await together.api(`/users/${U.inScope.id}/calendar/getSchedule`).post({
      schedules: [U.inScope.userPrincipalName],
      startTime: { dateTime: '2030-01-07T00:00:00', timeZone: 'UTC' },
      endTime: { dateTime: '2030-01-07T23:00:00', timeZone: 'UTC' },
    });
    expect(res.value[0].scheduleItems).toEqual([expect.not.objectContaining({ subject: expect.anything() })]);
    expect(res.value[0].availabilityView).toContain('2');
  });

  it("answers the fifth concurrent request on a mailbox with Exchange's 429 ApplicationThrottled and Retry-After", async () => {
    await together.api('/users').top(1).get(); // warm the token cache so the five arrive together
    await emu.control.setLatency(300);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => together.api(`/users/${U.inScope.id}/calendar/events`).get()),
    );
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatchObject({
      statusCode: 429,
      code: 'ApplicationThrottled',
      message: 'Application is over its MailboxConcurrency limit.',
    });
    expect(refused[0]!.reason.headers.get('retry-after')).toBe('1');
  });

  it('refuses a $batch that mixes dependent and independent requests, or depends on an unknown id, with 400', async () => {
    const url = `/users/${U.inScope.id}?$select=id`;
    const mixed = await failure(
      directory.api('/$batch').post({
        requests: [
          { id: '1', method: 'GET', url },
          { id: '2', method: 'GET', url, dependsOn: ['1'] },
          { id: '3', method: 'GET', url },
        ],
      }),
    );
    expect(mixed).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    const unknown = await failure(
      directory.api('/$batch').post({
        requests: [
          { id: '1', method: 'GET', url },
          { id: '2', method: 'GET', url, dependsOn: ['9'] },
        ],
      }),
    );
    expect(unknown).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    const noId = await failure(directory.api('/$batch').post({ requests: [{ method: 'GET', url }] }));
    expect(noId).toMatchObject({ statusCode: 400 });
  });

  it('needs ConsistencyLevel: eventual for $count on group members, and counts on the first page only', async () => {
    const members = `/groups/${CONTOSO.groups.allStaff}/members`;
    expect(await failure(directory.api(members).query({ $count: 'true' }).get())).toMatchObject({
      statusCode: 400,
    });
    const first = await directory
      .api(members)
      .header('ConsistencyLevel', 'eventual')
      .query({ $count: 'true' })
      .top(5)
      .get();
    expect(first['@odata.count']).toBeGreaterThan(5);
    expect(first['@odata.nextLink']).toBeDefined();
    const second = await directory.api(first['@odata.nextLink']).header('ConsistencyLevel', 'eventual').get();
    expect(second).not.toHaveProperty('@odata.count');
  });

  it('throttles directory calls per app and tenant with 429 TooManyRequests and Retry-After', async () => {
    await emu.control.setLimits({ directoryRequestsPerWindow: 2, directoryWindowSeconds: 30 });
    await directory.api('/users').top(1).get();
    await directory.api('/users').top(1).get();
    const third = await failure(directory.api('/users').top(1).get());
    expect(third).toMatchObject({ statusCode: 429, code: 'TooManyRequests' });
    expect(Number(third.headers?.get('retry-after'))).toBeGreaterThan(0);
    // Another app in the same tenant has its own budget.
    await expect(together.api('/users').top(1).get()).resolves.toBeDefined();
  });
});

/**
 * sampleUsers against the emulator: reproducible uniform samples, disabled accounts skipped when readable,
 * only permitted fields selected, group sources, and a 100,000-user directory sampled within a memory bound.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { FixtureObject } from '../../../emulator';
import { FailureTypes } from '../../../contracts/activities';
import { ids, startHarness, type Harness } from './setup';

const C = ids.CONTOSO;
const APP = ids.TOGETHER_APP.appId;
const tenant = { tenantId: C.tenantId };
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

function contosoWith(count: number): FixtureObject {
  const fx = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'emulator', 'fixtures', 'contoso.json'), 'utf8'),
  ) as FixtureObject & {
    tenants: { id: string; generate?: { count: number } }[];
  };
  const t = fx.tenants.find((x) => x.id === C.tenantId)!;
  t.generate = { ...t.generate!, count };
  return fx;
}

describe('sampleUsers', () => {
  it('is reproducible from its seed, skips disabled accounts (User.Read.All) and selects only permitted fields', async () => {
    h = await startHarness();
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'User.Read.All'],
    });
    const a = h.activities();
    const one = await a.sampleUsers({ tenant, size: 50, source: { kind: 'all' }, seed: 'seed-1' });
    const two = await a.sampleUsers({ tenant, size: 50, source: { kind: 'all' }, seed: 'seed-1' });
    const other = await a.sampleUsers({ tenant, size: 50, source: { kind: 'all' }, seed: 'seed-2' });
    expect(one.users.map((u) => u.id)).toEqual(two.users.map((u) => u.id));
    expect(one.users.map((u) => u.id)).not.toEqual(other.users.map((u) => u.id));
    expect(one.users).toHaveLength(50);
    expect(new Set(one.users.map((u) => u.id)).size).toBe(50);
    expect(one.skippedDisabled).toBeGreaterThan(0);
    expect(one.population + one.skippedDisabled).toBe(C.userCount);
    expect(one.users.some((u) => u.id === C.users.disabled.id)).toBe(false);
    const all = await a.sampleUsers({ tenant, size: 1000, source: { kind: 'all' }, seed: 'x' });
    expect(all.users.some((u) => u.id === C.users.disabled.id)).toBe(false);
    // With User.Read.All the pages also carry the probe's facts (on-premises, licences); a directory that
    // refuses to select assignedLicenses (400) is sampled without it.
    const log = await h.emu.control.requests({ route: 'listUsers', limit: 1000 });
    const full = 'id,userPrincipalName,mail,userType,accountEnabled,onPremisesSyncEnabled';
    for (const e of log.filter((x) => x.status === 200))
      expect([full, `${full},assignedLicenses`]).toContain(new URLSearchParams(e.query).get('$select'));
  });

  it('with User.ReadBasic.All only the basic profile is selected', async () => {
    h = await startHarness();
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    });
    const r = await h.activities().sampleUsers({ tenant, size: 10, source: { kind: 'all' }, seed: 's' });
    expect(r.users).toHaveLength(10);
    const log = await h.emu.control.requests({ route: 'listUsers', limit: 100 });
    for (const e of log)
      expect(new URLSearchParams(e.query).get('$select')).toBe('id,userPrincipalName,mail');
  });

  it('group source: transitive members with GroupMember.Read.All; a typed failure without it', async () => {
    h = await startHarness();
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    });
    await expect(
      h.activities().sampleUsers({
        tenant,
        size: 5,
        source: { kind: 'group', groupId: C.groups.mentoringPilot },
        seed: 's',
      }),
    ).rejects.toMatchObject({ type: FailureTypes.ConsentMissing, nonRetryable: true });
    await h.stop();
    h = await startHarness();
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'GroupMember.Read.All'],
    });
    const r = await h.activities().sampleUsers({
      tenant,
      size: 100,
      source: { kind: 'group', groupId: C.groups.mentoringPilot },
      seed: 's',
    });
    const memberIds = r.users.map((u) => u.id);
    expect(memberIds).toContain(C.users.inScope.id);
    expect(memberIds).toContain(C.users.nestedOnly.id); // nested member: transitive
    expect(memberIds).not.toContain(C.users.outsideScope.id);
  });

  it('100,000 users: O(sample) memory', async () => {
    h = await startHarness({ fixture: contosoWith(100_000) });
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'User.Read.All'],
    });
    const a = h.activities();
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await a.sampleUsers({ tenant, size: 10, source: { kind: 'all' }, seed: 'warm-up' }); // warm caches and code
    gc();
    const before = process.memoryUsage().heapUsed;
    const r = await a.sampleUsers({ tenant, size: 200, source: { kind: 'all' }, seed: 'big' });
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    expect(r.users).toHaveLength(200);
    expect(r.population + r.skippedDisabled).toBeGreaterThan(100_000);
    // + at most one refused first page (a directory that cannot select assignedLicenses)
    const pages = Math.ceil((r.population + r.skippedDisabled) / 999);
    expect(r.graphRequests - pages).toBeGreaterThanOrEqual(0);
    expect(r.graphRequests - pages).toBeLessThanOrEqual(1);
    // 200 sampled users are a few tens of KB; holding the directory would be tens of MB.
    expect(retained).toBeLessThan(4 * 1024 * 1024);
    console.log(
      `100k sampling: ${r.graphRequests} pages, retained ${(retained / 1024).toFixed(0)} KiB for a sample of ${r.users.length}`,
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { CapabilityProbeResult } from './activities';
import { settingsProblems } from './settings';
import { classifyTeamsProbe, reachableMailboxes, teamsLinksLine, teamsNotChecked } from './teams';

const base: CapabilityProbeResult = {
  mailbox: 'adele@contoso.example',
  ok: true,
  teamsJoinUrl: true,
  organizerIsMailbox: true,
  responseStatusReadable: true,
  cleanedUp: true,
  steps: [
    { step: 'create', ok: true },
    { step: 'read', ok: true },
    { step: 'delete', ok: true },
  ],
};
const noJoinUrl = (extra: Partial<CapabilityProbeResult> = {}): CapabilityProbeResult => ({
  ...base,
  ok: false,
  teamsJoinUrl: false,
  steps: [{ step: 'create', ok: true, code: 'NoJoinUrl' }, ...base.steps.slice(1)],
  ...extra,
});

describe('Teams-link classification', () => {
  it('a join URL on the created event means available', () => {
    const t = classifyTeamsProbe(base);
    expect(t).toEqual({ status: 'available', mailbox: 'adele@contoso.example' });
    expect(teamsLinksLine(t)).toBe('Teams links: available (checked on adele@contoso.example)');
  });

  it('a 201 without a join URL is "not available", naming both likely causes when the calendar was not read', () => {
    const t = classifyTeamsProbe(noJoinUrl());
    expect(t.status).toBe('notAvailable');
    expect(t.code).toBe('NoJoinUrl');
    expect(t.why).toMatch(/Teams licence/);
    expect(t.why).toMatch(/allowedOnlineMeetingProviders lacks teamsForBusiness/);
    expect(teamsLinksLine(t)).toMatch(/^Teams links: not available \(Graph created the meeting without/);
  });

  it('blames the calendar when its allowedOnlineMeetingProviders lacks teamsForBusiness', () => {
    const t = classifyTeamsProbe(noJoinUrl({ allowedOnlineMeetingProviders: ['skypeForBusiness'] }));
    expect(t.status).toBe('notAvailable');
    expect(t.why).toMatch(
      /does not allow Teams meetings \(allowedOnlineMeetingProviders: skypeForBusiness\)/,
    );
    expect(classifyTeamsProbe(noJoinUrl({ allowedOnlineMeetingProviders: [] })).why).toMatch(
      /allowedOnlineMeetingProviders: none/,
    );
  });

  it('blames the licence when the calendar allows Teams and still no join URL came back', () => {
    const t = classifyTeamsProbe(noJoinUrl({ allowedOnlineMeetingProviders: ['teamsForBusiness'] }));
    expect(t.why).toMatch(/allows Teams: the mailbox most likely has no Teams licence/);
  });

  it('a refused create is "not checked", with the Graph code and what it means', () => {
    const t = classifyTeamsProbe({
      ...base,
      ok: false,
      teamsJoinUrl: false,
      steps: [{ step: 'create', ok: false, code: 'ErrorAccessDenied' }],
    });
    expect(t).toMatchObject({ status: 'notChecked', code: 'ErrorAccessDenied' });
    expect(t.why).toMatch(/no write access/);
    expect(teamsLinksLine(t)).toMatch(/^Teams links: not checked \(Together could not create/);
  });

  it('a join URL wins over a failed organizer or RSVP check (those are not the Teams question)', () => {
    expect(classifyTeamsProbe({ ...base, ok: false, organizerIsMailbox: false }).status).toBe('available');
  });

  it('candidates are the reachable users, in sample order, by UPN when known', () => {
    expect(
      reachableMailboxes([
        { userId: 'a', reason: 'mailboxUnavailable' },
        { userId: 'b', userPrincipalName: 'b@x.example', reason: 'ok' },
        { userId: 'c', reason: 'ok' },
      ]),
    ).toEqual(['b@x.example', 'c']);
    expect(teamsLinksLine(teamsNotChecked('no mailbox to probe.'))).toBe(
      'Teams links: not checked (no mailbox to probe)',
    );
  });
});

describe('the teamsProbe setting', () => {
  it('is an opt-in boolean: true and false pass, anything else is refused with its name', () => {
    expect(settingsProblems({ teamsProbe: true })).toEqual([]);
    expect(settingsProblems({ teamsProbe: false })).toEqual([]);
    expect(settingsProblems({ teamsProbe: 'yes' })).toEqual(['teamsProbe must be true or false (got "yes")']);
  });
});

import { describe, expect, it } from 'vitest';
import { settingsProblems } from './settings';
import { judge } from './verdict';
import { classify } from '../workflows/tenant-monitor';
import type { HealthResult } from './health';

describe('verdict', () => {
  it('judges against the threshold: pass, degraded, fail', () => {
    expect(judge({ sampled: 100, accessible: 95, transient: 0 }, 0.9).verdict).toBe('pass');
    expect(judge({ sampled: 100, accessible: 60, transient: 0 }, 0.9).verdict).toBe('degraded');
    expect(judge({ sampled: 100, accessible: 40, transient: 0 }, 0.9).verdict).toBe('fail');
  });
  it('never lets transient trouble produce fail', () => {
    for (let transient = 0; transient <= 100; transient += 5) {
      const accessible = 100 - transient;
      expect(judge({ sampled: 100, accessible, transient }, 0.9).verdict).not.toBe('fail');
    }
    expect(judge({ sampled: 100, accessible: 30, transient: 70 }, 0.9).verdict).toBe('inconclusive');
    expect(judge({ sampled: 100, accessible: 95, transient: 2 }, 0.9).verdict).toBe('pass');
    expect(judge({ sampled: 0, accessible: 0, transient: 0 }, 0.9).verdict).toBe('inconclusive');
  });
});

describe('settings validation', () => {
  it('accepts good partials and names every bad field', () => {
    expect(settingsProblems({ sampleSize: 20 })).toEqual([]);
    expect(
      settingsProblems({ sampleSource: { kind: 'group', groupId: 'b981f56b-cba9-4ec1-acdc-ca1a89fd0bba' } }),
    ).toEqual([]);
    expect(settingsProblems({ sampleSize: 1.5, threshold: 0, owner: 'x' })).toHaveLength(3);
    expect(settingsProblems({ sampleSource: { kind: 'group', groupId: 'nope' } })[0]).toMatch(
      /groupId:<GUID>/,
    );
    expect(settingsProblems(null)).toEqual(['settings must be an object']);
    expect(settingsProblems({ owner: 'a@b.c' }, { requireAll: true }).join()).toMatch(
      /sampleSize.*scheduleIntervalMinutes.*threshold/,
    );
  });
});

describe('monitor classification', () => {
  const r = (o: Partial<HealthResult>): HealthResult => ({
    tenantId: 't',
    checkId: 'c',
    at: '',
    owner: '',
    consentUrl: '',
    consent: 'consented',
    missingRoles: [],
    verdict: 'pass',
    sampled: 1,
    accessible: 1,
    examples: [],
    graphRequests: 0,
    durationMs: 0,
    ...o,
  });
  it('maps results to healthy / degraded / failing / inconclusive', () => {
    expect(classify(r({})).cls).toBe('healthy');
    expect(classify(r({ verdict: 'degraded' })).cls).toBe('degraded');
    expect(classify(r({ consent: 'partial', missingRoles: ['Calendars.ReadWrite'] })).reason).toMatch(
      /Calendars.ReadWrite/,
    );
    expect(classify(r({ verdict: 'fail' })).cls).toBe('failing');
    expect(classify(r({ consent: 'revoked' })).cls).toBe('failing');
    expect(classify(r({ appEnabled: false })).cls).toBe('failing');
    expect(classify(r({ verdict: 'inconclusive' })).cls).toBe('inconclusive');
    expect(classify(r({ consent: 'propagating' })).cls).toBe('inconclusive');
  });
});

import { describe, expect, it } from 'vitest';
import { loadTemporalSettings } from '../temporal/connection';
import { ConfigProblems, ConfigProblemsError, loadWorkerSettings } from './config';

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigProblemsError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('worker settings', () => {
  it('reports two bad variables in one message, each with its name, value and fix', () => {
    const text = message(() =>
      loadWorkerSettings({
        TOGETHER_MAX_CONCURRENT_ACTIVITIES: 'lots',
        TOGETHER_WORKER_METRICS: 'everywhere',
      }),
    );
    expect(text).toMatch(/^2 configuration problems:\n/);
    expect(text).toContain("TOGETHER_MAX_CONCURRENT_ACTIVITIES='lots' (environment variable) is invalid");
    expect(text).toContain('Fix: set it to a whole number from 1 to 1000, or unset it for 20.');
    expect(text).toContain(
      "TOGETHER_WORKER_METRICS='everywhere' (environment variable) is invalid: host:port",
    );
    expect(text).toContain('or unset it to turn /metrics off');
  });

  it('one bad variable is one plain line (no list)', () => {
    const text = message(() => loadWorkerSettings({ TOGETHER_TASK_QUEUE: 'a queue' }));
    expect(text).not.toContain('problems');
    expect(text).toMatch(/^TOGETHER_TASK_QUEUE='a queue' \(environment variable\) is invalid: .* Fix: /);
  });

  it('start-up collects the problems of every loader: worker settings and Temporal settings together', () => {
    const env = {
      TOGETHER_MAX_CACHED_WORKFLOWS: '-1',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem',
    };
    const problems = new ConfigProblems();
    expect(problems.attempt(() => loadWorkerSettings(env))).toBeUndefined();
    expect(problems.attempt(() => loadTemporalSettings(env))).toBeUndefined();
    expect(problems.attempt(() => 42)).toBe(42);
    const text = message(() => problems.throwIfAny());
    expect(text).toMatch(/^2 configuration problems:/);
    expect(text).toContain("TOGETHER_MAX_CACHED_WORKFLOWS='-1'");
    expect(text).toContain("TEMPORAL_TLS_SERVER_CA_CERT_PATH='/nonexistent/ca.pem' cannot be read");
    expect(() => new ConfigProblems().throwIfAny()).not.toThrow();
    expect(() => problems.attempt(() => JSON.parse('{'))).toThrow(SyntaxError);
  });
});

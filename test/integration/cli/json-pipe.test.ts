import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const driver = path.join(__dirname, 'large-json-driver.ts');

function pipeThroughCat(legacy: boolean): string {
  return execFileSync('sh', ['-c', `"${process.execPath}" --import tsx "${driver}" | cat`], {
    cwd: root,
    env: { ...process.env, LEGACY_EXIT: legacy ? '1' : '0' },
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
}

describe('--json output piped (issue 12 item 6)', () => {
  it('a report far larger than a pipe buffer (64 KiB) arrives whole and parses', () => {
    const out = pipeThroughCat(false);
    expect(out.length).toBeGreaterThan(150_000);
    const json = JSON.parse(out) as { lastReport: { inaccessible: unknown[] } };
    expect(json.lastReport.inaccessible).toHaveLength(1500);
  }, 60_000);
});

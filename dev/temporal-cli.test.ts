import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTemporalCli, resolveTestServer, ToolNotFoundError } from './temporal-cli';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('Temporal CLI resolution', () => {
  it('uses TEMPORAL_CLI_PATH when it names an executable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcli-'));
    const exe = path.join(dir, 'temporal');
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    process.env.TEMPORAL_CLI_PATH = exe;
    expect(resolveTemporalCli()).toBe(exe);
  });

  it('refuses a TEMPORAL_CLI_PATH that is not an executable, naming the variable and the fix', () => {
    process.env.TEMPORAL_CLI_PATH = '/nonexistent/temporal';
    expect(() => resolveTemporalCli()).toThrow(ToolNotFoundError);
    expect(() => resolveTemporalCli()).toThrow(
      /TEMPORAL_CLI_PATH is set to '\/nonexistent\/temporal'.*not an executable/,
    );
  });

  it('refuses a bad TEMPORAL_TEST_SERVER_PATH the same way', () => {
    process.env.TEMPORAL_TEST_SERVER_PATH = '/nonexistent/tts';
    expect(() => resolveTestServer()).toThrow(/TEMPORAL_TEST_SERVER_PATH/);
  });

  it('finds the project-local binaries that npm run setup installed', () => {
    delete process.env.TEMPORAL_CLI_PATH;
    expect(resolveTemporalCli()).toMatch(/temporal$/);
    expect(fs.statSync(resolveTemporalCli()).isFile()).toBe(true);
  });
});

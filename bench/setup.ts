/**
 * What several benchmarks set up the same way: the Contoso fixture grown to N generated users, the Graph
 * configuration that points the real activities at an emulator, and a process's CPU time from /proc.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadGraphConfig } from '../activities';
import type { FixtureObject } from '../emulator';
import { CONTOSO, PUBLISHER, TOGETHER_APP } from '../emulator/fixtures/ids';

/** emulator/fixtures/contoso.json with Contoso's generated users set to `count`. */
export function contosoFixture(count: number): FixtureObject {
  const fixture = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', 'emulator', 'fixtures', 'contoso.json'), 'utf8'),
  ) as FixtureObject & { tenants: { id: string; generate?: { count: number } }[] };
  const contoso = fixture.tenants.find((t) => t.id === CONTOSO.tenantId)!;
  contoso.generate = { ...contoso.generate!, count };
  return fixture;
}

/** The Graph activities' configuration for Together's app against an emulator (client secret). */
export function emulatorGraphConfig(
  emu: { loginUrl: string; graphUrl: string },
  extra: Record<string, string> = {},
): ReturnType<typeof loadGraphConfig> {
  return loadGraphConfig({
    TOGETHER_APP_ID: TOGETHER_APP.appId,
    TOGETHER_CLIENT_SECRET: TOGETHER_APP.clientSecret,
    TOGETHER_AUTHORITY_HOST: emu.loginUrl,
    TOGETHER_GRAPH_BASE_URL: emu.graphUrl,
    TOGETHER_PUBLISHER_TENANT_ID: PUBLISHER.tenantId,
    ...extra,
  });
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ; 100 on Linux almost always). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, all threads) a process has used, in ms, from /proc/<pid>/stat. Load-robust: on a
 * shared machine wall-clock throughput depends on the other tenants of the cores, CPU time per check does not
 * (much). Fields after the parenthesised command name: state is 3rd, utime 14th, stime 15th (proc(5)).
 */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

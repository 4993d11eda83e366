/**
 * Workflow tests against the Microsoft 365 emulator: a Contoso with more generated users, consent
 * granted, and the environment a worker process needs to reach it (the same variables production uses).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FixtureObject } from '../../../emulator/fixture';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';

export { ids };

export async function startBigContoso(opts: { users: number; latencyMs?: number }): Promise<{
  emu: RunningEmulator;
  env: Record<string, string>;
  stop(): Promise<void>;
}> {
  const fixturePath = path.resolve(__dirname, '..', '..', '..', 'emulator', 'fixtures', 'contoso.json');
  const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8')) as FixtureObject & {
    tenants: { id: string; generate?: { count: number } }[];
  };
  const contoso = fixture.tenants.find((t) => t.id === ids.CONTOSO.tenantId)!;
  contoso.generate = {
    ...(contoso.generate ?? { seed: 'contoso' }),
    count: opts.users,
  } as typeof contoso.generate;
  const emu = await startTestEmulator({ fixture, latencyMs: opts.latencyMs ?? 0 });
  await emu.control.grantConsent({ tenantId: ids.CONTOSO.tenantId, appId: ids.TOGETHER_APP.appId });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-wf-emu-'));
  const env: Record<string, string> = {
    ...graphEnvFor(emu, stateDir),
  };
  return {
    emu,
    env,
    async stop() {
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `together-o365 status --tenant <t> --json` against an in-memory backend whose report is ~200 kB, and
 * ends the process the way cli/main.ts does (or with a bare process.exit when LEGACY_EXIT=1, the old way), so
 * json-pipe.test.ts can pipe it through `cat`.
 */
import { FakeBackend, FAKE_TENANT, fakeReport } from '../../../console/testing/fake-backend';
import type { TogetherApi } from '../../../contracts/backend';
import { exitAfterFlush } from '../../../cli/exit';
import { runCli } from '../../../cli/program';

const backend = new FakeBackend();
const inaccessible = Array.from({ length: 1500 }, (_, i) => ({
  user: {
    id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    userPrincipalName: `user${i}@contoso.example`,
  },
  reason: 'outsideScope' as const,
  code: 'ErrorAccessDenied',
}));
backend.statuses.set(FAKE_TENANT, {
  tenantId: FAKE_TENANT,
  phase: 'active',
  phaseSince: '2026-11-25T09:00:00.000Z',
  consentUrl: 'https://login.example/adminconsent',
  progress: { total: 0, probed: 0, accessible: 0 },
  lastReport: fakeReport({ inaccessible, sampled: 3000, accessible: 1500 }),
  settings: {
    owner: 'owner@contoso.example',
    sampleSize: 3000,
    threshold: 0.1,
    scheduleIntervalMinutes: 360,
  },
  rejectedCallbacks: 0,
});
const api = Object.assign(backend, { close: async () => undefined }) as unknown as TogetherApi;

void runCli(['node', 'together-o365', 'status', '--tenant', FAKE_TENANT, '--json'], {
  env: {},
  connect: async () => api,
  runWorker: async () => 0,
  runConsole: async () => 0,
  runEmulator: async () => 0,
  runDemo: async () => 0,
} as never).then((code) => (process.env.LEGACY_EXIT === '1' ? process.exit(code) : exitAfterFlush(code)));

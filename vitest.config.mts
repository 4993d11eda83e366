import { defineConfig } from 'vitest/config';

// One vitest run, several projects. Integration and e2e tests start real servers (Temporal dev server,
// the emulator, Chromium), so they get long timeouts; forks, not threads, because Temporal's native
// core-bridge crashes under worker_threads (temporalio/sdk-typescript#876).
const slow = { testTimeout: 120_000, hookTimeout: 180_000 };

export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['test/setup/global.ts'],
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-results/junit.xml' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{contracts,temporal,client,dev,activities,workflows,worker,cli,console,emulator,scripts}/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
        },
      },
      // Pulumi mocks run whole component trees (and one test makes a real certificate): on 2 shared cores a
      // single test can pass 5 s, so infra gets a modest timeout of its own.
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['infra/**/*.test.ts', 'test/infra/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      { extends: true, test: { name: 'replay', include: ['test/replay/**/*.test.ts'], ...slow } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...slow } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], ...slow } },
    ],
  },
});

/**
 * The console's individual-mode backend, when this process has the Graph settings (TOGETHER_APP_ID and a
 * credential) and a token store (activities/individual/index.ts). Each connect or disconnect pokes the
 * tenant's connections sweep so the owner's view follows at once.
 */
import type { Client } from '@temporalio/client';
import { ENV, loadGraphConfig } from '../activities';
import { createIndividual } from '../activities/individual';
import { createIndividualConsoleBackend } from '../activities/individual/console-backend';
import { pokeConnectionsSweep } from '../client/individual';
import type { IndividualConsoleBackend } from '../contracts/individual';

export function loadIndividualConsoleBackend(
  env: NodeJS.ProcessEnv,
  client: Client | undefined,
  consoleUrl: string,
): IndividualConsoleBackend | undefined {
  if (!(env[ENV.appId] ?? '').trim()) return undefined;
  const { ind } = createIndividual({ config: loadGraphConfig(env), env });
  return createIndividualConsoleBackend(ind, async (tenantId) => {
    if (!client) return;
    await pokeConnectionsSweep(
      client,
      { tenantId, consoleUrl: env.TOGETHER_CONSOLE_URL ?? consoleUrl },
      env.TOGETHER_TASK_QUEUE ? { taskQueue: env.TOGETHER_TASK_QUEUE } : {},
    );
  });
}

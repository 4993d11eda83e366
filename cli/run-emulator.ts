/** `together-o365 emulator`: the Microsoft 365 emulator until SIGINT/SIGTERM; prints one JSON line when ready. */
import { startEmulator } from '../emulator';
import { emulatorOptionsFromFlags } from '../emulator/options';
import { UserInputError } from '../contracts/errors';
import type { EmulatorCommandOptions } from './context';

const EMULATOR_INPUT_ERRORS = new Set(['EmulatorConfigError', 'FixtureError']);

export async function runEmulatorCommand(
  opts: EmulatorCommandOptions,
  _env: NodeJS.ProcessEnv,
): Promise<number> {
  const running = await startEmulator(emulatorOptionsFromFlags(opts)).catch((err: unknown) => {
    // emulator/ imports nothing internal, so its bad-input errors carry no kind: give them one here.
    if (err instanceof Error && EMULATOR_INPUT_ERRORS.has(err.name)) throw new UserInputError(err.message);
    throw err;
  });
  process.stdout.write(
    `${JSON.stringify({ loginUrl: running.loginUrl, graphUrl: running.graphUrl, caCertPath: running.caCertPath, controlToken: running.controlToken })}\n`,
  );
  process.stderr.write(
    `Emulator ready at ${running.origin}. Trust its CA in other processes with NODE_EXTRA_CA_CERTS=${running.caCertPath}. Ctrl+C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  return 0;
}

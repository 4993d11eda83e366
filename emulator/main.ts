/**
 * `npm run emulator -- [--port 8443] [--fixture FILE] [--latency-ms N] [--persist DIR] [--realistic]`
 * Prints one JSON line when ready — {loginUrl, graphUrl, caCertPath, controlToken, …} — and stops cleanly on
 * SIGINT / SIGTERM. A broken fixture exits 2 with file, field and reason on stderr.
 */
import { Command } from 'commander';
import { FixtureError, startEmulator } from './index';
import { addEmulatorOptions, emulatorOptionsFromFlags, type EmulatorFlags } from './options';

async function main(): Promise<void> {
  const program = addEmulatorOptions(
    new Command()
      .name('emulator')
      .description(
        'Local Microsoft 365 tenant (Entra token endpoint, admin consent, Microsoft Graph) over HTTPS.',
      ),
  ).showHelpAfterError();
  program.parse();
  const o = program.opts<EmulatorFlags>();

  let emu: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emu = await startEmulator(emulatorOptionsFromFlags(o));
  } catch (err) {
    if (err instanceof FixtureError) {
      console.error(
        JSON.stringify({ error: 'invalid_fixture', file: err.file, field: err.field, reason: err.reason }),
      );
      console.error(err.message);
      process.exit(2);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      console.error(
        `Port ${o.port} is already in use. Stop the other process or pass --port 0 for a random port.`,
      );
      process.exit(3);
    }
    throw err;
  }

  process.stdout.write(
    JSON.stringify({
      loginUrl: emu.loginUrl,
      graphUrl: emu.graphUrl,
      caCertPath: emu.caCertPath,
      controlToken: emu.controlToken,
      appCertificatePath: emu.appCertificatePath,
      port: emu.port,
    }) + '\n',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    emu.stop().then(
      () => {
        process.stderr.write(`emulator stopped (${signal})\n`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

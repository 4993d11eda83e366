/**
 * What the demo's two acts (cli/demo.ts, cli/demo-individual.ts) share around their own steps: start the
 * environment (dev/demo-env.ts) as step 1, stop it on Ctrl+C or on failure (saying where the logs are), keep it
 * running for --keep-running with the addresses to try, then shut down and say how long it took.
 */
import { startDemoEnv, type DemoEnv } from '../dev/demo-env';
import type { DemoCommandOptions } from './context';
import { EXIT } from './errors';

export interface DemoActContext {
  env: DemoEnv;
  /** When the act started (its deadlines count from here). */
  t0: number;
  out: (line?: string) => void;
  step: (n: number, text: string) => void;
}

/** What an act prints after its steps. */
export interface DemoActEnd {
  /** --keep-running: the console page to try first, as [label, URL]. */
  consolePage: [label: string, url: string];
  /** --keep-running: appended to the Temporal Web UI's workflows URL ('' for the list). */
  workflowsPath: string;
  /** --keep-running: the CLI command to try (after `npm run cli -- `). */
  cliArgs: string;
  /** Lines printed after "Done in …". */
  notes?: string[];
}

export interface DemoAct {
  /** The headline printed before step 1. */
  title: string;
  /** How many steps the act prints ([n/steps]). */
  steps: number;
  /** Steps 2 and on, with the started environment. */
  run(ctx: DemoActContext): Promise<DemoActEnd>;
}

/** `label:` padded so the values line up under "Everything keeps running. Try:". */
const tryLine = (label: string, value: string) => `  ${`${label}:`.padEnd(24)}${value}`;

export async function runDemoAct(opts: DemoCommandOptions, act: DemoAct): Promise<number> {
  const t0 = Date.now();
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const step = (n: number, text: string) => out(`\n[${n}/${act.steps}] ${text}`);
  let env: DemoEnv | undefined;
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\nInterrupted: shutting everything down…\n');
    void (env?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    out(act.title);
    step(1, 'Starting the pieces');
    env = await startDemoEnv({
      webUi: opts.keepRunning,
      ...(opts.consolePort ? { consolePort: opts.consolePort } : {}),
      say: (l) => out(`  ${l}`),
    });
    const end = await act.run({ env, t0, out, step });

    if (opts.keepRunning) {
      out('\nEverything keeps running. Try:');
      out(tryLine(...end.consolePage));
      if (env.temporal.uiUrl)
        out(
          tryLine(
            'Temporal Web UI',
            `${env.temporal.uiUrl}/namespaces/${env.temporal.namespace}/workflows${end.workflowsPath}`,
          ),
        );
      out(tryLine('Emulator', `${env.emulator.origin} (control token ${env.emulator.controlToken})`));
      out(tryLine('CLI', `TEMPORAL_ADDRESS=${env.temporal.address} npm run cli -- ${end.cliArgs}`));
      out('Press Ctrl+C to stop.');
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    out('\nShutting down: console, worker, emulator, Temporal dev server…');
    await env.stop();
    env = undefined;
    out(
      `Done in ${Math.round((Date.now() - t0) / 1000)} s. Run it again any time: every run starts from a clean slate.`,
    );
    for (const note of end.notes ?? []) out(note);
    return EXIT.ok;
  } catch (err) {
    if (env) {
      process.stderr.write(`Logs: ${env.dir}/{worker,console,temporal-server}.log\n`);
      await env.stop();
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

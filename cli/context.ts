/** What every command gets: the dependencies (real or fakes), the environment, Temporal access, the exit code. */
import type { IndividualSweepState } from '../contracts/individual';
import type { SampleTestReport } from '../contracts/messages';
import type { TogetherApi } from '../contracts/backend';
import type { EmulatorFlags } from '../emulator/options';

export interface CliDeps {
  /** Connects to Temporal (TEMPORAL_* environment, or the flags that set it). */
  connect(env: NodeJS.ProcessEnv): Promise<TogetherApi>;
  env: NodeJS.ProcessEnv;
  /** Long-running commands (worker, console, emulator, demo) live elsewhere and are loaded lazily. */
  runWorker?(env: NodeJS.ProcessEnv): Promise<number>;
  runConsole?(opts: ConsoleCommandOptions, env: NodeJS.ProcessEnv): Promise<number>;
  runEmulator?(opts: EmulatorCommandOptions, env: NodeJS.ProcessEnv): Promise<number>;
  runDemo?(opts: DemoCommandOptions, env: NodeJS.ProcessEnv): Promise<number>;
  setupNamespace?(env: NodeJS.ProcessEnv, opts: { printOnly: boolean }): Promise<number>;
  /** Individual mode's owner view for `status` (the tenant's connections sweep), null without one. */
  individualState?(env: NodeJS.ProcessEnv, tenantId: string): Promise<IndividualSweepState | null>;
  /** Individual mode's sample test (`test` on a tenant with a connections sweep and no onboarding). */
  individualSampleTest?(env: NodeJS.ProcessEnv, tenantId: string): Promise<SampleTestReport>;
}

export interface ConsoleCommandOptions {
  host: string;
  port: number;
  stateTtlMinutes: number;
  dataDir?: string;
}
/** The emulator's own flags (emulator/options.ts): one parser for both entry points. */
export type EmulatorCommandOptions = EmulatorFlags;
export interface DemoCommandOptions {
  keepRunning: boolean;
  browser: boolean;
  timeoutSeconds: number;
  sampleSize: number;
  /** The console's port; a free one when absent. */
  consolePort?: number;
  /** Individual mode's act instead (cli/demo-individual.ts): users connect, one is revoked, the sweep tells. */
  individual?: boolean;
}

export interface CommandContext {
  deps: CliDeps;
  env: NodeJS.ProcessEnv;
  /** Runs `fn` with a connected TogetherApi (global --temporal-address / --namespace applied) and closes it. */
  withApi<T>(fn: (api: TogetherApi) => Promise<T>): Promise<T>;
  setExit(code: number): void;
}

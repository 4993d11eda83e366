import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const host = join(root, 'node_modules', '@pulumi', 'pulumi', 'cmd', 'run-policy-pack', 'index.js');

/**
 * Starts the policy pack the way the Pulumi CLI's analyzer does — `node <sdk>/cmd/run-policy-pack/index.js
 * <engine address> <pack dir>` — which registers ts-node with type-checking (not the program's nodeargs).
 * Resolves with the first stdout line (the gRPC port the pack serves on) and the stderr so far; kills it.
 */
function startPack(
  cwd: string,
  packDir: string,
): Promise<{ firstLine: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [host, '127.0.0.1:1', packDir], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      resolve({ firstLine: stdout.split('\n')[0]!.trim(), stderr, code });
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) finish(null);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => finish(code));
  });
}

describe('policy pack under the CLI loader', () => {
  it('type-checks and starts from its own directory (as the CLI runs it), printing the port it serves on', async () => {
    const r = await startPack(join(root, 'infra', 'policy'), '.');
    expect(r.stderr).not.toMatch(/TSError|Unable to compile/);
    expect(r.firstLine).toMatch(/^\d{2,5}$/);
  }, 120_000);

  it('starts from the repository root too: node node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js 127.0.0.1:1 infra/policy', async () => {
    const r = await startPack(root, 'infra/policy');
    expect(r.stderr).not.toMatch(/TSError|Unable to compile/);
    expect(r.firstLine).toMatch(/^\d{2,5}$/);
  }, 120_000);
});

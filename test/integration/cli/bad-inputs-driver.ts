/**
 * Runs many CLI invocations in one process (a fresh process per case costs ~10 s of TypeScript loading on a
 * busy machine): each case goes through the real `runCli` with the real dependencies (cli/main.ts realDeps)
 * and its own environment; stdout/stderr are captured per case. Input: a JSON file of cases; output: a JSON
 * file of { code, text } per case.
 */
import fs from 'node:fs';
import { realDeps } from '../../../cli/main';
import { runCli } from '../../../cli/program';

interface Case {
  args: string[];
  env?: Record<string, string>;
}

async function main(): Promise<void> {
  const [casesFile, outFile, baseEnvJson] = process.argv.slice(2);
  const cases = JSON.parse(fs.readFileSync(casesFile!, 'utf8')) as Case[];
  const baseEnv = JSON.parse(baseEnvJson!) as Record<string, string>;
  const results: { code: number | string; text: string }[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  for (const c of cases) {
    let text = '';
    const capture = ((chunk: unknown) => {
      text += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    let code: number | string;
    try {
      code = await Promise.race([
        runCli(['node', 'together-o365', ...c.args], { ...realDeps, env: { ...baseEnv, ...c.env } }),
        new Promise<string>((r) => setTimeout(() => r('hang'), 20_000)),
      ]);
    } catch (err) {
      code = 'threw';
      text += String(err);
    } finally {
      process.stdout.write = origOut;
      process.stderr.write = origErr;
    }
    results.push({ code, text });
  }
  fs.writeFileSync(outFile!, JSON.stringify(results));
  process.exit(0);
}

void main();

/** `npm run demo [-- --keep-running | --no-browser | --individual]`: the same as `together-o365 demo`. */
import { realDeps } from '../cli/main';
import { runCli } from '../cli/program';

runCli([process.argv[0]!, 'together-o365', 'demo', ...process.argv.slice(2)], realDeps).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

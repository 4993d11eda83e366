/**
 * `npm run package -- [<folder>] [--install]`: the deployable folder App Service runs, assembled from dist/
 * (npm run build first): compiled code, assets, workflow bundle, the production package.json and its
 * lockfile. With --install it also runs `npm ci --omit=dev` there, so the folder (zipped) carries its
 * node_modules and starts with `npm start` / `node cli/main.js console` / `node worker/main.js`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { distDir } from './build';
import { projectRoot } from './paths';

function main(argv: string[]): void {
  const install = argv.includes('--install');
  const target = path.resolve(
    argv.find((a) => !a.startsWith('--')) ?? path.join(projectRoot, '.data', 'package'),
  );
  if (
    !fs.existsSync(path.join(distDir, 'cli', 'main.js')) ||
    !fs.existsSync(path.join(distDir, 'package.json'))
  ) {
    throw new Error(`${distDir} has no build. Run 'npm run build' first.`);
  }
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(distDir, target, { recursive: true });
  console.log(`Assembled ${target} from dist/.`);
  if (install) {
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: target, stdio: 'inherit' });
    console.log(
      `Installed the runtime dependencies. Zip it with: (cd ${target} && zip -qr ../together-o365.zip .)`,
    );
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

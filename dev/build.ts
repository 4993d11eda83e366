/**
 * `npm run build`: the production package in dist/, run with plain `node` (no tsx, no devDependencies).
 *
 *   dist/cli/main.js, dist/worker/main.js, …  the TypeScript compiled to CommonJS (tsconfig.build.json)
 *   dist/**\/*.njk, fixtures                   assets the compiled code reads next to itself
 *   dist/workflow-bundle.js                   the workflow code bundled once (worker/workflow-source.ts)
 *   dist/package.json, dist/package-lock.json the production manifest and the matching lockfile
 *   dist/bin/together-o365.js                 the command's launcher
 *
 * dist/ is therefore a deployable folder on its own: `npm ci --omit=dev` inside it installs exactly the
 * runtime dependencies (dev/package-dist.ts copies it elsewhere, optionally installs and zips it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';
import type * as WorkflowSourceModule from '../worker/workflow-source';
import {
  productionLockfile,
  productionManifest,
  type PackageJson,
  type PackageLock,
} from './production-manifest';
// Folders compiled into dist/ (tsconfig.build.json's include); their non-TypeScript files are copied. One list,
// which bin/together-o365.js (plain JavaScript, no tsx) also reads to tell a stale build.
import SOURCE_DIRS from './source-dirs.json';

export const distDir = path.join(projectRoot, 'dist');

const SKIP_ASSET = /\.(ts|mts|cts)$|(^|\/)testing(\/|$)/;

function copyAssets(out: string): number {
  let copied = 0;
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(projectRoot, rel), { withFileTypes: true })) {
      const relPath = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(relPath);
      else if (!SKIP_ASSET.test(relPath)) {
        fs.mkdirSync(path.join(out, rel), { recursive: true });
        fs.copyFileSync(path.join(projectRoot, relPath), path.join(out, relPath));
        copied++;
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  // The launcher and the Node version check it requires (bin/ and scripts/ are not compiled).
  fs.mkdirSync(path.join(out, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(out, 'scripts'), { recursive: true });
  fs.copyFileSync(
    path.join(projectRoot, 'bin', 'together-o365.js'),
    path.join(out, 'bin', 'together-o365.js'),
  );
  fs.chmodSync(path.join(out, 'bin', 'together-o365.js'), 0o755);
  fs.copyFileSync(
    path.join(projectRoot, 'scripts', 'check-node.cjs'),
    path.join(out, 'scripts', 'check-node.cjs'),
  );
  return copied + 2;
}

function writeManifests(out: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as PackageJson;
  const lock = JSON.parse(
    fs.readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8'),
  ) as PackageLock;
  const manifest = productionManifest(pkg);
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(
    path.join(out, 'package-lock.json'),
    `${JSON.stringify(productionLockfile(lock, manifest), null, 2)}\n`,
  );
}

/** Builds into `out` (default dist/; the built-package test builds into a folder of its own). */
export async function build(out: string = distDir, log: (line: string) => void = console.log): Promise<void> {
  if (path.relative(out, projectRoot) === '' || !path.relative(out, projectRoot).startsWith('..')) {
    throw new Error(
      `--out ${out} is the project or one of its parents; name a folder of its own (default dist/).`,
    );
  }
  fs.rmSync(out, { recursive: true, force: true });
  const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  log('Compiling TypeScript (tsconfig.build.json) …');
  try {
    execFileSync(
      process.execPath,
      [tsc, '-p', path.join(projectRoot, 'tsconfig.build.json'), '--outDir', out],
      {
        cwd: projectRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
  } catch {
    throw new Error('TypeScript compilation failed (errors above). Fix them, or run `npm run typecheck`.');
  }
  log(`Copied ${copyAssets(out)} assets (templates, fixtures, launcher).`);
  writeManifests(out);
  log('Wrote package.json and package-lock.json (runtime dependencies only).');
  // Loaded only here: webpack and the workflow bundler are heavy and this module is also imported by tests.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when building
  const { buildWorkflowBundle } = require('../worker/workflow-source') as typeof WorkflowSourceModule;
  const { code } = await buildWorkflowBundle();
  fs.writeFileSync(path.join(out, 'workflow-bundle.js'), code);
  log(
    `Wrote ${path.relative(process.cwd(), out) || '.'}/workflow-bundle.js (${(code.length / 1024).toFixed(0)} KiB).`,
  );
}

if (require.main === module) {
  const i = process.argv.indexOf('--out');
  build(i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : distDir).catch((err: unknown) => {
    console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

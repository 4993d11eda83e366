#!/usr/bin/env node
// Launcher for the `together-o365` command. Refuses an end-of-life Node, then runs the compiled CLI when
// there is one — inside the production package (this file is dist/bin/, the CLI is cli/main.js beside it) or
// in a checkout after `npm run build` (dist/cli/main.js, used only while it is newer than every source file,
// so an edit is never shadowed by a stale build) — and otherwise the TypeScript sources through tsx.
// TOGETHER_FROM_SOURCE=1 forces the sources.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
require('../scripts/check-node.cjs');

const root = path.join(__dirname, '..');

function newestSource() {
  // The folders the build compiles (dev/source-dirs.json, shared with dev/build.ts); only a checkout has
  // them, so the list is read here and not shipped in the package.
  const sourceDirs = require('../dev/source-dirs.json');
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') || entry.name.endsWith('.njk'))
        newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of sourceDirs) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return newest;
}

function cliModule() {
  const packaged = path.join(root, 'cli', 'main.js');
  if (fs.existsSync(packaged)) return packaged;
  const built = path.join(root, 'dist', 'cli', 'main.js');
  if (
    process.env.TOGETHER_FROM_SOURCE !== '1' &&
    fs.existsSync(built) &&
    fs.existsSync(path.join(root, 'dist', 'workflow-bundle.js')) &&
    fs.statSync(built).mtimeMs >= newestSource()
  ) {
    return built;
  }
  require('tsx/cjs');
  return path.join(root, 'cli', 'main.ts');
}

const { runCli, realDeps, exitAfterFlush } = require(cliModule());
runCli(process.argv, realDeps).then(
  (code) => exitAfterFlush(code),
  (err) => {
    process.stderr.write(`together-o365: ${err && err.message ? err.message : String(err)}\n`);
    exitAfterFlush(2);
  },
);

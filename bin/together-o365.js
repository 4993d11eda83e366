#!/usr/bin/env node
// Launcher for the `together-o365` command. Refuses an end-of-life Node, then runs the compiled CLI when
// there is one — inside the production package (this file is dist/bin/, the CLI is dist/cli/main.js) or in a
// checkout after `npm run build` (dist/cli/main.js) — and otherwise the TypeScript sources through tsx
// (a dev checkout; tsx is a devDependency). TOGETHER_FROM_SOURCE=1 forces the sources.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
require('../scripts/check-node.cjs');

function cliModule() {
  const packaged = path.join(__dirname, '..', 'cli', 'main.js');
  if (fs.existsSync(packaged)) return packaged;
  const built = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
  if (fs.existsSync(built) && process.env.TOGETHER_FROM_SOURCE !== '1') return built;
  require('tsx/cjs');
  return path.join(__dirname, '..', 'cli', 'main.ts');
}

const { runCli, realDeps } = require(cliModule());
runCli(process.argv, realDeps).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`together-o365: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

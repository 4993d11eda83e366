#!/usr/bin/env node
// Launcher for the `together-o365` command: refuse an end-of-life Node, then run the TypeScript CLI
// through tsx (the project ships TypeScript sources; no build step needed).
'use strict';
require('../scripts/check-node.cjs');
require('tsx/cjs');
const { runCli } = require('../cli/program.ts');
const { realDeps } = require('../cli/main.ts');
const { exitAfterFlush } = require('../cli/exit.ts');
runCli(process.argv, realDeps).then(
  (code) => exitAfterFlush(code),
  (err) => {
    process.stderr.write(`together-o365: ${err && err.message ? err.message : String(err)}\n`);
    exitAfterFlush(2);
  },
);

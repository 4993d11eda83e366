// Refuse to run on an end-of-life Node. `npm run` puts node_modules/.bin first on PATH, where the
// registry's `node` package (a devDependency) provides Node 22; a bare `tsx …` or an old global node
// would otherwise run the project on Node 20, which reached end of life in April 2026.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `together-o365 needs Node 22 or newer, but this is ${process.version}.\n` +
      'Run the project through npm (for example `npm test`, `npm run demo`) after `npm ci`: npm puts the\n' +
      "project's own Node 22 (node_modules/.bin/node) first on PATH.",
  );
  process.exit(2);
}

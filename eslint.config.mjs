// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O
// (temporalio/samples-typescript .eslintrc.js bans every built-in except `assert` in workflow files).
const nodeBuiltins = builtinModules.filter((m) => m !== 'assert').flatMap((m) => [m, `node:${m}`]);

// ---------------------------------------------------------------- layer rules (DESIGN.md "Layout and import rules")
// Which top-level folders each folder may import. Tests (*.test.ts, test/) may import anything; nothing imports
// scripts/, test/ or bench/ (bench may use test helpers). A violation names the rule in its message.
const FOLDERS = [
  'contracts',
  'workflows',
  'temporal',
  'activities',
  'client',
  'worker',
  'console',
  'cli',
  'dev',
  'emulator',
  'infra',
  'scripts',
  'test',
  'bench',
];
const PRODUCT = [
  'contracts',
  'workflows',
  'temporal',
  'activities',
  'client',
  'worker',
  'console',
  'emulator',
  'infra',
];
/** @type {Record<string, string[]>} */
const MAY_IMPORT = {
  contracts: [],
  workflows: ['contracts'],
  temporal: ['contracts'],
  activities: ['contracts', 'temporal'],
  client: ['contracts', 'temporal'],
  console: ['contracts'],
  worker: ['contracts', 'temporal', 'activities', 'workflows'],
  cli: [...PRODUCT, 'dev'],
  // dev/ sits under cli/ (the CLI's demo and console commands use it), never the other way round: no cycle.
  dev: PRODUCT,
  emulator: [],
  infra: ['contracts'],
  scripts: [...PRODUCT, 'cli', 'dev'],
  bench: [...PRODUCT, 'cli', 'dev', 'test'],
};
/** Folders whose code must also stay free of Node built-ins (Temporal's workflow sandbox). */
const SANDBOXED = new Set(['workflows', 'contracts']);
const TESTS = ['**/*.test.ts', 'test/**'];

function layerRules() {
  const blocks = [];
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    const message =
      `layer rule: ${folder}/ may import ${allowed.length ? `only ${allowed.join(', ')}` : 'nothing internal'}` +
      ` (DESIGN.md, "Layout and import rules")`;
    // A relative specifier reaches a top-level folder through as many '../' as the file is deep.
    for (let depth = 1; depth <= 5; depth++) {
      const up = `(\\.\\./){${depth}}`;
      const patterns = FOLDERS.filter((f) => f !== folder && !allowed.includes(f)).map((f) => ({
        regex: `^${up}${f}(/|$)`,
        message,
      }));
      if (folder === 'workflows') {
        patterns.push({
          regex: `^${up}contracts/hash$`,
          message:
            'layer rule: workflows may not import contracts/hash (node:crypto; workflows compare hashes, never compute them)',
        });
      }
      if (folder === 'infra') {
        patterns.push({
          regex: `^${up}contracts/(?!worker-config$)`,
          message:
            'layer rule: infra/ may import only contracts/worker-config (DESIGN.md, "Layout and import rules")',
        });
      }
      const paths = SANDBOXED.has(folder)
        ? nodeBuiltins.map((name) => ({
            name,
            message: `layer rule: ${folder}/ runs in Temporal's deterministic workflow sandbox: no Node built-ins (do I/O in an activity).`,
          }))
        : [];
      blocks.push({
        files: [`${folder}/${'*/'.repeat(depth - 1)}*.ts`],
        ignores: TESTS,
        rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] },
      });
    }
  }
  // The one contracts/ module allowed a Node built-in (see its header); workflows may not import it (above).
  blocks.push({
    files: ['contracts/hash.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  });
  return blocks;
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'dist/**', 'test-results/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  ...layerRules(),
  {
    files: ['**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        process: 'readonly',
        console: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setInterval: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

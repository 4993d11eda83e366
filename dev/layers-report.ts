// Prints the folder-level import graph of the repository, its cycles, and the longest non-emulator
// source files: the measures issue 10 asks for before and after the layering. Run: tsx dev/layers-report.ts
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const skip = new Set(['node_modules', '.tools', '.data', 'dist', 'test-results', '.git']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

const folderOf = (file: string): string => relative(root, file).split('/')[0] ?? '';
const isTest = (file: string): boolean => /\.test\.ts$/.test(file) || folderOf(file) === 'test';
const files = walk(root);
const edges = new Map<string, Set<string>>();
const importRe =
  /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|(?:import|require)\(\s*['"](\.[^'"]+)['"]\s*\)/g;

for (const file of files) {
  if (isTest(file)) continue; // tests may import anything; they are not part of the layering
  const from = folderOf(file);
  for (const m of readFileSync(file, 'utf8').matchAll(importRe)) {
    const to = folderOf(resolve(dirname(file), (m[1] ?? m[2])!));
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
}

console.log('folder imports (non-test files):');
for (const [from, tos] of [...edges].sort()) console.log(`  ${from} -> ${[...tos].sort().join(', ')}`);

const cycles: string[] = [];
for (const [a, tos] of edges)
  for (const b of tos) if (a < b && edges.get(b)?.has(a)) cycles.push(`${a} <-> ${b}`);
// Longer cycles: a folder reaching itself through two or more others.
function reaches(start: string, target: string, seen = new Set<string>()): boolean {
  for (const next of edges.get(start) ?? []) {
    if (next === target) return true;
    if (!seen.has(next)) {
      seen.add(next);
      if (reaches(next, target, seen)) return true;
    }
  }
  return false;
}
const inCycle = [...edges.keys()].filter((f) => reaches(f, f)).sort();
console.log(`two-folder cycles: ${cycles.length ? cycles.join('; ') : 'none'}`);
console.log(`folders on any cycle: ${inCycle.length ? inCycle.join(', ') : 'none'}`);

const longest = files
  .filter((f) => folderOf(f) !== 'emulator')
  .map((f) => ({ f: relative(root, f), n: readFileSync(f, 'utf8').split('\n').length }))
  .sort((a, b) => b.n - a.n)
  .slice(0, 5);
console.log('longest non-emulator .ts files:');
for (const { f, n } of longest) console.log(`  ${n} ${f}`);

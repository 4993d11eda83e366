/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) one after another —
 * never in parallel, so they do not steal each other's two cores — and prints one table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { load } from './load';
import type { Benchmark, BenchRow } from './types';

function fmt(n: number | undefined): string {
  if (n === undefined) return '';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  if (files.length === 0) {
    console.error(`No benchmark matched ${only.join(', ') || '(none found in bench/)'}.`);
    process.exit(2);
  }
  const rows: (BenchRow & { bench: string })[] = [];
  let failed = 0;
  for (const file of files) {
    const bench = file.replace(/\.bench\.ts$/, '');
    process.stderr.write(`running ${bench} …\n`);
    try {
      const mod = (await import(path.join(__dirname, file))) as { default: Benchmark };
      const got = await mod.default();
      const now = load();
      for (const row of got) rows.push({ ...row, bench, load: row.load ?? now });
    } catch (err) {
      failed++;
      console.error(
        `benchmark ${bench} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
  }
  const header = [
    'bench',
    'measure',
    'ours',
    'unit',
    'baseline',
    'ratio',
    'target',
    'met',
    'load (1/5/15 min)',
  ];
  const table = rows.map((r) => [
    r.bench,
    r.name,
    fmt(r.value),
    r.unit,
    r.baseline === undefined ? '' : `${fmt(r.baseline)}${r.baselineLabel ? ` (${r.baselineLabel})` : ''}`,
    r.ratio ?? '',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    (r.load ?? '').replace(/^load /, ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  for (const r of rows.filter((r) => r.note)) console.log(`note (${r.bench} / ${r.name}): ${r.note}`);
  // What the bench process itself (the in-process emulator of the health and consent benches) needed: the heap flag
  // in package.json's bench script is sized from this.
  console.log(`bench process peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  if (failed) process.exit(1);
}

void main();

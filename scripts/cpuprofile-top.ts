/**
 * Sums a V8 .cpuprofile's self time by function and by package/file, and prints the top entries:
 * `node --import tsx scripts/cpuprofile-top.ts <file.cpuprofile> [top=30]`. Used with the health bench's
 * BENCH_CPU_PROF=<dir> (docs/benchmarks.md) to see where a worker's CPU goes.
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: scripts/cpuprofile-top.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));

/** node_modules/<pkg> (or the project-relative file) a url belongs to. */
function area(url: string): string {
  if (!url) return '(native/vm)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url;
  const w = /\/(workflows|activities|worker|temporal|contracts|emulator)\/.*$/.exec(url);
  return w ? w[0].slice(1) : url.replace(/^file:\/\//, '');
}

const byFn = new Map<string, number>();
const byArea = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const f = `${n.callFrame.functionName || '(anonymous)'} ${area(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  byFn.set(f, (byFn.get(f) ?? 0) + us);
  const a = n.callFrame.url ? area(n.callFrame.url) : n.callFrame.functionName;
  byArea.set(a, (byArea.get(a) ?? 0) + us);
  total += us;
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`,
    );
};
print('self time by package/file', byArea);
print('self time by function', byFn);

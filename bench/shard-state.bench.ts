/**
 * Health-shard state (issue 15, target 4: the worker's memory grew round after round in steady state): the V8 heap
 * a health shard's loops hold once each has its last 10 checks, ours (each check stored as one line,
 * contracts/health-loop.ts `StoredRun`) vs the representation it replaced (each check an object with its check id
 * and outcome). Both build N tenants' loops as a shard holds them (decoded from JSON, as a continue-as-new input
 * arrives) and record R rounds of checks through the shard's own `afterShardCheck`, each round's outcomes decoded
 * from JSON as an activity result arrives. Each side runs in its own child process with --expose-gc.
 *
 *   node --import tsx bench/shard-state.bench.ts [N]   # standalone: prints the rows as JSON
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import type { HealthLoopState, LoopRunOutcome } from '../contracts/health-loop';
import { afterShardCheck } from '../workflows/health-loop';
import { load } from './load';
import type { BenchRow } from './types';

const run = promisify(execFile);
const CHILD_FLAG = '--shard-state-child';
const ROUNDS = 12;

const tenantId = (i: number) => `7e5a0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** The code this replaced (workflows/health-loop.ts before): every check kept as an object with its check id. */
function objectRuns(
  loop: HealthLoopState,
  atMs: number,
  checkId: string,
  outcome: LoopRunOutcome,
): HealthLoopState {
  const recentRuns = [...loop.recentRuns, { at: new Date(atMs).toISOString(), checkId, ...outcome }].slice(
    -10,
  );
  return { ...loop, runs: loop.runs + 1, recentRuns };
}

function child(mode: 'ours' | 'objects', n: number): void {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const used = () => {
    gc();
    gc();
    return v8.getHeapStatistics().used_heap_size;
  };
  const before = used();
  const t0 = Date.parse('2026-12-01T00:00:00Z');
  // The loops as a shard's continue-as-new input brings them (JSON), with the check the bench's fleet runs.
  let loops: HealthLoopState[] = JSON.parse(
    JSON.stringify(
      Array.from({ length: n }, (_, i) => ({
        intervalMinutes: 60,
        check: {
          tenant: { tenantId: tenantId(i) },
          owner: `owner@tenant${i}.example`,
          consentUrl: `https://login.microsoftonline.com/${tenantId(i)}/v2.0/adminconsent?client_id=00000000-0000-4000-8000-000000000001`,
          sampleSize: 10,
          threshold: 0.9,
        },
        paused: false,
        runs: 0,
        recentRuns: [],
        nextRunAt: new Date(t0).toISOString(),
      })),
    ),
  ) as HealthLoopState[];
  const empty = used();
  const perRound: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const at = t0 + r * 3_600_000;
    const outcomes = JSON.parse(
      JSON.stringify(
        loops.map((l, i) => ({
          tenantId: tenantId(i),
          checkId: `health-shard-${i % 64}/${tenantId(i)}/check-${l.runs + 1}`,
          at: new Date(at).toISOString(),
          cls: 'healthy',
          verdict: 'pass',
          accessible: 10,
          sampled: 10,
          reported: false,
        })),
      ),
    ) as ({ tenantId: string; checkId: string; at: string } & LoopRunOutcome)[];
    loops = loops.map((l, i) => {
      const { tenantId: id, checkId, at: ranAt, ...outcome } = outcomes[i]!;
      return mode === 'ours'
        ? afterShardCheck(l, at, Date.parse(ranAt), checkId, id, outcome)
        : objectRuns(l, Date.parse(ranAt), checkId, outcome);
    });
    perRound.push(used());
  }
  process.stdout.write(
    JSON.stringify({
      emptyBytesPerLoop: (empty - before) / n,
      bytesPerLoop: (perRound.at(-1)! - before) / n,
      // growth per round while the last 10 fill (rounds 2–10), then after (rounds 11–12)
      fillingBytesPerRound: (perRound[9]! - perRound[1]!) / 8 / n,
      fullBytesPerRound: (perRound[11]! - perRound[9]!) / 2 / n,
      loops: loops.length,
    }),
  );
}

type Measured = {
  emptyBytesPerLoop: number;
  bytesPerLoop: number;
  fillingBytesPerRound: number;
  fullBytesPerRound: number;
};

async function measure(mode: 'ours' | 'objects', n: number): Promise<Measured> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', __filename, CHILD_FLAG, mode, String(n)],
    { cwd: process.cwd(), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as Measured;
}

export default async function shardStateBench(n = 10_000): Promise<BenchRow[]> {
  const ours = await measure('ours', n);
  const objects = await measure('objects', n);
  const mb = (bytesPerLoop: number) => Math.round((bytesPerLoop * 10_000) / 1048576);
  const note = `${n.toLocaleString('en-US')} loops, ${ROUNDS} rounds of checks; each side in its own child with --expose-gc; a loop without checks costs ${Math.round(ours.emptyBytesPerLoop)} B`;
  return [
    {
      name: 'health shard state per loop with its last 10 checks (V8 heap)',
      value: Math.round(ours.bytesPerLoop),
      unit: 'B',
      baseline: Math.round(objects.bytesPerLoop),
      baselineLabel: 'each check an object with its check id',
      ratio: `${(objects.bytesPerLoop / ours.bytesPerLoop).toFixed(1)}× smaller; ${mb(ours.bytesPerLoop)} vs ${mb(objects.bytesPerLoop)} MB for 10,000 tenants`,
      note,
      load: load(),
    },
    {
      name: 'health shard state growth per round of checks while the last 10 fill, per loop',
      value: Math.round(ours.fillingBytesPerRound),
      unit: 'B',
      baseline: Math.round(objects.fillingBytesPerRound),
      baselineLabel: 'each check an object with its check id',
      ratio: `${(objects.fillingBytesPerRound / ours.fillingBytesPerRound).toFixed(1)}× less; ${((ours.fillingBytesPerRound * 10_000) / 1048576).toFixed(1)} vs ${((objects.fillingBytesPerRound * 10_000) / 1048576).toFixed(1)} MB a round for 10,000 tenants; once full: ${Math.round(ours.fullBytesPerRound)} vs ${Math.round(objects.fullBytesPerRound)} B`,
      load: load(),
    },
  ];
}

if (process.argv[2] === CHILD_FLAG) {
  child(process.argv[3] as 'ours' | 'objects', Number(process.argv[4]));
} else if (require.main === module) {
  void shardStateBench(Number(process.argv[2] ?? 10_000)).then((rows) =>
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`),
  );
}

/**
 * What a workflow-cache miss costs the worker, per check already in the monitor's run (issue 15, target 4): replays
 * the recorded monitor history (test/replay/histories/tenant-monitor-loop-local.json: the loop's setup, then one
 * check per trigger signal) cut after k checks, N times each, in one replay worker, and prints the process CPU per
 * replay. A fleet larger than the workflow cache replays the whole current run on every check, so the difference
 * between k and k + 1 is what each earlier check of a run adds to the next one.
 *
 *   node --import tsx bench/replay-cost.ts            K=0,1,2,3,4 (checks kept), N=300 (replays per k)
 *   COUNT=1 …                                         also counts promises per replay (all, and the workflow
 *                                                     context's) and prints the commonest creation sites
 *
 * Not part of `npm run bench` (no `.bench.ts`): a diagnostic. Findings are in docs/benchmarks.md ("Third pass").
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { installTestRuntime } from '../test/helpers/temporal';
import { WORKFLOWS_PATH } from '../worker/workflow-source';

const HISTORY = path.join(__dirname, '..', 'test', 'replay', 'histories', 'tenant-monitor-loop-local.json');
const SIGNALED = 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED';

let promises = 0;
let workflowPromises = 0;
const sites = new Map<string, number>();
if (process.env.COUNT)
  v8.promiseHooks.onInit((p) => {
    promises++;
    // A promise made inside the workflow sandbox has the sandbox's Promise constructor.
    if ((p as Promise<unknown>).constructor === Promise) return;
    if (workflowPromises++ % 5) return; // sample the sites: a stack per promise would dominate the run
    const frames = (new Error().stack ?? '')
      .split('\n')
      .slice(2)
      .map((l) => l.trim())
      .filter((l) => !l.includes('promise_hooks') && !l.includes('replay-cost'));
    const key = frames
      .slice(0, 3)
      .map((f) => f.replace(/\(.*[\\/]/, '('))
      .join(' < ');
    sites.set(key, (sites.get(key) ?? 0) + 5);
  });

/** The recorded history cut before the (k + 2)-th signal: the loop's setup and k checks. */
function historyWithChecks(events: { eventType: string }[], k: number): temporal.api.history.v1.History {
  const signals = events.flatMap((e, i) => (e.eventType === SIGNALED ? [i] : []));
  const cut = k + 1 < signals.length ? signals[k + 1]! : events.length - 1;
  return temporal.api.history.v1.History.fromObject({ events: events.slice(0, cut) });
}

async function main(): Promise<void> {
  installTestRuntime();
  const events = (JSON.parse(fs.readFileSync(HISTORY, 'utf8')) as { events: { eventType: string }[] }).events;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const n = Number(process.env.N ?? 300);
  for (const k of (process.env.K ?? '0,1,2,3,4').split(',').map(Number)) {
    const history = historyWithChecks(events, k);
    const replay = async (count: number) => {
      const cpu0 = process.cpuUsage();
      const p0 = { all: promises, wf: workflowPromises };
      let i = 0;
      const histories = Array.from({ length: count }, () => ({ workflowId: `replay-${k}-${i++}`, history }));
      for await (const r of Worker.runReplayHistories({ workflowBundle }, histories))
        if (r.error) throw r.error;
      const cpu = process.cpuUsage(cpu0);
      return {
        ms: (cpu.user + cpu.system) / 1000 / count,
        promises: (promises - p0.all) / count,
        workflowPromises: (workflowPromises - p0.wf) / count,
      };
    };
    await replay(20); // JIT and the replay worker's start-up
    const r = await replay(n);
    console.log(
      `${k} check(s) in the run (${history.events!.length} events): ${r.ms.toFixed(1)} ms CPU per replay` +
        (process.env.COUNT
          ? `, ${r.promises.toFixed(0)} promises (${r.workflowPromises.toFixed(0)} in the workflow context)`
          : ''),
    );
  }
  if (process.env.COUNT)
    for (const [site, count] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 15))
      console.log(`  ${count} × ${site}`);
}

void main();

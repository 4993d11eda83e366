/**
 * Preloaded into bench worker processes (`--require ./bench/worker-memory.cjs`) when BENCH_MEMORY_LOG names a file:
 * every second it appends one JSON line of where the process's resident memory is — the main thread's V8 heap
 * (`process.memoryUsage()`), buffers outside it, and /proc/self/status's split of RSS into anonymous memory and
 * file-backed pages (the node binary and the SDK's native library mapped from disk). What is anonymous but not
 * the main heap is the workflow thread's V8 heap and the SDK core's native (Rust) memory.
 */
'use strict';
const fs = require('node:fs');
const workerThreads = require('node:worker_threads');

const file = process.env.BENCH_MEMORY_LOG;
if (file) {
  // The SDK starts its workflow thread with `new Worker(...)` read off this module at call time: remember each one
  // so its V8 heap can be read from here (worker.getHeapStatistics(), Node >= 22.16).
  const threads = [];
  const OriginalWorker = workerThreads.Worker;
  workerThreads.Worker = class extends OriginalWorker {
    constructor(...args) {
      super(...args);
      threads.push(this);
      this.once('exit', () => threads.splice(threads.indexOf(this), 1));
    }
  };
  // `touch <log>.snapshot`: a V8 heap snapshot of each workflow thread, written next to the log (what fills it).
  // A file, not a signal: the SDK's Runtime shuts the worker down on SIGUSR2 (its default shutdownSignals), and
  // Node's inspector owns SIGUSR1. Writing a snapshot stalls the thread for seconds (queries time out meanwhile).
  const snapshotIfAsked = () => {
    if (!workerThreads.isMainThread || !fs.existsSync(`${file}.snapshot`)) return;
    fs.rmSync(`${file}.snapshot`, { force: true });
    for (const [i, t] of threads.entries()) {
      t.getHeapSnapshot()
        .then((stream) =>
          stream.pipe(fs.createWriteStream(`${file}.${process.pid}.thread${i}.${Date.now()}.heapsnapshot`)),
        )
        .catch(() => undefined);
    }
  };
  let threadHeaps = [];
  const readThreadHeaps = () => {
    Promise.all(
      threads.map((t) => (t.getHeapStatistics ? t.getHeapStatistics().catch(() => null) : null)),
    ).then((stats) => {
      threadHeaps = stats.filter(Boolean).map((h) => ({
        totalMb: Math.round(h.total_heap_size / 1048576),
        usedMb: Math.round(h.used_heap_size / 1048576),
        limitMb: Math.round(h.heap_size_limit / 1048576),
        mallocedMb: Math.round(h.malloced_memory / 1048576),
      }));
    });
  };
  const kb = (status, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const mb = (b) => Math.round(b / 1048576);
    fs.appendFileSync(
      file,
      JSON.stringify({
        at: Date.now(),
        pid: process.pid,
        // The preload runs in the workflow thread too: there process.memoryUsage() reports that thread's heap.
        thread: workerThreads.isMainThread ? 'main' : 'workflow',
        rssMb: mb(m.rss),
        heapTotalMb: mb(m.heapTotal),
        heapUsedMb: mb(m.heapUsed),
        externalMb: mb(m.external),
        arrayBuffersMb: mb(m.arrayBuffers),
        anonMb: Math.round(kb(status, 'RssAnon') / 1024),
        fileMb: Math.round(kb(status, 'RssFile') / 1024),
        threads: threadHeaps,
      }) + '\n',
    );
    readThreadHeaps();
    snapshotIfAsked();
  }, 1000);
  timer.unref();
}

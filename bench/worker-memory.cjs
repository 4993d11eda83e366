/**
 * Preloaded into bench worker processes (`--require ./bench/worker-memory.cjs`) when BENCH_MEMORY_LOG names a file:
 * every second it appends one JSON line of where the process's resident memory is — the main thread's V8 heap
 * (`process.memoryUsage()`), buffers outside it, and /proc/self/status's split of RSS into anonymous memory and
 * file-backed pages (the node binary and the SDK's native library mapped from disk). What is anonymous but not
 * the main heap is the workflow thread's V8 heap and the SDK core's native (Rust) memory.
 */
'use strict';
const fs = require('node:fs');

const file = process.env.BENCH_MEMORY_LOG;
if (file) {
  const kb = (status, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const mb = (b) => Math.round(b / 1048576);
    fs.appendFileSync(
      file,
      JSON.stringify({
        at: Date.now(),
        rssMb: mb(m.rss),
        heapTotalMb: mb(m.heapTotal),
        heapUsedMb: mb(m.heapUsed),
        externalMb: mb(m.external),
        arrayBuffersMb: mb(m.arrayBuffers),
        anonMb: Math.round(kb(status, 'RssAnon') / 1024),
        fileMb: Math.round(kb(status, 'RssFile') / 1024),
      }) + '\n',
    );
  }, 1000);
  timer.unref();
}

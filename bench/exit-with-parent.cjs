'use strict';
/**
 * Preloaded into every worker process the bench starts (`--require ./bench/exit-with-parent.cjs`; plain CommonJS, so a worker
 * run from the built package needs no tsx): the worker exits
 * when the bench that started it is gone (killed, or out of memory), instead of polling Temporal and skewing the
 * next run's figures. Linux re-parents an orphan (to init or a subreaper), so a changed `process.ppid` means the
 * parent died; Node has no PR_SET_PDEATHSIG.
 */
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid !== parent) {
    process.stderr.write(`bench worker ${process.pid}: the bench (pid ${parent}) is gone; exiting\n`);
    process.exit(3);
  }
}, 1000);
timer.unref();

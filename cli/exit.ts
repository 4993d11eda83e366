/**
 * Ends the process only after stdout and stderr have flushed. `process.exit()` right after a large
 * `process.stdout.write()` drops whatever is still queued when stdout is a pipe (Node: "process.stdout and
 * process.stderr … writes may be asynchronous … for pipes"; a pipe buffer holds 64 KiB), which cut `--json`
 * reports at 65,536 bytes. A write callback fires once everything written before it has been handed to the OS.
 */
export function exitAfterFlush(code: number): void {
  process.exitCode = code;
  const done = () => process.exit(code);
  let pending = 2;
  const one = () => {
    if (--pending === 0) done();
  };
  // An EPIPE (the reader went away) must not keep us alive either.
  const safe = (stream: NodeJS.WriteStream) => {
    try {
      if (stream.destroyed || !stream.writable) return one();
      stream.write('', () => one());
    } catch {
      one();
    }
  };
  safe(process.stdout);
  safe(process.stderr);
}

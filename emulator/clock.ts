/**
 * The emulator's clock: wall time plus an offset the control API can move forward. Every delay the emulator
 * models on purpose — consent propagation, service-principal replication, the Exchange RBAC for Applications
 * cache — is measured on it, so a test can "wait two hours" in one call. Access-token lifetimes and the
 * per-window request limits stay on wall time (a test moving the clock does not expire its own tokens).
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Move forward (never back: a delay that has passed stays passed). */
  advance(seconds: number): number {
    if (!(seconds >= 0)) throw new Error(`the clock only moves forward (got ${seconds} seconds)`);
    this.offsetMs += seconds * 1000;
    return this.now();
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

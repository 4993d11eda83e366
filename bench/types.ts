/**
 * Every benchmark module in bench/ (named `*.bench.ts`) default-exports a function returning rows. The
 * runner prints them as one table. A row compares "ours" with a baseline or the ideal measured in the same
 * run, so the ratio is meaningful on any machine.
 */
export interface BenchRow {
  /** What was measured, e.g. "probe 1,000 users (100 ms latency)". */
  name: string;
  /** Our figure. */
  value: number;
  unit: string;
  /** The naive baseline or the ideal, measured or computed in the same run. */
  baseline?: number;
  baselineLabel?: string;
  /** value vs baseline in words, e.g. "42.1× faster", "1.18× ideal". */
  ratio?: string;
  /** Target from the issue, and whether it was met. */
  target?: string;
  met?: boolean;
  note?: string;
  /** os.loadavg() when the figure was taken (bench/load.ts); the runner fills it in when a bench does not. */
  load?: string;
}

export type Benchmark = () => Promise<BenchRow[]>;

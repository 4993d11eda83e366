/** The machine's load when a figure was taken (issue 15: every figure is printed with it). */
import os from 'node:os';

export function load(): string {
  const [a, b, c] = os.loadavg().map((x) => x.toFixed(2));
  return `load ${a}/${b}/${c} on ${os.cpus().length} cores`;
}

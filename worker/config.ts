/**
 * Worker settings that are not Temporal connection settings (those come from @temporalio/envconfig,
 * see temporal-connection.ts). Validated once at start-up; a bad value names the variable and the fix.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../temporal/connection';

import { DEFAULT_TASK_QUEUE } from '../contracts/ids';

export { DEFAULT_TASK_QUEUE };

const schema = z.object({
  TOGETHER_TASK_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, dot, dash or underscore, at most 200 characters')
    .default(DEFAULT_TASK_QUEUE),
  TOGETHER_WORKFLOW_BUNDLE: z.string().optional(),
  TOGETHER_WORKER_METRICS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9464')
    .optional(),
  TOGETHER_WORKER_HEALTH: z
    .string()
    .regex(/^([^\s:]+:)?\d{1,5}$/, 'a port, or host:port, e.g. 9465 or 127.0.0.1:9465')
    .optional(),
  TOGETHER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(20),
  TOGETHER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
  NODE_ENV: z.string().optional(),
});

export interface WorkerSettings {
  taskQueue: string;
  /** Pre-built workflow bundle (npm run build); required when NODE_ENV=production. */
  workflowBundlePath?: string;
  /** Bind address of the Prometheus /metrics endpoint, if enabled. */
  metricsBindAddress?: string;
  /** Where GET /healthz listens (readiness: 200 only while polling), if enabled; host defaults to loopback. */
  healthBind?: { host: string; port: number };
  maxConcurrentActivities: number;
  /** Workflows kept in the worker's sticky cache (memory ≈ 0.5 MB each); default: the SDK's, from the heap size. */
  maxCachedWorkflows?: number;
  production: boolean;
}

/**
 * dist/workflow-bundle.js, written by `npm run build`. From the sources this module is worker/config.ts and
 * dist/ is beside it; compiled, it is dist/worker/config.js and the bundle is in its own package root.
 */
export const DEFAULT_BUNDLE_PATH = __filename.endsWith('.js')
  ? path.resolve(__dirname, '..', 'workflow-bundle.js')
  : path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

/** How to fix each worker variable, appended to its problem. */
const FIXES: Record<string, string> = {
  TOGETHER_TASK_QUEUE: `set it to a name like ${DEFAULT_TASK_QUEUE}, or unset it for that default`,
  TOGETHER_WORKER_METRICS: 'set it to host:port such as 127.0.0.1:9464, or unset it to turn /metrics off',
  TOGETHER_WORKER_HEALTH: 'set it to a port such as 9465 (or host:port), or unset it to turn /healthz off',
  TOGETHER_MAX_CONCURRENT_ACTIVITIES: 'set it to a whole number from 1 to 1000, or unset it for 20',
  TOGETHER_MAX_CACHED_WORKFLOWS:
    "set it to a whole number from 0 to 100000, or unset it for the SDK's default (from the heap size)",
};

/**
 * A ConfigError that lists several problems, one a line, each naming where the value came from and how to
 * fix it. Worker start-up collects every problem of every setting before it stops (issue 12: one run shows
 * the whole list, not one mistake per restart).
 */
export class ConfigProblemsError extends ConfigError {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? problems[0]!
        : `${problems.length} configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** Collects the ConfigErrors of several loaders, so start-up can report them all at once. */
export class ConfigProblems {
  readonly problems: string[] = [];

  /** Runs one loader; its ConfigError(s) are recorded and undefined returned; any other error propagates. */
  attempt<T>(load: () => T): T | undefined {
    try {
      return load();
    } catch (err) {
      if (err instanceof ConfigProblemsError) this.problems.push(...err.problems);
      else if (err instanceof ConfigError) this.problems.push(err.message);
      else throw err;
      return undefined;
    }
  }

  /** Throws one ConfigProblemsError listing every recorded problem; returns when there is none. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new ConfigProblemsError(this.problems);
  }
}

export function loadWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // One line per variable (its first issue): every bad variable is reported, not only the first.
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      if (seen.has(key)) continue;
      seen.add(key);
      const fix = FIXES[key];
      problems.push(
        `${key}='${env[key]}' (environment variable) is invalid: ${issue.message}.${fix ? ` Fix: ${fix}.` : ''}`,
      );
    }
    throw new ConfigProblemsError(problems);
  }
  const v = parsed.data;
  const production = v.NODE_ENV === 'production';
  return {
    taskQueue: v.TOGETHER_TASK_QUEUE,
    workflowBundlePath: v.TOGETHER_WORKFLOW_BUNDLE ?? (production ? DEFAULT_BUNDLE_PATH : undefined),
    metricsBindAddress: v.TOGETHER_WORKER_METRICS,
    healthBind: v.TOGETHER_WORKER_HEALTH ? parseBind(v.TOGETHER_WORKER_HEALTH) : undefined,
    maxConcurrentActivities: v.TOGETHER_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: v.TOGETHER_MAX_CACHED_WORKFLOWS,
    production,
  };
}

/** '9465' → loopback:9465; 'host:9465' → host:9465. */
function parseBind(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  return i < 0
    ? { host: '127.0.0.1', port: Number(value) }
    : { host: value.slice(0, i), port: Number(value.slice(i + 1)) };
}

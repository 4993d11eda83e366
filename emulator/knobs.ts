/**
 * The runtime knobs a fixture, the command line and the control API share: fault specs and limits
 * (Outlook per-mailbox limits, directory and token endpoint throttling).
 */
import { z } from 'zod';

const guid = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    'must be a GUID like 00000000-0000-0000-0000-000000000000',
  );

export const FAULT_KINDS = ['429', '500', '503', '504', 'reset', 'slow'] as const;

export const faultSchema = z.strictObject({
  /** A route id (see docs/emulator.md, e.g. "getSchedule", "listEvents", "token", "batch") or "*" for every Graph route. */
  route: z.string().min(1),
  kind: z.enum(FAULT_KINDS),
  /** Probability 0..1 per matching request. */
  rate: z.number().min(0).max(1).default(1),
  /** Stop after this many injections (omit: unlimited). */
  count: z.number().int().positive().optional(),
  retryAfterSeconds: z.number().int().min(0).default(2),
  /** Extra delay for kind "slow". */
  delayMs: z.number().int().min(0).default(5000),
  /** Only for requests to this tenant (id). */
  tenantId: guid.optional(),
});

export const limitsSchema = z.strictObject({
  /** Concurrent requests per app + mailbox (Outlook: four). */
  mailboxConcurrency: z.number().int().positive().default(4),
  /** Requests per app + mailbox in `mailboxWindowSeconds` (Outlook: 10,000 in 10 minutes). */
  mailboxRequestsPerWindow: z.number().int().positive().default(10_000),
  mailboxWindowSeconds: z.number().int().positive().default(600),
  /** Directory (non-mailbox) Graph requests per app + tenant in `directoryWindowSeconds`; unset = unlimited. */
  directoryRequestsPerWindow: z.number().int().positive().optional(),
  directoryWindowSeconds: z.number().int().positive().default(10),
  /** Token requests per app + tenant in `tokenWindowSeconds`; unset = unlimited. */
  tokenRequestsPerWindow: z.number().int().positive().optional(),
  tokenWindowSeconds: z.number().int().positive().default(60),
});

export type FaultSpec = z.output<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;
export type Limits = z.output<typeof limitsSchema>;

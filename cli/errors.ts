/**
 * Exit codes and error messages. Every failure the CLI expects becomes a CliError that says what was
 * wrong and how to fix it; only unexpected failures print a stack, and only with DEBUG=1.
 */
import { BackendError } from '../contracts/backend';
import { errorKind } from '../contracts/errors';

export const EXIT = {
  ok: 0,
  /** A failing verdict (the sample test failed, the tenant is failing or its onboarding expired). */
  failing: 1,
  /** Bad input or configuration. */
  badInput: 2,
  /** A dependency (Temporal, the emulator, Graph) could not be reached. */
  unreachable: 3,
  /** A bug or an error nobody classified: never 1, which means "the tenant is failing" to scripts. */
  internal: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/**
 * Maps any thrown value to a CliError with the right exit code: the one place where error kinds
 * (contracts/errors.ts) become exit codes. user and configuration → 2, unreachable → 3.
 */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Error) {
    if (err instanceof BackendError) {
      return new CliError(err.message, err.kind === 'unreachable' ? EXIT.unreachable : EXIT.badInput);
    }
    const kind = errorKind(err);
    if (kind === 'user' || kind === 'configuration') return new CliError(err.message, EXIT.badInput);
    if (kind === 'unreachable') return new CliError(err.message, EXIT.unreachable);
    // Temporal's own errors when a call bypassed client/api.ts (e.g. the worker): gRPC UNAVAILABLE and friends.
    if (/ECONNREFUSED|UNAVAILABLE|deadline exceeded/i.test(err.message)) {
      return new CliError(err.message, EXIT.unreachable);
    }
    const wrapped = new CliError(
      `Unexpected error: ${err.message} (run with DEBUG=1 for the stack; please report it)`,
      EXIT.internal,
    );
    wrapped.stack = err.stack;
    return wrapped;
  }
  return new CliError(`Unexpected error: ${String(err)}`, EXIT.internal);
}

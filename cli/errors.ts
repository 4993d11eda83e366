/**
 * Exit codes and error messages. Every failure the CLI expects becomes a CliError that says what was
 * wrong and how to fix it; only unexpected failures print a stack, and only with DEBUG=1.
 */
export const EXIT = {
  ok: 0,
  /** A failing verdict (the sample test failed, the tenant is failing or its onboarding expired). */
  failing: 1,
  /** Bad input or configuration. */
  badInput: 2,
  /** A dependency (Temporal, the emulator, Graph) could not be reached. */
  unreachable: 3,
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

const BAD_INPUT_NAMES = new Set([
  'ConfigError',
  'ConfigurationError',
  'ToolNotFoundError',
  'DevServerError',
  'ConsolePortError',
  'TenantInputError',
  'EmulatorConfigError',
  'FixtureError',
  'WorkflowNotFoundError',
]);
const UNREACHABLE_NAMES = new Set(['UnreachableError', 'ServiceError', 'TransportError']);

/** Maps any thrown value to a CliError with the right exit code. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Error) {
    const kind = (err as { kind?: string }).kind;
    if (err.name === 'BackendError') {
      return new CliError(err.message, kind === 'unreachable' ? EXIT.unreachable : EXIT.badInput);
    }
    if (BAD_INPUT_NAMES.has(err.name)) return new CliError(err.message, EXIT.badInput);
    if (UNREACHABLE_NAMES.has(err.name) || /ECONNREFUSED|UNAVAILABLE|deadline exceeded/i.test(err.message)) {
      return new CliError(err.message, EXIT.unreachable);
    }
    const wrapped = new CliError(`Unexpected error: ${err.message}`, EXIT.failing);
    wrapped.stack = err.stack;
    return wrapped;
  }
  return new CliError(`Unexpected error: ${String(err)}`, EXIT.failing);
}

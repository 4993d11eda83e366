/**
 * Errors the user can act on, each with a kind that decides the CLI's exit code in one place (cli/errors.ts):
 * `user` (bad input) and `configuration` exit 2, `unreachable` (Temporal, the emulator, Graph) exits 3.
 * Throw a subclass (or any Error with a `kind` of these) instead of matching on `err.name` strings.
 */
export type ErrorKind = 'user' | 'configuration' | 'unreachable';

export class KindedError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Bad input: a flag, a file, an environment variable the user gave. */
export class UserInputError extends KindedError {
  override name = 'UserInputError';
  constructor(message: string) {
    super('user', message);
  }
}

/** The installation is misconfigured (worker settings, credentials, a missing tool). */
export class ConfigError extends KindedError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('configuration', message);
  }
}

/** A dependency could not be reached. */
export class UnreachableError extends KindedError {
  override name = 'UnreachableError';
  constructor(message: string) {
    super('unreachable', message);
  }
}

const KINDS: readonly ErrorKind[] = ['user', 'configuration', 'unreachable'];

/** The kind of a thrown value, when it declares one. */
export function errorKind(err: unknown): ErrorKind | undefined {
  const kind = (err as { kind?: unknown } | null)?.kind;
  return KINDS.includes(kind as ErrorKind) ? (kind as ErrorKind) : undefined;
}

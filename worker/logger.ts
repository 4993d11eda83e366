/**
 * Structured JSON logs (pino) for every process we start, with the Temporal SDK's own logs routed into
 * them. Redaction is a second line of defence: credentials never reach a log call by design, but a
 * field that looks like one is masked anyway.
 */
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  '*.Authorization',
  '*.apiKey',
  '*.privateKey',
  '*.codecKey',
  'clientSecret',
  'accessToken',
  'apiKey',
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export type { Logger };

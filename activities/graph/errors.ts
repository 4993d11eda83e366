/**
 * Graph and Entra errors, normalised: what failed (status, Graph code, request-id), whether waiting helps
 * (Retry-After), and the typed Temporal failures the activities throw. Pure functions: unit-tested without
 * network.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../../contracts/activities';

/** A Graph error reduced to the fields we keep. Never holds headers other than Retry-After, never a token. */
export interface GraphFailure {
  status: number;
  code?: string;
  message?: string;
  requestId?: string;
  /** Milliseconds to wait before retrying, from Retry-After (seconds or HTTP-date), when present. */
  retryAfterMs?: number;
}

/** Statuses worth retrying after a delay: throttling and transient server faults (Graph docs §4.3). */
export const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * Parse Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds (≥ 0), or undefined
 * when absent or unparseable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]{3}/i.test(v)) return undefined; // an HTTP-date names its day and month
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Case-insensitive header lookup over the shapes we meet: Headers, plain objects from $batch items. */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  if (typeof headers === 'object') {
    const lower = name.toLowerCase();
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      if (k.toLowerCase() === lower) return Array.isArray(v) ? String(v[0]) : String(v);
    }
  }
  return undefined;
}

interface GraphErrorBody {
  error?: {
    code?: string;
    message?: string;
    innerError?: Record<string, unknown>;
    innererror?: Record<string, unknown>;
  };
}

/** Build a GraphFailure from a Graph error body (object or JSON string) plus status and headers. */
export function failureFromBody(status: number, body: unknown, headers?: unknown): GraphFailure {
  let parsed: GraphErrorBody | undefined;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as GraphErrorBody;
    } catch {
      parsed = undefined;
    }
  } else if (body && typeof body === 'object') {
    parsed = body as GraphErrorBody;
  }
  // The SDK's GraphError.body is JSON of the *inner* `error` object; a $batch item's body is the full envelope.
  const err = parsed?.error ?? (parsed as GraphErrorBody['error'] | undefined);
  const inner = err?.innerError ?? err?.innererror;
  const requestId =
    (typeof inner?.['request-id'] === 'string' ? inner['request-id'] : undefined) ??
    headerValue(headers, 'request-id') ??
    headerValue(headers, 'client-request-id');
  const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'));
  return {
    status,
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
    ...(typeof err?.message === 'string' ? { message: redact(err.message) } : {}),
    ...(requestId ? { requestId } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/** Normalise whatever the Graph client threw (GraphError, network error, token error) into a GraphFailure. */
export function failureFromError(error: unknown): GraphFailure {
  const e = error as {
    statusCode?: number;
    code?: string | null;
    message?: string;
    requestId?: string | null;
    headers?: unknown;
    body?: unknown;
  };
  if (e && typeof e.statusCode === 'number' && e.statusCode > 0) {
    const fromBody = failureFromBody(e.statusCode, e.body, e.headers);
    return {
      ...fromBody,
      code: fromBody.code ?? e.code ?? undefined,
      message: fromBody.message ?? (e.message ? redact(e.message) : undefined),
      requestId: fromBody.requestId ?? e.requestId ?? undefined,
    };
  }
  // No HTTP status: connection reset, DNS, TLS… (the SDK reports statusCode -1). Transient by nature.
  const msg = error instanceof Error ? error.message : String(error);
  return {
    status: 0,
    code: e?.code ?? (error instanceof Error ? error.name : 'NetworkError'),
    message: redact(msg),
  };
}

export function isTransient(f: GraphFailure): boolean {
  return f.status === 0 || TRANSIENT_STATUSES.has(f.status);
}

/**
 * Strip anything that looks like a credential from a string before it goes into a log, an error, a result or a
 * heartbeat: JWTs, bearer tokens, client_secret / client_assertion form fields, PEM blocks, and any value
 * registered with `registerSecret` (the configured client secret and webhook secret).
 */
const registeredSecrets = new Set<string>();
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) registeredSecrets.add(value);
}
export function redact(text: string): string {
  let out = text
    .replace(/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '[redacted-jwt]')
    .replace(/(bearer\s+)[\w.~+/=-]+/gi, '$1[redacted]')
    .replace(
      /((?:client_secret|client_assertion|access_token|refresh_token|password)=)[^&\s]+/gi,
      '$1[redacted]',
    )
    .replace(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '[redacted-pem]');
  for (const s of registeredSecrets) out = out.split(s).join('[redacted]');
  return out;
}

// ------------------------------------------------------------------ token (Entra) errors

export type TokenErrorKind =
  'unknownTenant' | 'notConsented' | 'appDisabled' | 'credentialRejected' | 'configuration' | 'transient';

export interface TokenFailure {
  kind: TokenErrorKind;
  /** AADSTS code when there is one, else the OAuth error. */
  code: string;
  message: string;
}

/**
 * Classify a token acquisition error from @azure/identity (AuthenticationError carries Entra's
 * `{error, error_description, error_codes}`; messages carry "AADSTSnnnn"). AADSTS codes:
 *   90002 / 90023 / 900023 tenant not found or invalid      → unknownTenant
 *   700016 app not found in directory, 7000229 no service principal, 65001 consent missing,
 *   500011 resource principal not found in tenant            → notConsented
 *   7000112 the enterprise app (service principal) is disabled in the tenant → appDisabled
 *   7000215 invalid secret, 7000222 expired secret, 700027 certificate/assertion invalid,
 *   700024 assertion not within its valid time range, 70021 / 700213 no matching federated identity record
 *                                                            → credentialRejected
 *   other 4xx                                                → configuration
 *   5xx, network, timeouts                                   → transient
 */
export function classifyTokenError(error: unknown): TokenFailure {
  const e = error as {
    statusCode?: number;
    errorResponse?: { error?: string; errorDescription?: string; errorCodes?: number[] };
    message?: string;
    name?: string;
  };
  const message = redact(String(e?.errorResponse?.errorDescription ?? e?.message ?? error));
  const codes = new Set<number>(e?.errorResponse?.errorCodes ?? []);
  for (const m of message.matchAll(/AADSTS(\d+)/g)) codes.add(Number(m[1]));
  const has = (...c: number[]) => c.some((x) => codes.has(x));
  const aad = [...codes][0];
  const code = aad !== undefined ? `AADSTS${aad}` : (e?.errorResponse?.error ?? e?.name ?? 'TokenError');
  if (has(90033, 90038, 50196) || /temporarily_unavailable|server_error/.test(message))
    return { kind: 'transient', code, message };
  if (has(90002, 90023, 900023, 90072)) return { kind: 'unknownTenant', code, message };
  if (has(700016, 7000229, 65001, 500011, 650052)) return { kind: 'notConsented', code, message };
  if (has(7000112)) return { kind: 'appDisabled', code, message };
  if (has(7000215, 7000222, 700027, 700024, 70021, 700213, 7000218, 700025))
    return { kind: 'credentialRejected', code, message };
  const status = e?.statusCode;
  if (status !== undefined && status >= 500) return { kind: 'transient', code, message };
  if (codes.size > 0 || (status !== undefined && status >= 400 && status < 500) || e?.errorResponse?.error) {
    // invalid_client without a known code is a credential problem; other 4xx are configuration.
    if (e?.errorResponse?.error === 'invalid_client' || e?.errorResponse?.error === 'unauthorized_client') {
      return { kind: 'credentialRejected', code, message };
    }
    return { kind: 'configuration', code, message };
  }
  // MSAL could not read the tenant's OpenID configuration: unknown tenant or unreachable authority — the caller
  // tells them apart with `probeAuthority` (see client.ts).
  if (/endpoints_resolution_error/.test(message))
    return { kind: 'transient', code: 'endpoints_resolution_error', message };
  // The publisher's own credential material is missing: the federated token file (workload identity) cannot be
  // read, or the managed identity gave no assertion. Publisher-side, like a rejected secret.
  if (/ENOENT|no such file|federated assertion|AZURE_FEDERATED_TOKEN_FILE/i.test(message))
    return { kind: 'credentialRejected', code: /ENOENT/.test(message) ? 'ENOENT' : code, message };
  if (e?.name === 'CredentialUnavailableError') return { kind: 'configuration', code, message };
  return { kind: 'transient', code, message };
}

// ------------------------------------------------------------------ Temporal failures

/** Permanent failures are non-retryable: no retry policy would make them succeed. */
export function permanentFailure(
  type: (typeof FailureTypes)[Exclude<keyof typeof FailureTypes, 'Transient'>],
  message: string,
  details?: Record<string, unknown>,
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: redact(message),
    nonRetryable: true,
    details: details ? [details] : undefined,
  });
}

export function transientFailure(message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureTypes.Transient,
    message: redact(message),
    nonRetryable: false,
    details: details ? [details] : undefined,
  });
}

/** Map a token failure to the Temporal failure an activity throws. */
export function failureForToken(tenantId: string, t: TokenFailure): ApplicationFailure {
  const details = { tenantId, code: t.code };
  switch (t.kind) {
    case 'unknownTenant':
      return permanentFailure(
        FailureTypes.UnknownTenant,
        `Tenant ${tenantId} is unknown to Entra (${t.code}).`,
        details,
      );
    case 'notConsented':
      return permanentFailure(
        FailureTypes.ConsentMissing,
        `Together is not consented in tenant ${tenantId} (${t.code}): an admin must grant admin consent.`,
        details,
      );
    case 'appDisabled':
      return permanentFailure(
        FailureTypes.ConsentMissing,
        `Together's enterprise app is disabled in tenant ${tenantId} (${t.code}): an admin must re-enable it (Enterprise applications › Properties › Enabled for users to sign in).`,
        details,
      );
    case 'credentialRejected':
      return permanentFailure(
        FailureTypes.CredentialRejected,
        `Entra rejected the app credential for tenant ${tenantId} (${t.code}): ${t.message}`,
        details,
      );
    case 'configuration':
      return permanentFailure(
        FailureTypes.Configuration,
        `Token request refused for tenant ${tenantId} (${t.code}): ${t.message}`,
        details,
      );
    case 'transient':
      return transientFailure(
        `Token endpoint unavailable for tenant ${tenantId} (${t.code}): ${t.message}`,
        details,
      );
  }
}

/** Map a Graph failure of a whole operation (not a per-user item) to a Temporal failure. */
export function failureForGraph(tenantId: string, what: string, f: GraphFailure): ApplicationFailure {
  const details = { tenantId, status: f.status, code: f.code, requestId: f.requestId };
  const text =
    `${what} failed in tenant ${tenantId}: ${f.status || 'network'} ${f.code ?? ''} ${f.message ?? ''}`.trim();
  if (isTransient(f)) return transientFailure(text, details);
  if (f.status === 401) return transientFailure(text, details); // token rejected: a fresh token may fix it
  if (f.status === 403) return permanentFailure(FailureTypes.ConsentMissing, text, details);
  if (f.status === 400 || f.status === 404)
    return permanentFailure(FailureTypes.Configuration, text, details);
  return transientFailure(text, details);
}

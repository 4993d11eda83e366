import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../../contracts/activities';
import {
  classifyTokenError,
  failureForGraph,
  failureForToken,
  failureFromBody,
  failureFromError,
  parseRetryAfter,
  redact,
  registerSecret,
} from './errors';

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('10')).toBe(10_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter('1.5')).toBe(1500);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
  });
});

describe('failureFromBody', () => {
  it('reads a $batch item envelope with innerError and a Retry-After header in any case', () => {
    const f = failureFromBody(
      429,
      {
        error: {
          code: 'TooManyRequests',
          message: 'Please retry again later.',
          innerError: { 'request-id': 'r-1', date: 'x' },
        },
      },
      { 'retry-after': '7' },
    );
    expect(f).toEqual({
      status: 429,
      code: 'TooManyRequests',
      message: 'Please retry again later.',
      requestId: 'r-1',
      retryAfterMs: 7000,
    });
  });
  it('accepts innererror (schema spelling) and the SDK GraphError.body (inner object as JSON)', () => {
    expect(
      failureFromBody(404, { error: { code: 'X', innererror: { 'request-id': 'r-2' } } }).requestId,
    ).toBe('r-2');
    expect(
      failureFromBody(
        403,
        JSON.stringify({ code: 'ErrorAccessDenied', message: 'Access to OData is disabled.' }),
      ).code,
    ).toBe('ErrorAccessDenied');
  });
  it('falls back to the request-id header', () => {
    expect(failureFromBody(500, 'not json', new Headers({ 'request-id': 'h-1' })).requestId).toBe('h-1');
  });
});

describe('failureFromError', () => {
  it('maps a network error (no status) to status 0, which is transient', () => {
    const f = failureFromError(
      Object.assign(new Error('socket hang up'), { statusCode: -1, code: 'ECONNRESET' }),
    );
    expect(f.status).toBe(0);
  });
});

describe('token errors', () => {
  const authErr = (status: number, error: string, description: string, codes: number[]) =>
    Object.assign(new Error(description), {
      name: 'AuthenticationError',
      statusCode: status,
      errorResponse: { error, errorDescription: description, errorCodes: codes },
    });

  it.each([
    [authErr(400, 'invalid_request', 'AADSTS90002: Tenant not found.', [90002]), 'unknownTenant'],
    [
      authErr(
        400,
        'unauthorized_client',
        "AADSTS700016: Application with identifier 'x' was not found in the directory",
        [700016],
      ),
      'notConsented',
    ],
    [
      authErr(
        401,
        'invalid_client',
        'AADSTS7000229: The client application is missing service principal',
        [7000229],
      ),
      'notConsented',
    ],
    [
      authErr(400, 'unauthorized_client', "AADSTS7000112: Application 'x' is disabled.", [7000112]),
      'appDisabled',
    ],
    [
      authErr(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.', [7000215]),
      'credentialRejected',
    ],
    [
      authErr(
        401,
        'invalid_client',
        'AADSTS7000222: The provided client secret keys are expired.',
        [7000222],
      ),
      'credentialRejected',
    ],
    [
      authErr(
        401,
        'invalid_client',
        'AADSTS700027: Client assertion contains an invalid signature.',
        [700027],
      ),
      'credentialRejected',
    ],
    [
      authErr(503, 'temporarily_unavailable', 'AADSTS90033: A transient error has occurred.', [90033]),
      'transient',
    ],
    [new Error('connect ECONNREFUSED 127.0.0.1:8443'), 'transient'],
  ])('%# classifies as %s', (err, kind) => {
    expect(classifyTokenError(err).kind).toBe(kind);
  });

  it('only transient token failures are retryable', () => {
    const permanent = failureForToken('t', { kind: 'notConsented', code: 'AADSTS700016', message: 'm' });
    expect(permanent).toBeInstanceOf(ApplicationFailure);
    expect(permanent.nonRetryable).toBe(true);
    expect(permanent.type).toBe(FailureTypes.ConsentMissing);
    expect(failureForToken('t', { kind: 'unknownTenant', code: 'x', message: 'm' }).type).toBe(
      FailureTypes.UnknownTenant,
    );
    expect(failureForToken('t', { kind: 'credentialRejected', code: 'x', message: 'm' }).type).toBe(
      FailureTypes.CredentialRejected,
    );
    const t = failureForToken('t', { kind: 'transient', code: 'x', message: 'm' });
    expect(t.nonRetryable).toBe(false);
    expect(t.type).toBe(FailureTypes.Transient);
  });

  it('Graph failures: 429/5xx retryable, 403 consent missing, 400/404 configuration', () => {
    expect(failureForGraph('t', 'x', { status: 429 }).nonRetryable).toBe(false);
    expect(failureForGraph('t', 'x', { status: 503 }).nonRetryable).toBe(false);
    expect(failureForGraph('t', 'x', { status: 403, code: 'Authorization_RequestDenied' }).type).toBe(
      FailureTypes.ConsentMissing,
    );
    expect(failureForGraph('t', 'x', { status: 404 }).type).toBe(FailureTypes.Configuration);
  });
});

describe('redact', () => {
  it('removes JWTs, bearer tokens, form secrets, PEM blocks and registered secrets', () => {
    registerSecret('my-very-secret-value');
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6W119.c2lnbmF0dXJl';
    const out = redact(
      `token ${jwt} Authorization: Bearer abc.def-ghi client_secret=shh&x=1 -----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY----- my-very-secret-value`,
    );
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('abc.def-ghi');
    expect(out).not.toContain('shh');
    expect(out).not.toContain('MII');
    expect(out).not.toContain('my-very-secret-value');
  });
});

import { describe, expect, it } from 'vitest';
import { InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { classifyRefreshError } from './classify';

// As MSAL builds them from the token endpoint's answer (msal-common ResponseHandler): code, correlation id,
// error_description, suberror, timestamp, trace id, claims, error_codes[0].
const grant = (desc: string) =>
  new InteractionRequiredAuthError(
    'invalid_grant',
    'corr',
    desc,
    '',
    '',
    '',
    '',
    /AADSTS(\d+)/.exec(desc)?.[1],
  );

describe('classifyRefreshError', () => {
  it.each([
    ['AADSTS700082: The refresh token has expired due to inactivity.', 'inactivity'],
    [
      'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.',
      'revoked',
    ],
    ['AADSTS50133: Session is invalid due to expiration or recent password change.', 'passwordChanged'],
    ['AADSTS53003: Access has been blocked by Conditional Access policies.', 'conditionalAccess'],
    ['AADSTS65001: The user or administrator has not consented to use the application.', 'consentRevoked'],
    ['AADSTS50057: The user account is disabled.', 'userDisabled'],
    [
      'AADSTS50076: Due to a configuration change made by your administrator, you must use MFA.',
      'mfaRequired',
    ],
  ])('maps %s to its kind', (desc, kind) => {
    const v = classifyRefreshError(grant(desc));
    expect(v).toEqual({ kind, code: `AADSTS${/AADSTS(\d+)/.exec(desc)![1]}` });
  });

  it('treats an invalid_grant with an unknown code as broken (unknown), not transient', () => {
    expect(classifyRefreshError(grant('AADSTS9999999: something new'))).toEqual({
      kind: 'unknown',
      code: 'AADSTS9999999',
    });
  });

  it('treats server trouble and network errors as transient (no email, retried next sweep)', () => {
    expect(
      classifyRefreshError(
        new ServerError(
          'temporarily_unavailable',
          'corr',
          'AADSTS90033: service unavailable',
          '',
          '90033',
          503,
        ),
      ),
    ).toMatchObject({ transient: true });
    expect(classifyRefreshError(new Error('connect ECONNREFUSED 127.0.0.1:443'))).toMatchObject({
      transient: true,
    });
  });
});

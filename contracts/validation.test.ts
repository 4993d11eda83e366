import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashConsentState } from './hash';
import { CONSENT_STATE_HASH_PATTERN, isEmail, isGuid, isTenantId } from './validation';

describe('shared validation (one copy for every folder)', () => {
  it('accepts GUIDs in any case and nothing else as a tenant id', () => {
    expect(isTenantId('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBe(true);
    expect(isGuid('72F988BF-86F1-41AF-91AB-2D7CD011DB47')).toBe(true);
    expect(isTenantId('contoso.onmicrosoft.com')).toBe(false);
    expect(isGuid('72f988bf-86f1-41af-91ab-2d7cd011db4')).toBe(false);
  });
  it('accepts plain addresses and refuses spaces, missing domains and angle brackets', () => {
    expect(isEmail('it@contoso.com')).toBe(true);
    expect(isEmail('it@contoso')).toBe(false);
    expect(isEmail('i t@contoso.com')).toBe(false);
    expect(isEmail('Eve <eve@evil.com>')).toBe(false);
  });
  it('hashes a consent state to the hex SHA-256 the workflow checks', () => {
    const hash = hashConsentState('state');
    expect(hash).toBe(createHash('sha256').update('state', 'utf8').digest('hex'));
    expect(hash).toMatch(CONSENT_STATE_HASH_PATTERN);
  });
});

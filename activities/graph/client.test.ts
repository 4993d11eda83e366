import { describe, expect, it } from 'vitest';
import { parseGraphConfig } from '../config';
import { createGraphClientFactory, MAX_CACHED_TENANT_CLIENTS } from './client';

const config = parseGraphConfig({
  appId: 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619',
  credentials: { default: { kind: 'secret', clientSecret: 'unused-secret-xx' } },
});
const tenant = (i: number) => ({ tenantId: `7e5a0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}` });

describe('createGraphClientFactory: the per-tenant client cache', () => {
  it('returns the same client for a tenant until it is invalidated', () => {
    const f = createGraphClientFactory(config);
    const a = f.forTenant(tenant(1));
    expect(f.forTenant(tenant(1))).toBe(a);
    f.invalidate(tenant(1));
    expect(f.forTenant(tenant(1))).not.toBe(a);
  });

  it(`keeps at most ${MAX_CACHED_TENANT_CLIENTS} tenants, forgetting the least recently used`, () => {
    const f = createGraphClientFactory(config);
    const first = f.forTenant(tenant(0));
    const second = f.forTenant(tenant(1));
    for (let i = 2; i < MAX_CACHED_TENANT_CLIENTS; i++) f.forTenant(tenant(i));
    expect(f.forTenant(tenant(0))).toBe(first); // used again: now the most recent
    f.forTenant(tenant(MAX_CACHED_TENANT_CLIENTS)); // one too many: tenant 1 is the oldest
    expect(f.forTenant(tenant(0))).toBe(first);
    expect(f.forTenant(tenant(1))).not.toBe(second);
  });
});

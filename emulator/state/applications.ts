/** App registrations from the fixture, with their secrets and certificates. */
import { createHash, X509Certificate } from 'node:crypto';
import type { FixtureApp } from '../fixture';
import type { Application, KeyCredential } from './types';

export interface AppCertificates {
  /** "generated:together" → PEM */
  generated: Record<string, string>;
}

export function appFromFixture(a: FixtureApp, certs: AppCertificates): Application {
  return {
    id: a.id.toLowerCase(),
    appId: a.appId.toLowerCase(),
    displayName: a.displayName,
    homeTenantId: a.homeTenantId.toLowerCase(),
    signInAudience: a.signInAudience,
    publisherDomain: a.publisherDomain ?? null,
    redirectUris: a.redirectUris,
    requiredPermissions: a.requiredPermissions,
    delegatedPermissions: a.delegatedPermissions,
    appRoles: a.appRoles.map((r) => ({
      id: r.id.toLowerCase(),
      value: r.value,
      displayName: r.displayName ?? r.value,
      description: r.description ?? r.displayName ?? r.value,
    })),
    publisherVerified: a.publisherVerified,
    createdDateTime: '2026-01-01T00:00:00Z',
    passwordCredentials: a.passwordCredentials.map((p) => ({
      keyId: p.keyId,
      displayName: p.displayName ?? null,
      secretText: p.secretText,
      // Graph returns the first three characters of the secret as `hint`.
      hint: p.secretText.slice(0, 3),
      startDateTime: p.startDateTime ?? '2026-01-01T00:00:00Z',
      endDateTime: p.endDateTime,
    })),
    keyCredentials: a.keyCredentials.map((k) => keyCredential(k, certs)),
  };
}

export function keyCredential(
  k: {
    keyId: string;
    displayName?: string | null;
    certificate: string;
    startDateTime?: string;
    endDateTime?: string;
  },
  certs: AppCertificates,
): KeyCredential {
  const pem = k.certificate.startsWith('generated:') ? certs.generated[k.certificate] : k.certificate;
  if (!pem)
    throw new Error(
      `unknown generated certificate "${k.certificate}" (known: ${Object.keys(certs.generated).join(', ')})`,
    );
  const cert = new X509Certificate(pem);
  const sha1 = createHash('sha1').update(cert.raw).digest();
  return {
    keyId: k.keyId,
    displayName: k.displayName ?? cert.subject.replace(/\n/g, ', '),
    certificatePem: pem,
    x5t: sha1.toString('base64url'),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    // keyCredential.customKeyIdentifier defaults to the certificate thumbprint (resources/keycredential.md).
    customKeyIdentifier: sha1.toString('hex').toUpperCase(),
    startDateTime: k.startDateTime ?? new Date(cert.validFrom).toISOString(),
    endDateTime: k.endDateTime ?? new Date(cert.validTo).toISOString(),
  };
}

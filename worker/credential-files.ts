/**
 * Start-up check of the Graph credential files (issue 12 item 8): a certificate or federated-token file that is
 * missing, unreadable or not what it should be stops the worker at once with exit 2 and the variable to fix,
 * instead of every Graph activity failing later in every tenant. ClientCertificateCredential
 * (@azure/identity) wants one PEM file with the private key and the certificate.
 */
import fs from 'node:fs';
import { ENV, type GraphConfig } from '../activities';
import { ConfigError } from '../temporal/connection';

function read(variable: string, file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(
      `${variable}='${file}' cannot be read (${code}): it must name ${what}. Fix the path or mount the file.`,
    );
  }
}

export function checkCredentialFiles(config: GraphConfig): void {
  for (const profile of Object.values(config.credentials)) {
    if (profile.kind === 'certificate') {
      const pem = read(
        ENV.certificatePath,
        profile.certificatePath,
        'a PEM file with the private key and certificate',
      );
      const hasKey = /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem);
      const hasCert = /-----BEGIN CERTIFICATE-----/.test(pem);
      if (!hasKey || !hasCert) {
        throw new ConfigError(
          `${ENV.certificatePath}='${profile.certificatePath}' is not a PEM file with ${
            !hasKey && !hasCert
              ? 'a private key and a certificate'
              : !hasKey
                ? 'a private key'
                : 'a certificate'
          }: ClientCertificateCredential needs both in one PEM file (from a .pfx: ` +
            `openssl pkcs12 -in app.pfx -out app.pem -nodes).`,
        );
      }
    } else if (profile.kind === 'workloadIdentity') {
      const token = read(ENV.federatedTokenFile, profile.tokenFilePath, 'the federated token file');
      if (token.trim() === '') {
        throw new ConfigError(
          `${ENV.federatedTokenFile}='${profile.tokenFilePath}' is empty: it must hold the federated token.`,
        );
      }
    }
  }
}

/**
 * The emulator's key material, generated once per data directory with @peculiar/x509 on WebCrypto:
 *
 * - a CA (the only thing clients must trust, via NODE_EXTRA_CA_CERTS or `trustEmulatorCa`);
 * - a server certificate for 127.0.0.1 / localhost / ::1 signed by that CA (MSAL refuses non-https
 *   authorities, and the Graph client only attaches the bearer token to https URLs);
 * - the RSA key that signs access tokens (its public half is served as JWKS);
 * - a client certificate (PEM with private key) registered on the Together app, so tests and the demo can
 *   use ClientCertificateCredential — the credential Microsoft recommends over secrets.
 *
 * Several processes (parallel test files) may start at once on a fresh checkout. Everything is generated into
 * a temporary directory and renamed into place: rename(2) of a directory onto a non-empty one fails, so
 * exactly one generation wins and every process then reads the winner's files from disk.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

const DAY = 86_400_000;

export interface Pki {
  dir: string;
  caCertPath: string;
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** PKCS#8 PEM of the token-signing key. */
  signingKeyPem: string;
  /** Certificate whose public key verifies tokens; `kid` is its SHA-1 thumbprint (base64url), like Entra's x5t. */
  signingCertPem: string;
  signingKid: string;
  /** PEM (certificate + private key) for the Together app's client certificate. */
  appCertificatePath: string;
  appCertificatePem: string;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  // Positive serial: clear the top bit.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A fresh key pair and a self-signed certificate for it (the CA, the token signer, the app's credential). */
async function selfSigned(
  name: string,
  notBefore: Date,
  notAfter: Date,
  extensions: (keys: CryptoKeyPair) => Promise<x509.Extension[]> = async () => [],
): Promise<{ keys: CryptoKeyPair; cert: x509.X509Certificate }> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: RSA,
    extensions: await extensions(keys),
  });
  return { keys, cert };
}

/** `<base>.pem` (the certificate) and `<base>-key.pem` (its private key, readable by the owner only). */
async function writePair(dir: string, base: string, cert: x509.X509Certificate, keys: CryptoKeyPair) {
  fs.writeFileSync(path.join(dir, `${base}.pem`), cert.toString('pem') + '\n');
  fs.writeFileSync(path.join(dir, `${base}-key.pem`), await exportKeyPem(keys.privateKey), { mode: 0o600 });
}

async function generateInto(dir: string): Promise<void> {
  const now = Date.now();
  const notBefore = new Date(now - DAY);

  const { keys: caKeys, cert: ca } = await selfSigned(
    'CN=together-o365 Microsoft 365 emulator local CA, O=together-o365 (test only)',
    notBefore,
    new Date(now + 3650 * DAY),
    async (keys) => [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  );

  const serverKeys = await generateKeys();
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    // Under 398 days, the limit browsers (the consent page runs in headless Chromium) accept for leaf certificates.
    notAfter: new Date(now + 390 * DAY),
    signingKey: caKeys.privateKey,
    publicKey: serverKeys.publicKey,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });

  const { keys: signingKeys, cert: signing } = await selfSigned(
    'CN=together-o365 emulator token signing',
    notBefore,
    new Date(now + 3650 * DAY),
  );

  const { keys: appKeys, cert: app } = await selfSigned(
    'CN=Together Platform (emulator client certificate)',
    notBefore,
    new Date(now + 730 * DAY),
  );

  await writePair(dir, 'ca', ca, caKeys);
  await writePair(dir, 'server', server, serverKeys);
  await writePair(dir, 'signing', signing, signingKeys);
  fs.writeFileSync(
    path.join(dir, 'together-app.pem'),
    app.toString('pem') + '\n' + (await exportKeyPem(appKeys.privateKey)),
    { mode: 0o600 },
  );
}

const FILES = [
  'ca.pem',
  'server.pem',
  'server-key.pem',
  'signing.pem',
  'signing-key.pem',
  'together-app.pem',
];

function complete(dir: string): boolean {
  return FILES.every((f) => fs.existsSync(path.join(dir, f)));
}

function stillValid(dir: string): boolean {
  try {
    const server = new X509Certificate(fs.readFileSync(path.join(dir, 'server.pem')));
    return Date.parse(server.validTo) - Date.now() > 7 * DAY;
  } catch {
    return false;
  }
}

/** SHA-1 thumbprint of a certificate's DER, base64url — Entra's `x5t` and the JWKS `kid`. */
export function x5t(certPem: string, algo: 'sha1' | 'sha256' = 'sha1'): string {
  return createHash(algo).update(new X509Certificate(certPem).raw).digest('base64url');
}

/** Load the key material under `dataDir/pki`, generating it on first use (or when the server cert is about to expire). */
export async function loadOrCreatePki(dataDir: string): Promise<Pki> {
  const dir = path.join(dataDir, 'pki');
  fs.mkdirSync(dataDir, { recursive: true });
  if (!complete(dir) || !stillValid(dir)) {
    const tmp = fs.mkdtempSync(path.join(dataDir, '.pki-'));
    try {
      await generateInto(tmp);
      if (fs.existsSync(dir) && (!complete(dir) || !stillValid(dir))) {
        // A broken or expiring set: move it aside (another process may do the same; ignore ENOENT).
        try {
          fs.renameSync(dir, `${dir}.old-${Date.now()}-${process.pid}`);
        } catch {
          /* someone else moved it */
        }
      }
      try {
        fs.renameSync(tmp, dir);
      } catch {
        /* another process won the race: use its files */
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const signingCertPem = read('signing.pem');
  return {
    dir,
    caCertPath: path.join(dir, 'ca.pem'),
    caCertPem: read('ca.pem'),
    serverCertPem: read('server.pem'),
    serverKeyPem: read('server-key.pem'),
    signingKeyPem: read('signing-key.pem'),
    signingCertPem,
    signingKid: x5t(signingCertPem),
    appCertificatePath: path.join(dir, 'together-app.pem'),
    appCertificatePem: read('together-app.pem').split('-----BEGIN PRIVATE KEY-----')[0]!.trim() + '\n',
  };
}

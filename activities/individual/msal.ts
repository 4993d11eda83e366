/**
 * MSAL for individual mode: a ConfidentialClientApplication per use, whose cache is MSAL's own
 * DistributedCachePlugin over our sealed TokenStore with one partition per user (the MSAL home account id),
 * exactly the pattern of MSAL Node's distributed-cache guidance
 * (https://learn.microsoft.com/entra/msal/javascript/node/caching#using-a-distributed-token-cache): a new
 * client per request, so no user's tokens sit in a shared in-memory cache. The app authenticates with the same
 * credential profile as the domain-wide activities (certificate, managed-identity assertion, workload identity
 * or secret).
 */
import fs from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import { ManagedIdentityCredential } from '@azure/identity';
import {
  ConfidentialClientApplication,
  DistributedCachePlugin,
  LogLevel,
  type ICacheClient,
  type IPartitionManager,
  type NodeAuthOptions,
} from '@azure/msal-node';
import type { CredentialProfile, GraphConfig } from '../config';
import type { TokenStore } from './store';

/** The delegated scopes asked for (MSAL adds openid, profile and offline_access itself). */
export const DELEGATED_SCOPES = ['Calendars.ReadWrite', 'User.Read'];

/**
 * The cache client of one ConfidentialClientApplication (one use). It loads a partition from the store once and
 * remembers the version it loaded; writes of that partition are conditional on that version. MSAL reads the
 * cache again just before saving a token response (after the network call), so without this a refresh that
 * started from an older token set would overwrite a set another worker stored meanwhile. When the conditional
 * write loses, the stored set is the newer one: nothing is written and `lostRace` says so (the caller re-reads).
 * A partition this client never loaded (the code exchange writes the user's partition after reading '') is
 * written unconditionally: a fresh sign-in replaces whatever was there.
 */
class StoreCacheClient implements ICacheClient {
  private readonly loaded = new Map<string, { value: string; version?: string }>();
  readonly lostRace = new Set<string>();
  constructor(private readonly store: TokenStore) {}
  async get(key: string): Promise<string> {
    if (!key) return '';
    const seen = this.loaded.get(key);
    if (seen) return seen.value;
    const v = await this.store.getCacheVersioned(key);
    this.loaded.set(key, v);
    return v.value;
  }
  async set(key: string, value: string): Promise<string> {
    if (!key) return value;
    const seen = this.loaded.get(key);
    if (!seen) {
      await this.store.setCache(key, value);
      return value;
    }
    if (this.lostRace.has(key)) return value;
    const version = await this.store.setCacheIf(key, value, seen.version);
    if (version === undefined) this.lostRace.add(key);
    else this.loaded.set(key, { value, version });
    return value;
  }
}

const cacheClients = new WeakMap<ConfidentialClientApplication, StoreCacheClient>();

/**
 * True when this client's token response was not stored because another writer stored a newer token set for
 * the partition after this client had loaded it (see StoreCacheClient).
 */
export function lostCacheRace(app: ConfidentialClientApplication, partitionKey: string): boolean {
  return cacheClients.get(app)?.lostRace.has(partitionKey) ?? false;
}

/** Reads the partition to use; on write, the account's home account id decides (MSAL calls extractKey). */
class UserPartition implements IPartitionManager {
  constructor(private readonly key: string) {}
  async getKey(): Promise<string> {
    return this.key;
  }
  async extractKey(account: { homeAccountId: string }): Promise<string> {
    return account.homeAccountId;
  }
}

function credentialOptions(profile: CredentialProfile): Partial<NodeAuthOptions> {
  switch (profile.kind) {
    case 'secret':
      return { clientSecret: profile.clientSecret };
    case 'certificate': {
      const pem = fs.readFileSync(profile.certificatePath, 'utf8');
      const key =
        /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(
          pem,
        )?.[0];
      const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
      if (!key || !certPem)
        throw new Error('the client certificate file must hold the private key and the certificate (PEM)');
      const der = new X509Certificate(certPem).raw;
      return {
        clientCertificate: {
          thumbprintSha256: createHash('sha256').update(der).digest('hex'),
          privateKey: key,
          ...(profile.sendCertificateChain ? { x5c: certPem } : {}),
        },
      };
    }
    case 'managedIdentity': {
      const mi = new ManagedIdentityCredential({ clientId: profile.managedIdentityClientId });
      return {
        clientAssertion: async () => {
          const t = await mi.getToken(`${profile.assertionAudience}/.default`);
          if (!t) throw new Error('the managed identity returned no token for the federated assertion');
          return t.token;
        },
      };
    }
    case 'workloadIdentity':
      return {
        clientAssertion: async () => (await fs.promises.readFile(profile.tokenFilePath, 'utf8')).trim(),
      };
  }
}

export interface MsalFactory {
  /** A client whose cache is the given user's partition ('' before the user is known, e.g. code exchange). */
  forPartition(tenantId: string, partitionKey: string): ConfidentialClientApplication;
}

export function createMsalFactory(
  config: GraphConfig,
  store: TokenStore,
  credentialRef = 'default',
): MsalFactory {
  const profile = config.credentials[credentialRef] ?? Object.values(config.credentials)[0]!;
  const creds = credentialOptions(profile);
  const host = (config.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  return {
    forPartition(tenantId, partitionKey) {
      const client = new StoreCacheClient(store);
      const app = new ConfidentialClientApplication({
        auth: {
          clientId: config.appId,
          authority: `${host}/${tenantId}`,
          ...(config.disableInstanceDiscovery ? { knownAuthorities: [new URL(host).host] } : {}),
          ...creds,
        } as NodeAuthOptions,
        cache: { cachePlugin: new DistributedCachePlugin(client, new UserPartition(partitionKey)) },
        // MSAL's logger never gets PII (piiLoggingEnabled false); we log nothing from it below warnings.
        system: {
          loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
        },
      });
      cacheClients.set(app, client);
      return app;
    },
  };
}

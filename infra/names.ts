/**
 * Globally unique Azure names, derived rather than random.
 *
 * Key Vault names (and, with purge protection, the soft-deleted vault under that name) stay reserved for the
 * whole retention period after `pulumi destroy` (90 days here; https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview),
 * and storage account and *.azurewebsites.net names are global too. The names here are a stable hash of the
 * Pulumi organization, project, stack and `together:nameSuffix`: the same on every `pulumi up` (the console's
 * host name must be known before the site exists, to register its redirect URIs), different per stack, and
 * moved out of the way of a purge-protected vault by changing `together:nameSuffix`. @pulumi/random is not a
 * dependency of this repo, and a random name would need it to stay stable across runs.
 */
import { createHash } from 'node:crypto';

export interface NameSeed {
  organization: string;
  project: string;
  stack: string;
  /** together:nameSuffix (empty when not set). */
  suffix?: string;
}

export interface DerivedNames {
  /** 3-24 characters, letters, digits, hyphens. */
  keyVault: string;
  /** 3-24 lowercase letters and digits. */
  storageAccount: string;
  /** App Service site names (2-60 characters): also the default host names <name>.azurewebsites.net. */
  consoleSite: string;
  workerSite: string;
  /** 8 hex characters shared by every name. */
  hash: string;
}

export function deriveNames(seed: NameSeed): DerivedNames {
  const hash = createHash('sha256')
    .update([seed.organization, seed.project, seed.stack, seed.suffix ?? ''].join('/'))
    .digest('hex')
    .slice(0, 8);
  // The suffix is part of the hash input: a new suffix gives every name a new hash.
  return {
    keyVault: `kv-together-${hash}`,
    storageAccount: `sttogether${hash}`,
    consoleSite: `together-console-${hash}`,
    workerSite: `together-worker-${hash}`,
    hash,
  };
}

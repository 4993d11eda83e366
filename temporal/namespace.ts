/**
 * Namespace readiness: the TenantId search attribute every workflow and schedule of this project carries
 * (contracts/ids.ts), and the two configuration mistakes that otherwise surface as "Unexpected error":
 * a namespace that does not exist, and one without the attribute. Both are configuration errors (exit 2)
 * with the command that fixes them.
 *
 * Self-hosted servers and the dev server take the attribute through the operator API
 * (OperatorService.AddSearchAttributes, what `temporal operator search-attribute create` calls). Temporal
 * Cloud refuses that API for API-key/mTLS data-plane clients; there it is added with tcld
 * (`tcld namespace search-attributes add --namespace <ns>.<account> --search-attribute "TenantId=Keyword"`,
 * docs.temporal.io/cloud/tcld/namespace#add) or the Cloud UI.
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../contracts/errors';
import { TENANT_ID } from '../contracts/ids';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** How to register TenantId, for messages: the CLI command here and both upstream commands. */
export function searchAttributeFix(namespace: string): string {
  return (
    `Register it once per namespace:\n` +
    `  self-hosted or dev server: together-o365 setup-namespace --namespace ${namespace}\n` +
    `                             (or: temporal operator search-attribute create --namespace ${namespace} --name ${TENANT_ID.name} --type Keyword)\n` +
    `  Temporal Cloud:            ${cloudSearchAttributeCommand(namespace)}`
  );
}

export function cloudSearchAttributeCommand(namespace: string): string {
  return `tcld namespace search-attributes add --namespace ${namespace} --search-attribute "${TENANT_ID.name}=Keyword"`;
}

/**
 * The configuration error hiding in a Temporal failure, if any. Matches the server's own messages
 * (gRPC NOT_FOUND "Namespace x is not found."; INVALID_ARGUMENT "Namespace x has no mapping defined for
 * search attribute TenantId" with SQL visibility, "search attribute TenantId is not defined" otherwise).
 */
export function namespaceConfigError(err: unknown, namespace: string): ConfigError | undefined {
  const message = messageChain(err);
  if (/namespace\b.*\bnot found/i.test(message) || /namespace .* does not exist/i.test(message)) {
    return new ConfigError(
      `Temporal namespace '${namespace}' does not exist on this server. Set TEMPORAL_NAMESPACE (or --namespace, or ` +
        `the namespace of your temporal.toml profile) to an existing one` +
        ` — on Temporal Cloud that is '<name>.<account id>' — or create it ('temporal operator namespace create --namespace ${namespace}' on a self-hosted server).`,
    );
  }
  if (
    new RegExp(`search attribute ${TENANT_ID.name}|${TENANT_ID.name} .*search attribute`, 'i').test(message)
  ) {
    return new ConfigError(
      `Temporal namespace '${namespace}' has no '${TENANT_ID.name}' search attribute, which every onboarding and schedule carries. ` +
        searchAttributeFix(namespace),
    );
  }
  return undefined;
}

function messageChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) parts.push(e.message);
    const details = (e as { details?: unknown }).details;
    if (typeof details === 'string') parts.push(details);
  }
  return parts.join(' | ');
}

export type RegisterResult = 'added' | 'already-registered';

/**
 * Registers TenantId (Keyword) on a self-hosted or dev server; idempotent. A namespace that does not
 * exist, or a server that refuses the operator API (Temporal Cloud), becomes a ConfigError with the fix.
 */
export async function registerTenantIdSearchAttribute(
  connection: Connection,
  namespace: string,
): Promise<RegisterResult> {
  const existing = await connection.operatorService
    .listSearchAttributes({ namespace })
    .catch((err: unknown) => {
      throw operatorError(err, namespace);
    });
  const type = existing.customAttributes?.[TENANT_ID.name];
  if (type !== undefined && type !== null) {
    if (type !== KEYWORD) {
      throw new ConfigError(
        `Namespace '${namespace}' already has a '${TENANT_ID.name}' search attribute of another type ` +
          `(${temporal.api.enums.v1.IndexedValueType[type] ?? type}); it must be Keyword. Remove it or use another namespace.`,
      );
    }
    return 'already-registered';
  }
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [TENANT_ID.name]: KEYWORD },
    });
    return 'added';
  } catch (err) {
    if (/already exists/i.test(messageChain(err))) return 'already-registered';
    throw operatorError(err, namespace);
  }
}

function operatorError(err: unknown, namespace: string): Error {
  const known = namespaceConfigError(err, namespace);
  if (known) return known;
  const code = (err as { code?: number }).code;
  if (
    code === 7 /* PERMISSION_DENIED */ ||
    code === 12 /* UNIMPLEMENTED */ ||
    code === 16 /* UNAUTHENTICATED */
  ) {
    return new ConfigError(
      `This server refused to register search attributes (${messageChain(err).split('\n')[0]}). On Temporal Cloud ` +
        `register it with tcld instead:\n  ${cloudSearchAttributeCommand(namespace)}`,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

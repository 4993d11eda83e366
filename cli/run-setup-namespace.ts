/**
 * `together-o365 setup-namespace`: registers TenantId (Keyword) through the operator API on a self-hosted or
 * dev server; on Temporal Cloud (whose data-plane API keys cannot add search attributes) prints the tcld
 * command instead. Always prints the Cloud command, so one run documents both paths.
 */
import { connectClientConnection, loadTemporalSettings } from '../temporal/connection';
import {
  cloudSearchAttributeCommand,
  registerTenantIdSearchAttribute,
  searchAttributeFix,
} from '../temporal/namespace';
import { TENANT_ID } from '../contracts/ids';

export async function runSetupNamespaceCommand(
  env: NodeJS.ProcessEnv,
  opts: { printOnly: boolean },
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const settings = loadTemporalSettings(env);
  const { namespace, address } = settings;
  if (opts.printOnly) {
    out(
      `Namespace '${namespace}' needs the '${TENANT_ID.name}' search attribute (Keyword). ${searchAttributeFix(namespace)}`,
    );
    return 0;
  }
  if (/\.tmprl\.cloud(:\d+)?$/i.test(address)) {
    out(
      `${address} is Temporal Cloud: search attributes are added with tcld (or the Cloud UI, Namespaces → ${namespace} → ` +
        `Custom Search Attributes), not through the data-plane API key. Run:\n  ${cloudSearchAttributeCommand(namespace)}`,
    );
    return 0;
  }
  const connection = await connectClientConnection(settings);
  try {
    const result = await registerTenantIdSearchAttribute(connection, namespace);
    out(
      result === 'added'
        ? `Registered search attribute ${TENANT_ID.name} (Keyword) on namespace '${namespace}' at ${address}.`
        : `Namespace '${namespace}' at ${address} already has search attribute ${TENANT_ID.name} (Keyword). Nothing to do.`,
    );
    out(`On Temporal Cloud the same step is:\n  ${cloudSearchAttributeCommand(namespace)}`);
    return 0;
  } finally {
    await connection.close();
  }
}

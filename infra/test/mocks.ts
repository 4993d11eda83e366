/**
 * Pulumi mocks for the infra tests: realistic ids (the providers' import id formats), computed outputs such as
 * Graph's `appRoleIds`, and a record of every resource and invoke. Install them before importing a component.
 */
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { GRAPH_APP_ID } from '../constants';

export const PROJECT = 'together-o365';
export const STACK = 'test';
/** What a local backend (pulumi login --local) reports as the organization. */
export const ORGANIZATION = 'organization';
export const TENANT_ID = '3f0b7c2e-5a41-4d8e-9b6f-2c1d8e7a9f40';
export const SUBSCRIPTION_ID = '6d1e2f3a-4b5c-4d7e-8f90-a1b2c3d4e5f6';
export const DEPLOYER_OBJECT_ID = 'a8d2c6e4-1f3b-4a5c-9d7e-0b2c4d6e8f10';
export const GRAPH_SP_OBJECT_ID = '5c1f4a7e-2b8d-4e6f-a0c3-9d7b5e3f1a24';
export const TOGETHER_APP_ID = 'e3b7a1c5-9d2f-4e8a-b6c4-1f0d3e5a7b92';

/** Microsoft Graph application permissions (app roles) as Graph's service principal reports them (graph.md §2.1). */
export const GRAPH_APP_ROLE_IDS: Record<string, string> = {
  'Calendars.ReadWrite': 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
  'Calendars.Read': '798ee544-9d2d-430c-a058-570e29e34338',
  'Calendars.ReadBasic.All': '8ba4a692-bc31-4128-9094-475872af8a53',
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'User.ReadBasic.All': '97235f07-e226-4f63-ace3-39588e11d3a1',
  'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
  'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
  'MailboxSettings.Read': '40f97065-369a-49f4-947c-6a255697ae91',
  'MailboxSettings.ReadWrite': '6931bccd-447a-43d1-b442-00a195474933',
};

/** Delegated permissions (OAuth2 scopes) of the same service principal: must never be used by this program. */
export const GRAPH_SCOPE_IDS: Record<string, string> = {
  'Calendars.ReadWrite': '1ec239c2-d7c9-4623-a91a-a9775856bb36',
  'Calendars.Read': '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42',
  'User.ReadBasic.All': 'b340eb25-3456-403f-be2f-af7a0d370277',
  'User.Read.All': 'a154be20-db9c-4678-8ab7-66f6cc099a59',
  'Mail.Send': 'e383f46e-2787-4529-855e-0e479a3ffac0',
};

/** A stable GUID derived from a string, so ids are realistic and predictable. */
export function guidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  id: string;
  state: Record<string, unknown>;
}
export interface RecordedInvoke {
  token: string;
  inputs: Record<string, unknown>;
}

export interface Recorder {
  resources: RecordedResource[];
  invokes: RecordedInvoke[];
  /** Custom resources whose logical name starts with `${prefix}-` (children of a component named prefix). */
  childrenOf(prefix: string): RecordedResource[];
  one(type: string, name: string): RecordedResource;
}

const rgName = (id: string) => /\/resourceGroups\/([^/]+)/.exec(id)?.[1];

function resourceState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } {
  const objectId = guidOf(`${type}/${name}/object`);
  const str = (k: string) => (typeof inputs[k] === 'string' ? (inputs[k] as string) : undefined);
  const sub = `/subscriptions/${SUBSCRIPTION_ID}`;
  switch (type) {
    case 'azuread:index/servicePrincipal:ServicePrincipal':
      return {
        id: `/servicePrincipals/${objectId}`,
        state: {
          ...inputs,
          objectId,
          appRoleIds: {},
          oauth2PermissionScopeIds: {},
          applicationTenantId: TENANT_ID,
          type: 'Application',
        },
      };
    case 'azuread:index/application:Application': {
      const clientId = guidOf(`${name}/clientId`);
      return {
        id: `/applications/${objectId}`,
        state: {
          ...inputs,
          objectId,
          clientId,
          appRoleIds: {},
          oauth2PermissionScopeIds: {},
          publisherDomain: 'together.example',
        },
      };
    }
    case 'azuread:index/appRoleAssignment:AppRoleAssignment':
      return {
        id: `/servicePrincipals/${str('resourceObjectId')}/appRoleAssignedTo/${guidOf(name).replace(/-/g, '').slice(0, 22)}`,
        state: { ...inputs, principalType: 'ServicePrincipal', resourceDisplayName: 'Microsoft Graph' },
      };
    case 'azuread:index/group:Group':
      return { id: `/groups/${objectId}`, state: { ...inputs, objectId } };
    case 'azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential':
      return {
        id: `${str('applicationId')?.split('/').pop()}/federatedIdentityCredential/${guidOf(name)}`,
        state: { ...inputs, credentialId: guidOf(name) },
      };
    case 'azuread:index/applicationCertificate:ApplicationCertificate':
      return {
        id: `${str('applicationId')?.split('/').pop()}/certificate/${guidOf(name)}`,
        state: { ...inputs, keyId: guidOf(name) },
      };
    case 'azuread:index/applicationPassword:ApplicationPassword':
      return {
        id: `${str('applicationId')?.split('/').pop()}/password/${guidOf(name)}`,
        state: { ...inputs, keyId: guidOf(name), value: 'Xq~8Q~mock.client.secret.value' },
      };
    case 'azure-native:resources:ResourceGroup': {
      const n = str('resourceGroupName') ?? `${name}${guidOf(name).slice(0, 8)}`;
      return {
        id: `${sub}/resourceGroups/${n}`,
        state: { ...inputs, name: n, provisioningState: 'Succeeded' },
      };
    }
    case 'azure-native:managedidentity:UserAssignedIdentity': {
      const n = str('resourceName') ?? `${name}${guidOf(name).slice(0, 8)}`;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}`,
        state: {
          ...inputs,
          name: n,
          clientId: guidOf(`${name}/clientId`),
          principalId: guidOf(`${name}/principalId`),
          tenantId: TENANT_ID,
        },
      };
    }
    case 'azure-native:keyvault:Vault': {
      const n = str('vaultName') ?? `${name}${guidOf(name).slice(0, 8)}`;
      const properties = (inputs.properties ?? {}) as Record<string, unknown>;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.KeyVault/vaults/${n}`,
        state: {
          ...inputs,
          name: n,
          properties: { ...properties, vaultUri: `https://${n}.vault.azure.net/` },
        },
      };
    }
    case 'azure-native:keyvault:Secret': {
      const n = str('secretName') ?? name;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.KeyVault/vaults/${str('vaultName')}/secrets/${n}`,
        state: { ...inputs, name: n },
      };
    }
    case 'azure-native:operationalinsights:Workspace': {
      const n = str('workspaceName') ?? `${name}${guidOf(name).slice(0, 8)}`;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.OperationalInsights/workspaces/${n}`,
        state: { ...inputs, name: n, customerId: guidOf(`${name}/customerId`) },
      };
    }
    case 'azure-native:applicationinsights:Component': {
      const n = str('resourceName') ?? `${name}${guidOf(name).slice(0, 8)}`;
      const key = guidOf(`${name}/ikey`);
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.Insights/components/${n}`,
        state: {
          ...inputs,
          name: n,
          instrumentationKey: key,
          connectionString: `InstrumentationKey=${key};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`,
        },
      };
    }
    case 'azure-native:storage:StorageAccount': {
      const n = str('accountName') ?? `${name}${guidOf(name).slice(0, 8)}`.replace(/[^a-z0-9]/g, '');
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.Storage/storageAccounts/${n}`,
        state: {
          ...inputs,
          name: n,
          primaryEndpoints: {
            blob: `https://${n}.blob.core.windows.net/`,
            table: `https://${n}.table.core.windows.net/`,
          },
        },
      };
    }
    case 'azure-native:storage:Table': {
      const n = str('tableName') ?? name;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.Storage/storageAccounts/${str('accountName')}/tableServices/default/tables/${n}`,
        state: { ...inputs, name: n },
      };
    }
    case 'azure-native:storage:BlobContainer': {
      const n = str('containerName') ?? name;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.Storage/storageAccounts/${str('accountName')}/blobServices/default/containers/${n}`,
        state: { ...inputs, name: n },
      };
    }
    case 'azure-native:web:AppServicePlan': {
      const n = str('name') ?? `${name}${guidOf(name).slice(0, 8)}`;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.Web/serverfarms/${n}`,
        state: { ...inputs, name: n },
      };
    }
    case 'azure-native:web:WebApp': {
      const n = str('name') ?? `${name}${guidOf(name).slice(0, 8)}`;
      return {
        id: `${sub}/resourceGroups/${str('resourceGroupName')}/providers/Microsoft.Web/sites/${n}`,
        state: { ...inputs, name: n, defaultHostName: `${n}.azurewebsites.net` },
      };
    }
    case 'azure-native:monitor:DiagnosticSetting':
      return {
        id: `${str('resourceUri')}/providers/Microsoft.Insights/diagnosticSettings/${str('name') ?? name}`,
        state: { ...inputs, name: str('name') ?? name },
      };
    case 'azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant':
      return { id: guidOf(name).replace(/-/g, '').slice(0, 43), state: inputs };
    case 'azure-native:authorization:RoleAssignment':
      return {
        id: `${str('scope')}/providers/Microsoft.Authorization/roleAssignments/${guidOf(name)}`,
        state: { ...inputs, name: guidOf(name) },
      };
    default:
      return { id: `${name}_id`, state: inputs };
  }
}

function invokeResult(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case 'azuread:index/getClientConfig:getClientConfig':
      return {
        id: 'clientConfigs/1',
        clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        objectId: DEPLOYER_OBJECT_ID,
        tenantId: TENANT_ID,
      };
    case 'azure-native:authorization:getClientConfig':
      return {
        clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        objectId: DEPLOYER_OBJECT_ID,
        subscriptionId: SUBSCRIPTION_ID,
        tenantId: TENANT_ID,
      };
    case 'azuread:index/getServicePrincipal:getServicePrincipal':
      if (inputs.clientId === GRAPH_APP_ID) {
        return {
          id: `/servicePrincipals/${GRAPH_SP_OBJECT_ID}`,
          objectId: GRAPH_SP_OBJECT_ID,
          clientId: GRAPH_APP_ID,
          displayName: 'Microsoft Graph',
          applicationTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
          appRoleIds: GRAPH_APP_ROLE_IDS,
          oauth2PermissionScopeIds: GRAPH_SCOPE_IDS,
          appRoleAssignmentRequired: false,
        };
      }
      throw new Error(`unexpected getServicePrincipal ${JSON.stringify(inputs)}`);
    case 'azuread:index/getUser:getUser': {
      const upn = String(inputs.userPrincipalName);
      if (upn.startsWith('missing')) throw new Error(`User not found: ${upn}`);
      return { id: guidOf(`user/${upn}`), objectId: guidOf(`user/${upn}`), userPrincipalName: upn };
    }
    default:
      throw new Error(`unmocked invoke ${token}`);
  }
}

/** Installs the mocks (call at module top level, before importing components) and returns the recorder. */
export function installMocks(): Recorder {
  const resources: RecordedResource[] = [];
  const invokes: RecordedInvoke[] = [];
  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const { id, state } = resourceState(args.type, args.name, args.inputs as Record<string, unknown>);
        if (args.custom !== false)
          resources.push({ type: args.type, name: args.name, inputs: args.inputs, id, state });
        return { id, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        invokes.push({ token: args.token, inputs: args.inputs });
        return invokeResult(args.token, args.inputs as Record<string, unknown>);
      },
    },
    PROJECT,
    STACK,
    false,
    ORGANIZATION,
  );
  return {
    resources,
    invokes,
    childrenOf: (prefix) => resources.filter((r) => r.name.startsWith(`${prefix}-`)),
    one(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** The value of an Output (mocks run with preview=false, so every output resolves). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise<T>((resolve) =>
    output.apply((v) => {
      resolve(v);
      return v;
    }),
  );
}

/** Waits until a component and all its children are registered with the (mock) engine. */
export async function settle(
  component: pulumi.ComponentResource & { resources: pulumi.Resource[] },
): Promise<void> {
  await promiseOf(component.urn);
  await Promise.all(component.resources.map((r) => promiseOf(r.urn)));
}

/** `type::name` of each resource, sorted: the shape asserted as "the exact resource set". */
export const shape = (rs: RecordedResource[]): string[] => rs.map((r) => `${r.type}::${r.name}`).sort();

/** rgName helper re-exported for assertions on ids. */
export { rgName };

/** Unwraps Pulumi's secret sentinel in mock inputs: { <sig>: <secret sig>, value }. */
export function unsecret(v: unknown): { secret: boolean; value: unknown } {
  const SIG = '4dabf18193072939515e22adb298388d';
  if (
    v &&
    typeof v === 'object' &&
    SIG in v &&
    (v as Record<string, unknown>)[SIG] === '1b47061264138c4ac30d75fd1eb44270'
  ) {
    return { secret: true, value: (v as Record<string, unknown>).value };
  }
  return { secret: false, value: v };
}

/**
 * Waits until no new resource has been registered for a while. For the entry point, whose module exports
 * outputs only (its resources are not reachable to await their URNs).
 */
export async function quiesce(recorder: Recorder, quietMs = 100): Promise<void> {
  let last = -1;
  while (last !== recorder.resources.length) {
    last = recorder.resources.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/**
 * Imports the entry point (infra/index.ts) the way Pulumi runs it and waits until every resource it
 * declared has been registered. Set config and install the mocks first: the entry point reads config and
 * declares resources on import.
 */
export async function loadEntryPoint(recorder: Recorder): Promise<Record<string, pulumi.Output<unknown>>> {
  // CommonJS `export =`: vitest's import() puts module.exports under default, as Pulumi's require() would return it.
  const mod = (await import('../index.js')) as unknown as { default: Record<string, pulumi.Output<unknown>> };
  await quiesce(recorder);
  return mod.default;
}

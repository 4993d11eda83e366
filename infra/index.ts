/**
 * Entry point of the Pulumi program (Pulumi.yaml `main: infra/`). Config is read and validated first; only
 * then is one component declared. The stack outputs are this module's exports.
 */
import { readConfig } from './config';
import { TogetherPublisher } from './publisher';
import { TogetherTenant } from './tenant';

const config = readConfig();

function declare() {
  if (config.mode === 'tenant') {
    const t = new TogetherTenant('together', config);
    return {
      tenantId: t.tenantId,
      appId: t.appId,
      servicePrincipalObjectId: t.servicePrincipalObjectId,
      grantedPermissions: t.grantedPermissions,
      adminConsentUrl: t.adminConsentUrl,
      assignmentGroupId: t.assignmentGroupId,
      exchangeScopingScript: t.exchangeScopingScript,
      exchangeScopingRemovalScript: t.exchangeScopingRemovalScript,
      delegatedPermissions: t.delegatedPermissions,
      assignmentUserIds: t.assignmentUserIds,
      workerConfig: t.workerConfig,
    };
  }
  const p = new TogetherPublisher('together', config);
  return {
    appId: p.appId,
    homeTenantId: p.homeTenantId,
    servicePrincipalObjectId: p.servicePrincipalObjectId,
    workerIdentityClientId: p.workerIdentityClientId,
    keyVaultUri: p.keyVaultUri,
    consoleUrl: p.consoleUrl,
    workerHostName: p.workerHostName,
    packageUrl: p.packageUrl,
    logAnalyticsWorkspaceId: p.logAnalyticsWorkspaceId,
    mailSenderScopingScript: p.mailSenderScopingScript,
    mailSenderRemovalScript: p.mailSenderRemovalScript,
    workerConfig: p.workerConfig,
  };
}

// CommonJS `export =` keeps the output names per mode (Pulumi reads the module's exports as stack outputs).
export = declare();

import { describe, expect, it } from 'vitest';
import {
  assignmentNameFor,
  exchangeScopingRemovalScript,
  exchangeScopingScript,
  groupFilter,
  mailSenderRemovalScript,
  mailSenderScopingScript,
  psQuote,
  scopeNameFor,
  senderAssignmentNameFor,
  senderReadWriteAssignmentNameFor,
  senderScopeNameFor,
} from './exchange';

const APP_ID = 'e3b7a1c5-9d2f-4e8a-b6c4-1f0d3e5a7b92';
const SP_ID = '7b1d3f5a-9c2e-4b6d-8f0a-2c4e6a8b0d1f';
const args = {
  appId: APP_ID,
  servicePrincipalObjectId: SP_ID,
  displayName: 'Together Platform',
  scopeGroup: 'together-mailboxes@contoso.com',
  calendarPermissions: ['Calendars.ReadWrite' as const],
};

/** Index of the first line containing `needle`, for ordering assertions. */
const at = (script: string, needle: string) => {
  const i = script.indexOf(needle);
  expect(i, needle).toBeGreaterThanOrEqual(0);
  return i;
};

describe('Exchange scoping script', () => {
  const script = exchangeScopingScript(args);

  it('interpolates the real app id, enterprise-app object id and scope group', () => {
    expect(script).toContain(`$AppId = '${APP_ID}'`);
    expect(script).toContain(`$ServicePrincipalObjectId = '${SP_ID}'`);
    expect(script).toContain(`$ScopeGroup = 'together-mailboxes@contoso.com'`);
    expect(script).toContain(`$ScopeName = '${scopeNameFor(APP_ID)}'`);
  });

  it('creates the service principal pointer, the group scope and the scoped role assignment, then tests authorization, in that order', () => {
    const sp = at(
      script,
      'New-ServicePrincipal -AppId $AppId -ObjectId $ServicePrincipalObjectId -DisplayName $DisplayName',
    );
    const scope = at(script, 'New-ManagementScope -Name $ScopeName -RecipientRestrictionFilter $filter');
    const role = at(
      script,
      'New-ManagementRoleAssignment -Name $a.Name -App $ServicePrincipalObjectId -Role $a.Role -CustomResourceScope $ScopeName',
    );
    const test = at(script, 'Test-ServicePrincipalAuthorization -Identity $ServicePrincipalObjectId');
    expect(sp).toBeLessThan(scope);
    expect(scope).toBeLessThan(role);
    expect(role).toBeLessThan(test);
    expect(script).toContain(`$filter = "MemberOfGroup -eq '$($group.DistinguishedName)'"`);
    expect(script).toContain(
      `@{ Role = 'Application Calendars.ReadWrite'; Name = '${assignmentNameFor(APP_ID, 'Calendars.ReadWrite')}' }`,
    );
  });

  it('is safe to run twice: every New-* is guarded by a Get-* of the same object', () => {
    expect(at(script, 'Get-ServicePrincipal -Identity $ServicePrincipalObjectId')).toBeLessThan(
      at(script, 'New-ServicePrincipal'),
    );
    expect(at(script, 'Get-ManagementScope -Identity $ScopeName')).toBeLessThan(
      at(script, 'New-ManagementScope'),
    );
    expect(at(script, 'Get-ManagementRoleAssignment -Identity $a.Name')).toBeLessThan(
      at(script, 'New-ManagementRoleAssignment'),
    );
    expect(script).toContain('Set-ManagementScope -Identity $ScopeName -RecipientRestrictionFilter $filter');
    expect(script).toContain("$ErrorActionPreference = 'Stop'");
  });

  it('states its requirements, and that a tenant-wide Entra calendar grant would defeat the scope', () => {
    expect(script).toMatch(
      /^#Requires -Version 7\.0\n#Requires -Modules @\{ ModuleName = 'ExchangeOnlineManagement'/,
    );
    expect(script).toContain('Organization Management role group');
    expect(script).toContain('must NOT hold a tenant-wide Calendars.ReadWrite grant');
    expect(script).toContain('nested members are out of scope');
    expect(script).toContain('30 minutes to 2 hours');
    expect(script).toContain('(adminConsentUrl, scope /.default) grants every permission the app requests');
  });

  it('looks a group given by object id up by ExternalDirectoryObjectId', () => {
    const byId = exchangeScopingScript({ ...args, scopeGroup: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' });
    expect(byId).toContain(`-Filter "ExternalDirectoryObjectId -eq '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'"`);
  });

  it('filters a group given by SMTP address by recipient type, as it does one given by object id', () => {
    const types =
      '-RecipientTypeDetails MailUniversalSecurityGroup,MailUniversalDistributionGroup,GroupMailbox';
    expect(script).toContain(
      `$group = Get-Recipient ${types} -Filter "PrimarySmtpAddress -eq 'together-mailboxes@contoso.com'"`,
    );
    const byId = exchangeScopingScript({ ...args, scopeGroup: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' });
    expect(byId).toContain(`$group = Get-Recipient ${types} -Filter "ExternalDirectoryObjectId`);
    expect(script).not.toContain('Get-Recipient -Identity');
  });

  it('escapes quotes and PowerShell specials in an SMTP address inside the filter', () => {
    expect(groupFilter("o'brien$team@contoso.com")).toBe(
      `"PrimarySmtpAddress -eq 'o''brien\`$team@contoso.com'"`,
    );
  });

  it('grants one Exchange role per calendar permission', () => {
    const both = exchangeScopingScript({
      ...args,
      calendarPermissions: ['Calendars.Read', 'Calendars.ReadWrite'],
    });
    expect(both).toContain("Role = 'Application Calendars.Read';");
    expect(both).toContain("Role = 'Application Calendars.ReadWrite';");
  });

  it('quotes values as PowerShell single-quoted literals', () => {
    expect(psQuote("O'Brien mentors")).toBe("'O''Brien mentors'");
    expect(exchangeScopingScript({ ...args, displayName: "Together's app" })).toContain(
      "$DisplayName = 'Together''s app'",
    );
  });
});

describe('Exchange removal script (after pulumi destroy)', () => {
  const removal = exchangeScopingRemovalScript(args);

  it('removes exactly what the scoping script created: role assignments, then the scope, then the pointer', () => {
    expect(removal).toContain(`$ScopeName = '${scopeNameFor(APP_ID)}'`);
    expect(removal).toContain(`'${assignmentNameFor(APP_ID, 'Calendars.ReadWrite')}'`);
    const role = at(removal, 'Remove-ManagementRoleAssignment -Identity $name -Confirm:$false');
    const scope = at(removal, 'Remove-ManagementScope -Identity $ScopeName -Confirm:$false');
    const sp = at(removal, 'Remove-ServicePrincipal -Identity $ServicePrincipalObjectId -Confirm:$false');
    expect(role).toBeLessThan(scope);
    expect(scope).toBeLessThan(sp);
  });

  it('is safe to run twice and keeps a service principal pointer other assignments still use', () => {
    expect(at(removal, 'if (Get-ManagementRoleAssignment -Identity $name')).toBeLessThan(
      at(removal, 'Remove-ManagementRoleAssignment'),
    );
    expect(at(removal, 'if (Get-ManagementScope -Identity $ScopeName')).toBeLessThan(
      at(removal, 'Remove-ManagementScope'),
    );
    expect(removal).toContain('Get-ManagementRoleAssignment -RoleAssignee $ServicePrincipalObjectId');
    expect(removal).toContain('Kept the Exchange service principal');
  });
});

describe('Mail.Send + Mail.ReadWrite sender scoping script (publisher)', () => {
  const sender = {
    appId: APP_ID,
    servicePrincipalObjectId: SP_ID,
    displayName: 'Together Platform',
    senderMailbox: 'noreply@together.example',
  };
  const script = mailSenderScopingScript(sender);

  it('scopes Application Mail.Send to the one sender mailbox', () => {
    expect(script).toContain(`$filter = "PrimarySmtpAddress -eq 'noreply@together.example'"`);
    expect(script).toContain('Get-Recipient -RecipientTypeDetails UserMailbox,SharedMailbox -Filter');
    expect(script).toContain(
      "New-ManagementRoleAssignment -Name $AssignmentName -App $ServicePrincipalObjectId -Role 'Application Mail.Send' -CustomResourceScope $ScopeName",
    );
    expect(at(script, 'New-ManagementScope')).toBeLessThan(at(script, 'New-ManagementRoleAssignment'));
    expect(script).toContain(
      'Test-ServicePrincipalAuthorization -Identity $ServicePrincipalObjectId -Resource $SenderMailbox',
    );
    expect(script).toContain('holds no Mail.Send or\n  Mail.ReadWrite grant in Entra ID');
  });

  it('scopes Application Mail.ReadWrite (draft-then-send, the default exactly-once email) to the same one mailbox', () => {
    expect(script).toContain(
      "New-ManagementRoleAssignment -Name $ReadWriteAssignmentName -App $ServicePrincipalObjectId -Role 'Application Mail.ReadWrite' -CustomResourceScope $ScopeName",
    );
    expect(script).toContain(`$ReadWriteAssignmentName = '${senderReadWriteAssignmentNameFor(APP_ID)}'`);
    expect(senderReadWriteAssignmentNameFor(APP_ID).length).toBeLessThanOrEqual(64);
    // Every assignment is on the sender-only scope: none without -CustomResourceScope (which would be org-wide).
    const assignments = script.split('\n').filter((l) => l.includes('New-ManagementRoleAssignment'));
    expect(assignments).toHaveLength(2);
    for (const l of assignments) expect(l).toContain('-CustomResourceScope $ScopeName');
    expect(script.match(/New-ManagementScope /g)).toHaveLength(1);
  });

  it('has a removal script for the same scope and both assignments', () => {
    const removal = mailSenderRemovalScript(sender);
    expect(removal).toContain(`$ScopeName = '${senderScopeNameFor(APP_ID)}'`);
    expect(removal).toContain(`'${senderAssignmentNameFor(APP_ID)}'`);
    expect(removal).toContain(`'${senderReadWriteAssignmentNameFor(APP_ID)}'`);
    expect(removal).toContain('Remove-ManagementScope');
  });
});

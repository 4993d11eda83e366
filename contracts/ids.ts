import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Every workflow and schedule of a tenant carries its tenant id, so `TenantId = '…'` finds them all. */
export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);

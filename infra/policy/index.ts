/**
 * The policy pack entry point: `pulumi preview --policy-pack infra/policy` (see docs/infra.md).
 * Only this file constructs the PolicyPack (it starts a gRPC server); the policies live in ./policies.ts.
 */
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

new PolicyPack('together-o365', { policies });

/**
 * The console's backend port: what the web app needs from Temporal. The console is given one (client/api.ts in
 * production, console/testing/fake-backend.ts in tests) and never imports client/ itself.
 */
export {
  BackendError,
  type BackendErrorKind,
  type ConsoleBackend,
  type TenantSummary,
  type TenantView,
} from '../contracts/backend';

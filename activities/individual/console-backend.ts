/**
 * The console's individual-mode backend: msal-node's getAuthCodeUrl for the connect link, and the connect /
 * disconnect operations over the sealed store. `onChange` lets the caller poke the tenant's sweep workflow
 * (client/individual.ts) so the owner's view updates without waiting for the next sweep.
 */
import type { IndividualConsoleBackend } from '../../contracts/individual';
import { connectUser, disconnectUser, summarizeConnections, type IndividualDeps } from './connections';
import { DELEGATED_SCOPES } from './msal';

export function createIndividualConsoleBackend(
  ind: IndividualDeps,
  onChange: (tenantId: string) => Promise<void> = async () => {},
): IndividualConsoleBackend {
  const poke = (tenantId: string) => onChange(tenantId).catch(() => undefined);
  return {
    authorizeUrl: ({ tenantId, redirectUri, state, codeChallenge, loginHint }) =>
      ind.msal.forPartition(tenantId, '').getAuthCodeUrl({
        scopes: DELEGATED_SCOPES,
        redirectUri,
        state,
        codeChallenge,
        codeChallengeMethod: 'S256',
        // Always show the account picker: a shared browser must not connect the wrong person's calendar.
        prompt: 'select_account',
        ...(loginHint ? { loginHint } : {}),
      }),
    async connect(input) {
      const r = await connectUser(ind, input);
      await poke(input.tenantId);
      return r;
    },
    getConnection: (t, id) => ind.store.getConnection(t, id),
    async disconnect(t, id) {
      const ok = await disconnectUser(ind, t, id);
      await poke(t);
      return ok;
    },
    summary: (t) => summarizeConnections(ind, t),
  };
}

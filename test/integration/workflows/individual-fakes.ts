/**
 * In-memory IndividualActivities for workflow tests and the bench: a tenant's connections with a script of which
 * break at which sweep. The real activities are tested against the emulator (test/integration/individual).
 */
import type {
  BrokenKind,
  ConnectionsSummary,
  IndividualActivities,
  NotifyConnectionBrokenInput,
  NotifyDigestInput,
} from '../../../contracts/individual';

export interface FakeIndividual extends IndividualActivities {
  userEmails: NotifyConnectionBrokenInput[];
  digests: NotifyDigestInput[];
  sweepCalls: number;
  tokenRequests: number;
}

/** `breaks[connectionIndex] = [sweepNumber, kind]`: from that sweep on, the connection's refresh fails. */
export function fakeIndividual(
  count: number,
  breaks: Record<number, [number, BrokenKind]> = {},
  opts: { failFirstEmail?: boolean } = {},
): FakeIndividual {
  const ids = Array.from({ length: count }, (_, i) => `conn-${String(i).padStart(6, '0')}`);
  const status = new Map<string, { broken?: BrokenKind; since?: string }>();
  let sweepNo = 0;
  let failed = false;
  const fake: FakeIndividual = {
    userEmails: [],
    digests: [],
    sweepCalls: 0,
    tokenRequests: 0,
    async sampleConnections({ size }) {
      return { connectionIds: ids.slice(0, size), population: ids.length };
    },
    async probeConnections({ connectionIds }) {
      fake.tokenRequests += connectionIds.length;
      const results = connectionIds.map((id) => {
        const b = status.get(id)?.broken;
        return b
          ? { userId: id, reason: 'connectionBroken' as const, detail: b }
          : { userId: id, reason: 'ok' as const, status: 200 };
      });
      const ok = results.filter((r) => r.reason === 'ok').length;
      return { results, graphRequests: ok, tokenRequests: connectionIds.length };
    },
    async sweepConnections({ cursor, pageSize = 200 }) {
      fake.sweepCalls++;
      const start = cursor ? Number(cursor) : 0;
      if (start === 0) sweepNo++;
      const page = ids.slice(start, start + pageSize);
      const out = {
        checked: 0,
        ok: 0,
        newlyBroken: [] as { connectionId: string; kind: BrokenKind; since: string }[],
        recovered: [],
        stillBroken: 0,
        tokenRequests: 0,
        graphRequests: 0,
      };
      for (const id of page) {
        out.checked++;
        out.tokenRequests++;
        fake.tokenRequests++;
        const idx = ids.indexOf(id);
        const b = breaks[idx];
        const st = status.get(id) ?? {};
        if (b && sweepNo >= b[0]) {
          if (st.broken) out.stillBroken++;
          else {
            st.broken = b[1];
            st.since = `2026-01-0${sweepNo}T00:00:00.000Z`;
            out.newlyBroken.push({ connectionId: id, kind: b[1], since: st.since });
          }
        } else out.ok++;
        status.set(id, st);
      }
      const next = start + pageSize < ids.length ? String(start + pageSize) : undefined;
      return { ...out, ...(next ? { nextCursor: next } : {}) };
    },
    async summarizeConnections({ tenantId }) {
      const s: ConnectionsSummary = {
        tenantId,
        invited: count,
        connected: 0,
        broken: 0,
        brokenByKind: {},
        pending: 0,
      };
      for (const id of ids) {
        const k = status.get(id)?.broken;
        if (k) {
          s.broken++;
          s.brokenByKind[k] = (s.brokenByKind[k] ?? 0) + 1;
        } else s.connected++;
      }
      return s;
    },
    async notifyConnectionBroken(input) {
      if (opts.failFirstEmail && !failed) {
        failed = true;
        throw new Error('sendMail 503 (injected)');
      }
      fake.userEmails.push(input);
      return { sent: true };
    },
    async notifyConnectionsDigest(input) {
      fake.digests.push(input);
      return { sent: true };
    },
  };
  return fake;
}

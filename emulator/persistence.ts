/**
 * Persistence behind an interface (as Azurite keeps its metadata store apart from its handlers): the
 * emulator's mutable state — consent, Exchange scopes, written calendars (seeded ones are regenerated on
 * read, never saved), user switches, credential end dates and the outbox — saved to and restored from
 * somewhere. In memory there is nothing to do; `FileStatePersistence` writes one JSON file atomically. A
 * snapshot is tied to the fixture it was taken with.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CalendarEvent, EmulatorState, MailboxKind, OnlineMeetingProvider } from './state';

export interface StatePersistence {
  /** Overlay saved state onto a state freshly built from the fixture whose hash is given. */
  restore(state: EmulatorState, fixtureHash: string): void;
  save(state: EmulatorState, fixtureHash: string): void;
}

export const inMemoryPersistence: StatePersistence = {
  restore() {},
  save() {},
};

interface Snapshot {
  version: 1;
  fixtureHash: string;
  tenants: Record<
    string,
    {
      servicePrincipals: unknown[];
      assignments: unknown[];
      exchangeScopes: unknown[];
      calendars: Record<string, CalendarEvent[]>;
      authorizationPolicy: unknown;
      users: Record<
        string,
        {
          accountEnabled: boolean;
          mailbox: MailboxKind;
          teams?: boolean;
          allowedOnlineMeetingProviders?: OnlineMeetingProvider[];
        }
      >;
    }
  >;
  credentials: Record<string, Record<string, string>>;
  outbox: unknown[];
}

function snapshot(state: EmulatorState, fixtureHash: string): Snapshot {
  return {
    version: 1,
    fixtureHash,
    tenants: Object.fromEntries(
      [...state.tenants.values()].map((t) => [
        t.id,
        {
          servicePrincipals: [...t.servicePrincipals.values()].filter(
            (sp) => sp.id !== t.graphServicePrincipal.id,
          ),
          assignments: [...t.assignments.values()],
          exchangeScopes: [...t.exchangeScopes.values()],
          calendars: Object.fromEntries([...t.calendars].map(([uid, cal]) => [uid, [...cal.values()]])),
          authorizationPolicy: t.authorizationPolicy,
          users: Object.fromEntries(
            t.users
              .filter((u) => state.touchedUsers.has(`${t.id}|${u.id}`))
              .map((u) => [
                u.id,
                {
                  accountEnabled: u.accountEnabled,
                  mailbox: u.mailbox,
                  teams: u.teams,
                  allowedOnlineMeetingProviders: u.allowedOnlineMeetingProviders,
                },
              ]),
          ),
        },
      ]),
    ),
    credentials: Object.fromEntries(
      [...state.apps.values()].map((a) => [
        a.appId,
        Object.fromEntries(
          [...a.passwordCredentials, ...a.keyCredentials].map((c) => [c.keyId, c.endDateTime]),
        ),
      ]),
    ),
    outbox: state.outbox,
  };
}

function overlay(state: EmulatorState, snap: Snapshot): void {
  for (const [tid, ts] of Object.entries(snap.tenants)) {
    const t = state.tenants.get(tid);
    if (!t) continue;
    for (const sp of t.servicePrincipals.values())
      if (sp.id !== t.graphServicePrincipal.id) t.servicePrincipals.delete(sp.id);
    for (const sp of ts.servicePrincipals as never[]) t.servicePrincipals.set((sp as { id: string }).id, sp);
    t.assignments.clear();
    for (const a of ts.assignments as never[]) t.assignments.set((a as { id: string }).id, a);
    t.exchangeScopes.clear();
    for (const s of ts.exchangeScopes as never[]) t.exchangeScopes.set((s as { id: string }).id, s);
    for (const [uid, events] of Object.entries(ts.calendars))
      t.calendars.set(uid, new Map(events.map((e) => [e.id, e])));
    t.authorizationPolicy = ts.authorizationPolicy as typeof t.authorizationPolicy;
    for (const [uid, o] of Object.entries(ts.users)) {
      const u = t.usersById.get(uid);
      if (u) Object.assign(u, o);
      state.touchedUsers.add(`${tid}|${uid}`);
    }
  }
  for (const [appId, ends] of Object.entries(snap.credentials)) {
    const a = state.findApp(appId);
    for (const c of [...(a?.passwordCredentials ?? []), ...(a?.keyCredentials ?? [])])
      if (ends[c.keyId]) c.endDateTime = ends[c.keyId]!;
  }
  state.outbox.push(...(snap.outbox as never[]));
}

/** DIR/state.json, written through a temporary file and a rename so a crash never leaves half a file. */
export class FileStatePersistence implements StatePersistence {
  readonly file: string;
  constructor(dir: string) {
    this.file = path.join(path.resolve(dir), 'state.json');
  }

  restore(state: EmulatorState, fixtureHash: string): void {
    if (!fs.existsSync(this.file)) return;
    const snap = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Snapshot;
    if (snap.version !== 1 || snap.fixtureHash !== fixtureHash) {
      process.emitWarning(`emulator: ignoring ${this.file}: it was saved with a different fixture`);
      return;
    }
    overlay(state, snap);
  }

  save(state: EmulatorState, fixtureHash: string): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(snapshot(state, fixtureHash)));
    fs.renameSync(tmp, this.file);
  }
}

/**
 * One-time consent `state` values. The console generates a random state per consent attempt, hands it to
 * the admin's browser inside the consent link, and keeps only its SHA-256 hash server-side, bound to the
 * tenant, with an expiry and a used flag. The store is a small JSON file under `.data/console/` so a console
 * restart does not lose pending states; it never holds a usable state (only hashes).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashConsentState } from '../contracts/hash';
import {
  CONSENT_STATE_BYTES,
  CONSENT_STATE_HASH_PATTERN,
  CONSENT_STATE_PATTERN,
} from '../contracts/validation';
import fs from 'node:fs';
import path from 'node:path';

export interface ConsentStateRecord {
  tenantId: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
}

export type StateCheck =
  | { ok: true; stateHash: string; record: ConsentStateRecord }
  | {
      ok: false;
      stateHash?: string;
      reason: 'missing' | 'malformed' | 'unknown' | 'expired' | 'used' | 'wrongTenant';
    };

export const STATE_BYTES = CONSENT_STATE_BYTES;
/** base64url of 32 random bytes. */
const STATE_PATTERN = CONSENT_STATE_PATTERN;

/** The consent-state hash (contracts/hash.ts): the same function client/ and the tests use. */
export const hashState = hashConsentState;

export interface ConsentStateStoreOptions {
  /** JSON file; `null` keeps states in memory only (tests). */
  file: string | null;
  /** Lifetime of a state; default 60 minutes. */
  ttlMs?: number;
  /**
   * Unused, unexpired states kept per tenant; issuing one more evicts the oldest. Default 20. Bounds what an
   * unauthenticated `GET /consent/start` can make the console hold (issue 12: consent link abuse).
   */
  maxLivePerTenant?: number;
  now?: () => Date;
}

export class ConsentStateStore {
  private records = new Map<string, ConsentStateRecord>();
  readonly ttlMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: ConsentStateStoreOptions) {
    this.ttlMs = options.ttlMs ?? 60 * 60_000;
    this.now = options.now ?? (() => new Date());
    this.load();
  }

  /** A fresh one-time state for this tenant; returns the state (for the link) and its hash (for the workflow). */
  issue(tenantId: string): { state: string; stateHash: string; expiresAt: string } {
    const state = randomBytes(STATE_BYTES).toString('base64url');
    const stateHash = hashState(state);
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.ttlMs).toISOString();
    this.prune();
    this.evictOldestLive(tenantId, (this.options.maxLivePerTenant ?? 20) - 1);
    this.records.set(stateHash, { tenantId, createdAt: now.toISOString(), expiresAt });
    this.save();
    return { state, stateHash, expiresAt };
  }

  /** Forget a state that was issued but could not be registered with the workflow. */
  discard(stateHash: string): void {
    if (this.records.delete(stateHash)) this.save();
  }

  /**
   * Checks a state from Entra's redirect: known, unexpired, unused and — when the redirect names a tenant —
   * bound to that tenant. Read-only; call `consume` once the callback is accepted.
   */
  check(state: string | undefined, claimedTenant?: string): StateCheck {
    if (state === undefined || state === '') return { ok: false, reason: 'missing' };
    if (!STATE_PATTERN.test(state)) return { ok: false, reason: 'malformed' };
    const stateHash = hashState(state);
    // Constant-time over the candidates' hashes (the map lookup alone is keyed by a hash of the secret).
    let record: ConsentStateRecord | undefined;
    const probe = Buffer.from(stateHash, 'hex');
    for (const [hash, r] of this.records) {
      if (timingSafeEqual(Buffer.from(hash, 'hex'), probe)) record = r;
    }
    if (!record) return { ok: false, stateHash, reason: 'unknown' };
    if (record.usedAt) return { ok: false, stateHash, reason: 'used' };
    if (Date.parse(record.expiresAt) <= this.now().getTime())
      return { ok: false, stateHash, reason: 'expired' };
    if (claimedTenant !== undefined && claimedTenant.toLowerCase() !== record.tenantId.toLowerCase()) {
      return { ok: false, stateHash, reason: 'wrongTenant' };
    }
    return { ok: true, stateHash, record };
  }

  /** Marks a state used (one use only). Returns false if it was already used. */
  consume(stateHash: string): boolean {
    const record = this.records.get(stateHash);
    if (!record || record.usedAt) return false;
    record.usedAt = this.now().toISOString();
    this.save();
    return true;
  }

  /** Keeps at most `keep` live (unused, unexpired) states of a tenant, dropping the oldest. */
  private evictOldestLive(tenantId: string, keep: number): void {
    const nowMs = this.now().getTime();
    const live = [...this.records.entries()]
      .filter(([, r]) => r.tenantId === tenantId && !r.usedAt && Date.parse(r.expiresAt) > nowMs)
      .sort((a, b) => a[1].createdAt.localeCompare(b[1].createdAt));
    for (const [hash] of live.slice(0, Math.max(0, live.length - keep))) this.records.delete(hash);
  }

  /** Live states across all tenants (for tests and metrics). */
  liveCount(tenantId?: string): number {
    const nowMs = this.now().getTime();
    return [...this.records.values()].filter(
      (r) => (!tenantId || r.tenantId === tenantId) && !r.usedAt && Date.parse(r.expiresAt) > nowMs,
    ).length;
  }

  /** Drops records that expired more than a day ago (used ones are kept that long to recognise replays). */
  private prune(): void {
    const cutoff = this.now().getTime() - 24 * 60 * 60_000;
    for (const [hash, r] of this.records) if (Date.parse(r.expiresAt) < cutoff) this.records.delete(hash);
  }

  private load(): void {
    const file = this.options.file;
    if (!file || !fs.existsSync(file)) return;
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        states?: Record<string, ConsentStateRecord>;
      };
      for (const [hash, r] of Object.entries(data.states ?? {})) {
        if (
          CONSENT_STATE_HASH_PATTERN.test(hash) &&
          typeof r?.tenantId === 'string' &&
          typeof r.expiresAt === 'string'
        ) {
          this.records.set(hash, r);
        }
      }
    } catch {
      // A corrupt store loses pending links only; the admin can start again. Keep the bad file for inspection.
      fs.renameSync(file, `${file}.corrupt-${Date.now()}`);
    }
  }

  private save(): void {
    const file = this.options.file;
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ states: Object.fromEntries(this.records) }, null, 1), {
      mode: 0o600,
    });
    fs.renameSync(tmp, file);
  }
}

/**
 * The partner rows the API reads on every partner-scoped request (the access check), kept in memory so a repeated read
 * costs no query — and never served once the row changed:
 *
 * - a write through this process's store drops the partner's entry before the write's promise resolves (store.ts);
 * - every write to `partners` from anywhere (another API or worker process, a script, a migration) fires the
 *   `apn_partner_changed` notification (trigger of migration 0010), which drops the entry in every process listening;
 * - a load that was in flight when its partner changed answers its own callers but is not kept;
 * - the cache serves only while invalidations are being heard (`live`): a PostgreSQL listener that lost its connection
 *   turns it off (every read goes to the store) until it listens again, and then everything cached before is dropped;
 * - an entry older than `maxAgeMs` is read again, a bound for a notification that never arrives although the listener
 *   looks healthy.
 *
 * Unknown partners are not kept: random ids cannot fill the memory, and a registration is seen at once.
 */
import type { Partner } from './types';

export interface PartnerCacheOptions {
  /** Partners kept (about half a KiB each); the least recently used go first. Default 10,000. */
  capacity?: number;
  /** Oldest entry served, in ms. Default 5,000. */
  maxAgeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface PartnerCacheStats {
  hits: number;
  loads: number;
  invalidations: number;
}

interface Entry {
  partner: Partner;
  loadedAt: number;
}

interface Loading {
  promise: Promise<Partner | undefined>;
  /** Set when the partner changed while the load ran: its answer is not kept. */
  stale: boolean;
}

export class PartnerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Loading>();
  private readonly capacity: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private isLive = false;
  readonly stats: PartnerCacheStats = { hits: 0, loads: 0, invalidations: 0 };

  constructor(
    private readonly load: (partnerId: string) => Promise<Partner | undefined>,
    options: PartnerCacheOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 5_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError('capacity must be at least 1');
    if (!(this.maxAgeMs >= 0)) throw new RangeError('maxAgeMs must be 0 or more');
  }

  /** Whether changes are being heard (not until `setLive(true)`); while not, nothing is served from or kept in memory. */
  get live(): boolean {
    return this.isLive;
  }

  /** The partner, from memory when it has not changed since it was read. */
  get(partnerId: string): Promise<Partner | undefined> {
    const entry = this.entries.get(partnerId);
    if (entry && this.isLive && this.now() - entry.loadedAt <= this.maxAgeMs) {
      // Re-inserted: the map iterates oldest use first, which is the one evicted.
      this.entries.delete(partnerId);
      this.entries.set(partnerId, entry);
      this.stats.hits += 1;
      return Promise.resolve(entry.partner);
    }
    if (entry) this.entries.delete(partnerId);
    if (!this.isLive) {
      this.stats.loads += 1;
      return this.load(partnerId);
    }
    // Concurrent readers of a partner not in memory share one load.
    const pending = this.loading.get(partnerId);
    if (pending) return pending.promise;
    return this.startLoad(partnerId);
  }

  private startLoad(partnerId: string): Promise<Partner | undefined> {
    const loadedAt = this.now();
    const loading: Loading = { promise: this.load(partnerId), stale: false };
    this.stats.loads += 1;
    this.loading.set(partnerId, loading);
    const settled = () => {
      if (this.loading.get(partnerId) === loading) this.loading.delete(partnerId);
    };
    loading.promise.then((partner) => {
      settled();
      if (!partner || loading.stale || !this.isLive) return;
      // Shared by every later reader: nobody may edit it in place.
      Object.freeze(partner.partnerManagerIds);
      if (partner.allianceTeamIds) Object.freeze(partner.allianceTeamIds);
      this.entries.set(partnerId, { partner: Object.freeze(partner), loadedAt });
      if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    }, settled);
    return loading.promise;
  }

  /** The partner changed: its entry goes, and a load in flight is not kept. */
  invalidate(partnerId: string): void {
    this.stats.invalidations += 1;
    this.entries.delete(partnerId);
    const pending = this.loading.get(partnerId);
    if (pending) {
      pending.stale = true;
      this.loading.delete(partnerId);
    }
  }

  /** Anything may have changed: every entry goes, and no load in flight is kept. */
  clear(): void {
    this.stats.invalidations += 1;
    this.entries.clear();
    for (const pending of this.loading.values()) pending.stale = true;
    this.loading.clear();
  }

  /** Whether changes are being heard; either way, what is in memory may have missed some and goes. */
  setLive(live: boolean): void {
    this.isLive = live;
    this.clear();
  }
}

/** The channel the `partners` trigger notifies (drizzle/0010_partner-changed-notify.sql). */
export const PARTNER_CHANGED_CHANNEL = 'apn_partner_changed';

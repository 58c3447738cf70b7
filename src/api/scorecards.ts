/**
 * Scorecard reads that do not redo work: a stored evidence version never changes, so its parsed document is kept per
 * (partner, version) and the scorecard it gives per (partner, version, date) — each computed once, in a bounded
 * least-recently-used map, with its JSON serialized once when first sent. The partner row (from the store's partner
 * cache, by the access check) names the current version, so a repeated read touches neither the database nor the
 * evidence parser nor the rules nor JSON.stringify.
 */
import { parseStoredEvidence, type PartnerEvidence } from '../domain/evidence';
import { evaluateScorecard, type Scorecard } from '../domain/scorecard';
import type { Store } from '../store';
import { Lru } from './lru';
import { JsonBody } from './route';

export interface ScorecardCacheOptions {
  /** Parsed evidence documents kept (a Premier-size document is about 1 MiB parsed). */
  evidenceEntries?: number;
  /** Scorecards kept. */
  scorecardEntries?: number;
}

export interface ScorecardCacheStats {
  evidenceParsed: number;
  scorecardsComputed: number;
  hits: number;
}

/** The scorecards of stored evidence, each (partner, evidence version, date) computed once. */
export class ScorecardCache {
  private readonly evidence: Lru<string, Promise<PartnerEvidence | undefined>>;
  private readonly scorecards: Lru<string, { scorecard: Scorecard; json?: JsonBody }>;
  readonly stats: ScorecardCacheStats = { evidenceParsed: 0, scorecardsComputed: 0, hits: 0 };

  constructor(
    private readonly store: Pick<Store, 'getEvidence'>,
    options: ScorecardCacheOptions = {},
  ) {
    this.evidence = new Lru(options.evidenceEntries ?? 256);
    this.scorecards = new Lru(options.scorecardEntries ?? 4096);
  }

  /**
   * The scorecard of `partner`'s evidence version `version` on `asOf`; undefined when the partner has no evidence
   * (version 0).
   */
  async scorecard(partnerId: string, version: number, asOf: string): Promise<Scorecard | undefined> {
    return (await this.entry(partnerId, version, asOf))?.scorecard;
  }

  /** The same scorecard as a response body, serialized once. */
  async scorecardJson(partnerId: string, version: number, asOf: string): Promise<JsonBody | undefined> {
    const entry = await this.entry(partnerId, version, asOf);
    if (!entry) return undefined;
    entry.json ??= new JsonBody(entry.scorecard);
    return entry.json;
  }

  private async entry(partnerId: string, version: number, asOf: string) {
    if (version < 1) return undefined;
    const key = `${partnerId}\n${version}\n${asOf}`;
    const cached = this.scorecards.get(key);
    if (cached) {
      this.stats.hits += 1;
      return cached;
    }
    const evidence = await this.parsed(partnerId, version);
    if (!evidence) return undefined;
    const entry: { scorecard: Scorecard; json?: JsonBody } = { scorecard: evaluateScorecard(evidence, asOf) };
    this.stats.scorecardsComputed += 1;
    this.scorecards.set(key, entry);
    return entry;
  }

  /** The parsed evidence of one version; concurrent readers of a version not yet cached share one read and parse. */
  private parsed(partnerId: string, version: number): Promise<PartnerEvidence | undefined> {
    const key = `${partnerId}\n${version}`;
    const cached = this.evidence.get(key);
    if (cached) return cached;
    const loading = this.store.getEvidence(partnerId, version).then((record) => {
      if (!record) return undefined;
      this.stats.evidenceParsed += 1;
      return parseStoredEvidence(record);
    });
    this.evidence.set(key, loading);
    // A failed read is not kept: the next reader tries again.
    loading.catch(() => {
      this.evidence.delete(key);
    });
    return loading;
  }
}

/**
 * Benchmark of evaluateScorecard (npm run bench:rules). Not a test: prints evaluations/s and cost per
 * evidence item at 1k, 10k and 100k items, and the median time for a typical Premier-size partner.
 */
import { performance } from 'node:perf_hooks';
import {
  addDays,
  evaluateScorecard,
  parseEvidence,
  type PartnerEvidence,
  type PartnerEvidenceInput,
} from '../src/domain';

const AS_OF = '2019-12-13';

/** Deterministic pseudo-random numbers so every run measures the same documents. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Mix {
  people: number;
  opportunities: number;
  csat: number;
  references: number;
  revenue: number;
  legacy: number;
  validations: number;
}

function build(track: 'consulting' | 'technology', mix: Mix, seed = 1): PartnerEvidence {
  const r = rng(seed);
  const day = () => addDays('2018-06-01', Math.floor(r() * 600));
  const levels = ['associate', 'professional', 'specialty'] as const;
  const input: PartnerEvidenceInput = {
    track,
    domains: ['example.com'],
    individuals: Array.from({ length: mix.people }, (_, i) => ({
      id: `u-${i}`,
      registeredOn: addDays('2018-01-01', Math.floor(r() * 300)),
      leftOn: r() < 0.05 ? '2019-12-01' : null,
      credentials: [
        {
          type: 'accreditation' as const,
          name: r() < 0.5 ? 'technical-professional' : 'business-professional',
          earnedOn: day(),
        },
        { type: 'certification' as const, name: 'cloud-practitioner', level: 'foundational' as const, earnedOn: day() },
        {
          type: 'certification' as const,
          name: 'some-cert',
          level: levels[Math.floor(r() * 3)] ?? 'associate',
          earnedOn: day(),
          expiresOn: r() < 0.3 ? '2020-06-01' : null,
        },
      ],
    })),
    opportunities: Array.from({ length: mix.opportunities }, (_, i) => ({
      id: `o-${i}`,
      status: r() < 0.8 ? ('launched' as const) : ('approved' as const),
      launchedOn: day(),
      estimatedMrr: Math.round(r() * 100_000) / 100,
      source: r() < 0.05 ? ('marketplace' as const) : ('partner' as const),
    })),
    legacyRevenueSubmissions: Array.from({ length: mix.legacy }, (_, i) => ({
      accountId: String(100_000_000_000 + i),
      submittedOn: day(),
    })),
    directRevenue: Array.from({ length: mix.revenue }, () => ({
      accountId: '123456789012',
      domain: 'example.com',
      month: day().slice(0, 7),
      billed: Math.round(r() * 500_000) / 100,
      kind: 'usage' as const,
      credits: r() < 0.2 ? [{ type: 'Promotional Credit', amount: 10 }] : [],
    })),
    productListings: [{ id: 'p-1', status: 'GA', listedOn: '2019-01-01' }],
    businessPlan: { signedOffOn: '2019-03-01', signedOffBy: 'pm-7' },
    validations: Array.from({ length: mix.validations }, (_, i) => ({
      program: i === 0 ? ('msp' as const) : ('competency' as const),
      name: `Competency ${i}`,
      achievedOn: day(),
      expiresOn: null,
    })),
    references: Array.from({ length: mix.references }, (_, i) => ({
      id: `r-${i}`,
      customer: `Customer ${i % 500}`,
      public: r() < 0.9,
      source: 'ace-opportunity' as const,
      designatedOn: day(),
      status: 'approved' as const,
    })),
    csatResponses: Array.from({ length: mix.csat }, (_, i) => ({
      id: `c-${i}`,
      customer: `Customer ${i % 50}`,
      submittedOn: day(),
      origin: 'rate-this-partner' as const,
      emailConfirmed: r() < 0.95,
      awsCustomerVerified: r() < 0.95,
    })),
  };
  const parsed = parseEvidence(input);
  if (!parsed.ok) throw new Error(`bench evidence is invalid: ${JSON.stringify(parsed.issues.slice(0, 3))}`);
  return parsed.value;
}

/** Items in a document: every list entry, credentials and credits included. */
function countItems(e: PartnerEvidence): number {
  return (
    e.individuals.reduce((n, p) => n + 1 + p.credentials.length, 0) +
    e.opportunities.length +
    e.legacyRevenueSubmissions.length +
    e.directRevenue.reduce((n, d) => n + 1 + d.credits.length, 0) +
    e.productListings.length +
    e.validations.length +
    e.references.length +
    e.csatResponses.length
  );
}

/** A mix totalling about `n` items (a person is 4 items: itself and 3 credentials; a revenue record ~1.2). */
function mixFor(n: number, track: 'consulting' | 'technology'): Mix {
  const tech = track === 'technology';
  return {
    people: Math.round((n * (tech ? 0.2 : 0.3)) / 4),
    opportunities: Math.round(n * (tech ? 0.2 : 0.3)),
    csat: Math.round(n * 0.25),
    references: Math.round(n * 0.1),
    revenue: tech ? Math.round((n * 0.2) / 1.2) : 0,
    legacy: Math.round(n * 0.05),
    validations: 5,
  };
}

function measure(fn: () => void, minMs: number, minRuns: number): { runs: number; ms: number[] } {
  for (let i = 0; i < Math.min(5, minRuns); i++) fn(); // warm-up
  const ms: number[] = [];
  const start = performance.now();
  while (ms.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return { runs: ms.length, ms };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}

function main(): void {
  console.log(`evaluateScorecard benchmark — node ${process.version}, asOf ${AS_OF}`);
  console.log('track       items   evaluations/s   median ms   ns/item');
  for (const track of ['consulting', 'technology'] as const) {
    const perItem: number[] = [];
    for (const n of [1_000, 10_000, 100_000]) {
      const evidence = build(track, mixFor(n, track));
      const items = countItems(evidence);
      const { ms } = measure(() => evaluateScorecard(evidence, AS_OF), 2_000, 10);
      const med = median(ms);
      const nsPerItem = (med * 1e6) / items;
      perItem.push(nsPerItem);
      console.log(
        `${track.padEnd(10)} ${String(items).padStart(7)} ${(1000 / med).toFixed(1).padStart(15)} ${med.toFixed(3).padStart(11)} ${nsPerItem.toFixed(1).padStart(9)}`,
      );
    }
    const ratio = (perItem[2] ?? NaN) / (perItem[0] ?? NaN);
    console.log(`${track}: cost per item at 100k / at 1k = ${ratio.toFixed(2)}× (target ≤ 1.5×)`);
  }

  const premier = build('consulting', {
    people: 300,
    opportunities: 500,
    csat: 200,
    references: 20,
    revenue: 0,
    legacy: 10,
    validations: 5,
  });
  const evalRuns = measure(() => evaluateScorecard(premier, AS_OF), 3_000, 1_000);
  const input = JSON.parse(JSON.stringify(premier)) as unknown;
  const parseRuns = measure(() => parseEvidence(input), 2_000, 200);
  console.log(
    `Premier-size partner (300 people, 500 opportunities, 200 CSAT; ${countItems(premier)} items): ` +
      `evaluateScorecard median ${median(evalRuns.ms).toFixed(3)} ms, p95 ${percentile(evalRuns.ms, 0.95).toFixed(3)} ms ` +
      `over ${evalRuns.runs} runs; parseEvidence median ${median(parseRuns.ms).toFixed(3)} ms`,
  );
  console.log(`highestTierMet of that partner: ${evaluateScorecard(premier, AS_OF).highestTierMet}`);
}

main();

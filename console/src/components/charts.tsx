/**
 * The partner's pictures in plain SVG: a bar per requirement measure (actual against required), the tier ladder,
 * and the journal as a time chart. Every picture has a text alternative; colour is never the only signal.
 */
import { useState } from 'react';
import type { Schemas } from '../api/client';

type Scorecard = NonNullable<Schemas['PartnerView']['scorecard']>;
type Requirement = NonNullable<Scorecard['tiers']['select']>['requirements'][number];
export type Tier = Schemas['Partner']['tier'];

export const TIERS: readonly Tier[] = ['registered', 'select', 'advanced', 'premier'];
export const tierName = (tier: string): string => tier.charAt(0).toUpperCase() + tier.slice(1);

const words = (key: string): string => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

function Bar({ name, actual, required }: { name: string; actual: number; required: number }) {
  const max = Math.max(actual, required, 1) * 1.1;
  const met = actual >= required;
  const x = (v: number) => (v / max) * 300;
  return (
    <div className="bar">
      <span className="bar-label">{words(name)}</span>
      <svg viewBox="0 0 300 16" role="img" aria-label={`${words(name)}: ${actual} of ${required} required`}>
        <rect className="bar-track" x="0" y="2" width="300" height="12" rx="2" />
        <rect className={met ? 'bar-met' : 'bar-gap'} x="0" y="2" width={x(actual)} height="12" rx="2" />
        <line className="bar-required" x1={x(required)} x2={x(required)} y1="0" y2="16" />
      </svg>
      <span className="bar-value">
        {actual.toLocaleString('en-US')} / {required.toLocaleString('en-US')}
      </span>
    </div>
  );
}

function Measures({ requirement }: { requirement: Requirement }) {
  const actual = requirement.actual ?? {};
  const rows = Object.entries(requirement.required).map(([key, want]) => {
    const have = actual[key];
    if (typeof want === 'number' && typeof have === 'number') {
      return <Bar key={key} name={key} actual={have} required={want} />;
    }
    if (typeof want === 'boolean' && typeof have === 'boolean') {
      return (
        <p key={key} className="measure">
          {words(key)}: {have ? 'yes' : 'no'} (required: {want ? 'yes' : 'no'})
        </p>
      );
    }
    return (
      <p key={key} className="measure">
        {words(key)}: {Array.isArray(want) ? want.join(', ') : String(want)}
      </p>
    );
  });
  return <>{rows}</>;
}

function RequirementCard({ requirement }: { requirement: Requirement }) {
  const status = requirement.met === null ? 'lifecycle' : requirement.met ? 'met' : 'gap';
  return (
    <li className={`requirement requirement-${status}`}>
      <div className="requirement-head">
        <h4>{requirement.label}</h4>
        <span className={`badge badge-${status}`}>
          {status === 'met' ? 'Met' : status === 'gap' ? 'Gap' : 'Judged by the lifecycle'}
        </span>
      </div>
      {requirement.kind === 'evidence' && <Measures requirement={requirement} />}
      {requirement.kind === 'lifecycle' && (
        <p className="measure">
          {Object.entries(requirement.required)
            .map(([k, v]) => `${words(k)}: ${String(v)}`)
            .join(' · ')}
        </p>
      )}
      {requirement.gap && <p className="gap-sentence">{requirement.gap}</p>}
      {requirement.expiresNext && (
        <p className="expires">
          Expires next: <time dateTime={requirement.expiresNext}>{requirement.expiresNext}</time>
          {requirement.expiresNextEffect ? ` — ${requirement.expiresNextEffect}` : ''}
        </p>
      )}
      <p className="rule-refs">{requirement.ruleRefs.join(', ')}</p>
    </li>
  );
}

/** The tier ladder: every tier, the partner's tier and the highest tier its evidence meets. */
export function TierLadder({ tier, highestMet }: { tier: Tier; highestMet: Tier | null }) {
  const metRank = highestMet ? TIERS.indexOf(highestMet) : -1;
  return (
    <ol className="ladder" aria-label="Tier ladder">
      {TIERS.map((t, i) => (
        <li
          key={t}
          className={[
            'ladder-step',
            i <= metRank ? 'ladder-met' : 'ladder-unmet',
            t === tier ? 'ladder-current' : '',
          ].join(' ')}
          aria-current={t === tier ? 'step' : undefined}
        >
          <span className="ladder-name">{tierName(t)}</span>
          <span className="ladder-notes">
            {t === tier ? 'current tier' : ''}
            {t === tier && t === highestMet ? ' · ' : ''}
            {t === highestMet ? 'highest tier met' : ''}
            {t !== tier && t !== highestMet ? (i <= metRank ? 'met' : 'not met') : ''}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** The scorecard, one tier at a time (the next tier up first: what the partner works towards). */
export function ScorecardView({ scorecard, tier }: { scorecard: Scorecard; tier: Tier }) {
  const tiers = (['select', 'advanced', 'premier'] as const).filter((t) => scorecard.tiers[t] !== undefined);
  const next = tiers.find((t) => TIERS.indexOf(t) > TIERS.indexOf(tier)) ?? tiers[tiers.length - 1] ?? 'select';
  const [shown, setShown] = useState<(typeof tiers)[number]>(next);
  const result = scorecard.tiers[shown];
  return (
    <div className="scorecard">
      <div className="tabs" role="group" aria-label="Tier requirements to show">
        {tiers.map((t) => (
          <button key={t} type="button" aria-pressed={t === shown} onClick={() => setShown(t)}>
            {tierName(t)} {scorecard.tiers[t]?.met ? '(met)' : '(not met)'}
          </button>
        ))}
      </div>
      {result && (
        <>
          <h3>
            {tierName(shown)} requirements as of <time dateTime={scorecard.asOf}>{scorecard.asOf}</time>:{' '}
            {result.met ? 'met' : 'not met'}
          </h3>
          <ul className="requirements">
            {result.requirements
              .filter((r) => r.countsTowardTier)
              .map((r) => (
                <RequirementCard key={r.id} requirement={r} />
              ))}
          </ul>
        </>
      )}
    </div>
  );
}

export type TimelineEntry = Schemas['TimelineEntry'];

const LANES: { name: string; test: (type: string) => boolean }[] = [
  { name: 'Tier', test: (t) => t === 'tier-changed' || t === 'compliance-review' || t === 'partner-registered' },
  { name: 'Monthly checks', test: (t) => t.startsWith('monthly-') || t === 'sustained-check' },
  {
    name: 'Applications',
    test: (t) => t.startsWith('application-') || t.startsWith('ebr-') || t.includes('readiness'),
  },
  {
    name: 'Fees',
    test: (t) =>
      t.startsWith('fee-') || t.startsWith('invoice-') || t.includes('advance-pay') || t === 'promo-credit-sent',
  },
  { name: 'Risks and cases', test: (t) => t.startsWith('at-risk') || t.startsWith('case-') || t.includes('expired') },
];
const laneOf = (type: string): number => {
  const i = LANES.findIndex((l) => l.test(type));
  return i === -1 ? LANES.length : i;
};
const LANE_NAMES = [...LANES.map((l) => l.name), 'Other'];
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** The journal on a time axis, one lane per kind of event. */
export function TimelineChart({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p>No events yet.</p>;
  const times = entries.map((e) => day(e.on));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const span = Math.max(last - first, 30 * 86_400_000);
  const left = 130;
  const width = 800;
  const laneHeight = 30;
  const x = (iso: string) => left + ((day(iso) - first) / span) * (width - left - 20);
  const height = LANE_NAMES.length * laneHeight + 30;
  const ticks: string[] = [];
  const start = new Date(first);
  for (let m = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)); m.getTime() <= first + span;) {
    if (m.getTime() >= first) ticks.push(m.toISOString().slice(0, 10));
    m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
  }
  const step = Math.ceil(ticks.length / 8);
  return (
    <svg
      className="timeline-chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${entries.length} events from ${entries[0]?.on ?? ''} to ${entries[entries.length - 1]?.on ?? ''}`}
    >
      {LANE_NAMES.map((name, i) => (
        <g key={name}>
          <line className="lane" x1={left} x2={width - 10} y1={i * laneHeight + 15} y2={i * laneHeight + 15} />
          <text className="lane-name" x="0" y={i * laneHeight + 19}>
            {name}
          </text>
        </g>
      ))}
      {ticks
        .filter((_, i) => i % step === 0)
        .map((t) => (
          <g key={t}>
            <line className="tick" x1={x(t)} x2={x(t)} y1="0" y2={height - 22} />
            <text
              className="tick-label"
              x={x(t)}
              y={height - 6}
              textAnchor={x(t) > width - 40 ? 'end' : x(t) < left + 30 ? 'start' : 'middle'}
            >
              {t.slice(0, 7)}
            </text>
          </g>
        ))}
      {entries.map((e) => (
        <circle
          key={e.seq}
          className={`event event-${LANE_NAMES[laneOf(e.type)]?.split(' ')[0]?.toLowerCase() ?? 'other'}`}
          cx={x(e.on)}
          cy={laneOf(e.type) * laneHeight + 15}
          r="6"
        >
          <title>{`${e.on} ${e.type}`}</title>
        </circle>
      ))}
    </svg>
  );
}

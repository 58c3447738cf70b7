/**
 * One partner: its facts and lifecycle, the scorecard as a picture, the tier ladder, applications and their
 * progress, the journal as a time chart and a list, invoices and cases — and the forms the signed-in role may use.
 * Each part is loaded on its own, so a part the API refuses shows its refusal and the rest still shows.
 */
import { useState, type ReactNode } from 'react';
import { api, call, type ConsoleConfig, type Schemas } from '../api/client';
import { ScorecardView, TierLadder, TimelineChart, tierName } from '../components/charts';
import { Load, ProblemView } from '../components/feedback';
import {
  ApplyForm,
  CaseDecisionForm,
  CsvImportForm,
  EbrOutcomeForm,
  ExtensionForm,
  IncidentResolutionForm,
  PaymentForm,
  ReadinessForm,
  ReinstateForm,
} from '../components/forms';
import { useLoad } from '../hooks';
import type { Identity } from '../session';

type Application = Schemas['UpgradeApplication'];
const STAGES: Application['stage'][] = ['evaluating', 'sustaining', 'awaiting-readiness', 'scheduled-for-ebr'];

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-h`} className="panel" id={id}>
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
    </section>
  );
}

export function workflowUrl(config: ConsoleConfig, partnerId: string): string | null {
  if (!config.temporalUiUrl) return null;
  const base = config.temporalUiUrl.replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/${encodeURIComponent(`partner/${partnerId}`)}`;
}

function ApplicationProgress({ application }: { application: Application }) {
  const final = application.stage === 'approved' || application.stage === 'rejected';
  // Only Premier sustains, is assessed and meets an EBR; Select and Advanced are decided on the application date.
  const stages = application.targetTier === 'premier' ? STAGES : STAGES.slice(0, 1);
  const reached = stages.indexOf(application.stage);
  return (
    <div className="progress">
      <ol className="stages" aria-label={`Application #${application.number} stages`}>
        {[...stages, final ? application.stage : 'decision'].map((stage, i) => (
          <li
            key={stage}
            className={final || i < reached ? 'stage-done' : i === reached ? 'stage-current' : 'stage-todo'}
            aria-current={!final && i === reached ? 'step' : undefined}
          >
            {stage}
          </li>
        ))}
      </ol>
      {application.targetTier === 'premier' && (
        <p>
          Sustained Premier attainment: {application.sustainedMonths} of 6 months
          {application.sustainedSince ? ` (since ${application.sustainedSince})` : ''}{' '}
          <meter min={0} max={6} value={Math.min(application.sustainedMonths, 6)} aria-label="Months sustained" />
        </p>
      )}
      {application.readiness && (
        <p>
          Readiness assessment: {application.readiness.outcome} on {application.readiness.on} by{' '}
          {application.readiness.by}
          {application.readiness.notes ? ` — “${application.readiness.notes}”` : ''}
        </p>
      )}
      {application.ebrWindow && (
        <p>
          EBR window {application.ebrWindow.id}: {application.ebrWindow.opensOn} to {application.ebrWindow.closesOn}
        </p>
      )}
      {application.decision && (
        <p className={application.decision.outcome === 'approved' ? 'ok' : 'bad'}>
          Decision: {application.decision.outcome} on {application.decision.decidedOn} by {application.decision.by}
          {application.decision.reasons.length > 0 ? ` — ${application.decision.reasons.join('; ')}` : ''}
        </p>
      )}
      {application.gaps.length > 0 && (
        <ul className="gaps" aria-label="Gaps">
          {application.gaps.map((g) => (
            <li key={g}>{g}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function LatestApplication({
  partnerId,
  number,
  role,
  round,
  onChange,
}: {
  partnerId: string;
  number: number;
  role: string;
  round: number;
  onChange: () => void;
}) {
  const loaded = useLoad(
    () =>
      call(
        api.GET('/v1/partners/{id}/upgrade-applications/{appId}', {
          params: { path: { id: partnerId, appId: number } },
        }),
      ),
    `${partnerId}/${number}/${round}`,
  );
  return (
    <Load loaded={loaded} what={`application #${number}`}>
      {(a) => (
        <>
          <h3>
            Application #{a.number}: {tierName(a.targetTier)}, submitted {a.submittedOn} — {a.stage}
          </h3>
          <ApplicationProgress application={a} />
          {role === 'partner-manager' && a.stage !== 'approved' && a.stage !== 'rejected' && (
            <div className="forms">
              <ReadinessForm partnerId={partnerId} number={a.number} onDone={onChange} />
              <EbrOutcomeForm partnerId={partnerId} number={a.number} onDone={onChange} />
            </div>
          )}
        </>
      )}
    </Load>
  );
}

export function PartnerPage({ id, identity, config }: { id: string; identity: Identity; config: ConsoleConfig }) {
  const [round, setRound] = useState(0);
  const refresh = () => setRound((r) => r + 1);
  const key = `${id}/${round}`;
  const params = { params: { path: { id } } };
  const view = useLoad(() => call(api.GET('/v1/partners/{id}', params)), key);
  const applications = useLoad(() => call(api.GET('/v1/partners/{id}/upgrade-applications', params)), key);
  const timeline = useLoad(() => call(api.GET('/v1/partners/{id}/timeline', params)), key);
  const audit = useLoad(() => call(api.GET('/v1/partners/{id}/audit', params)), key);
  const invoices = useLoad(() => call(api.GET('/v1/partners/{id}/invoices', params)), key);
  const cases = useLoad(() => call(api.GET('/v1/partners/{id}/cases', params)), key);
  const role = identity.role;
  const link = workflowUrl(config, id);
  const alliance = role === 'alliance-lead' || role === 'alliance-team';
  const openFeeUnpaid =
    cases.state === 'ok'
      ? (cases.data.items.find((c) => c.reason === 'fee-unpaid' && c.status === 'open')?.id ?? null)
      : null;
  const importer = (alliance && identity.partnerId === id) || role === 'evidence-feed' || role === 'program-admin';

  // Refused or unknown: say so once, not once per part; the evidence feed may still import for the partner.
  if (view.state === 'error' && (view.problem.status === 403 || view.problem.status === 404)) {
    return (
      <>
        <h1>
          Partner <span className="muted">{id}</span>
        </h1>
        <ProblemView problem={view.problem} />
        {importer && (
          <Section id="evidence" title="Evidence import">
            <CsvImportForm partnerId={id} onDone={refresh} />
          </Section>
        )}
      </>
    );
  }

  return (
    <>
      <h1>
        {view.state === 'ok' ? view.data.partner.name : 'Partner'} <span className="muted">{id}</span>
      </h1>
      <Section id="overview" title="Overview">
        <Load loaded={view} what="the partner">
          {({ partner, lifecycle, lifecycleView, scorecard }) => (
            <>
              <dl className="facts">
                <dt>Tier</dt>
                <dd className="tier-now">{tierName(lifecycle?.tier ?? partner.tier)}</dd>
                <dt>Track</dt>
                <dd>{partner.track}</dd>
                <dt>Stage</dt>
                <dd>{lifecycle?.stage ?? partner.lifecycleStage}</dd>
                <dt>At risk</dt>
                <dd>
                  {(lifecycle?.atRisk ?? partner.atRisk) ? (
                    <span className="badge badge-gap">
                      at risk{lifecycle?.atRiskReason ? `: ${lifecycle.atRiskReason}` : ''}
                    </span>
                  ) : (
                    'no'
                  )}
                </dd>
                <dt>Renewal date</dt>
                <dd>
                  {partner.renewalDate}
                  {lifecycle ? ` (next review ${lifecycle.nextRenewalReview})` : ''}
                </dd>
                <dt>Next EBR window</dt>
                <dd>{partner.nextEbrWindow ?? '—'}</dd>
                <dt>Business date</dt>
                <dd>
                  {lifecycle?.today ?? '—'}
                  {lifecycleView ? (
                    <span className="muted">
                      {' '}
                      (stored view {lifecycleView.revision}, written{' '}
                      {new Date(lifecycleView.writtenAt).toLocaleString()})
                    </span>
                  ) : (
                    ''
                  )}
                </dd>
                <dt>Workflow</dt>
                <dd>
                  {link ? (
                    <a href={link} target="_blank" rel="noreferrer">
                      partner/{id} in the Temporal Web UI
                    </a>
                  ) : (
                    `partner/${id}`
                  )}
                  {lifecycle ? ` — waiting for ${lifecycle.waitingFor}` : ''}
                </dd>
              </dl>
              <h3>Tier ladder</h3>
              <TierLadder tier={lifecycle?.tier ?? partner.tier} highestMet={scorecard?.highestTierMet ?? null} />
              {scorecard ? (
                <ScorecardView scorecard={scorecard} tier={lifecycle?.tier ?? partner.tier} />
              ) : (
                <p>No evidence yet: there is no scorecard.</p>
              )}
            </>
          )}
        </Load>
      </Section>

      <Section id="incidents" title="Incidents">
        <Load loaded={view} what="incidents">
          {({ lifecycle }) => {
            const incidents = lifecycle?.incidents ?? [];
            if (!lifecycle) return <p>The lifecycle did not answer: its incidents are unknown.</p>;
            if (incidents.length === 0) return <p>No open incidents.</p>;
            return (
              <>
                <table>
                  <caption>
                    Open incidents: work that failed for a business reason and waits for a program admin
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Incident</th>
                      <th scope="col">Step</th>
                      <th scope="col">Date</th>
                      <th scope="col">Activity</th>
                      <th scope="col">Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {incidents.map((i) => (
                      <tr key={i.id}>
                        <th scope="row">#{i.id}</th>
                        <td>
                          {i.step}
                          {i.command ? ` (${i.command})` : ''}
                        </td>
                        <td>
                          {i.on}
                          {i.arg && i.arg !== i.on ? ` (for ${i.arg})` : ''}
                          {i.openedOn !== i.on ? `, opened ${i.openedOn}` : ''}
                        </td>
                        <td>{i.activity ?? '—'}</td>
                        <td>
                          {i.reason}
                          {i.errorType ? ` [${i.errorType}]` : ''}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {role === 'program-admin' && (
                  <div className="forms">
                    {incidents.map((i) => (
                      <IncidentResolutionForm key={i.id} partnerId={id} incident={i} onDone={refresh} />
                    ))}
                  </div>
                )}
              </>
            );
          }}
        </Load>
      </Section>

      <Section id="applications" title="Upgrade applications">
        <Load loaded={applications} what="applications">
          {({ items }) => {
            const latest = items[items.length - 1];
            return (
              <>
                {items.length === 0 ? (
                  <p>No applications.</p>
                ) : (
                  <table>
                    <caption>Applications, oldest first</caption>
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">Target tier</th>
                        <th scope="col">Status</th>
                        <th scope="col">Submitted</th>
                        <th scope="col">Decided</th>
                        <th scope="col">EBR window</th>
                      </tr>
                    </thead>
                    <tbody>
                      {items.map((a) => (
                        <tr key={a.number}>
                          <th scope="row">{a.number}</th>
                          <td>{tierName(a.targetTier)}</td>
                          <td>{a.status}</td>
                          <td>
                            {a.submittedOn} by {a.submittedBy}
                          </td>
                          <td>{a.decidedOn ?? '—'}</td>
                          <td>{a.ebrWindow ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {latest && (
                  <LatestApplication
                    partnerId={id}
                    number={latest.number}
                    role={role}
                    round={round}
                    onChange={refresh}
                  />
                )}
                {/* Shown even with an application open: the API says why it refuses a second one. */}
                {alliance && view.state === 'ok' && (
                  <ApplyForm
                    partnerId={id}
                    tier={view.data.lifecycle?.tier ?? view.data.partner.tier}
                    feeAccountId={view.data.partner.feeAccountId}
                    onDone={refresh}
                  />
                )}
              </>
            );
          }}
        </Load>
      </Section>

      <Section id="timeline" title="Timeline">
        <Load loaded={timeline} what="the timeline">
          {({ items }) => (
            <>
              <TimelineChart entries={items} />
              <details>
                <summary>All {items.length} events</summary>
                <table className="events">
                  <caption>Events, oldest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Date</th>
                      <th scope="col">Event</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((e) => (
                      <tr key={e.seq}>
                        <td>{e.on}</td>
                        <th scope="row">{e.type}</th>
                        <td>
                          {Object.entries(e.data)
                            .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
                            .join(' · ')}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </>
          )}
        </Load>
        <h3>Tier history</h3>
        <Load loaded={audit} what="the tier history">
          {({ items }) =>
            items.length === 0 ? (
              <p>No tier changes.</p>
            ) : (
              <ul className="audit">
                {items.map((a) => (
                  <li key={a.seq}>
                    {a.on}: {tierName(a.from)} → {tierName(a.to)} ({a.reason}, by {a.by})
                  </li>
                ))}
              </ul>
            )
          }
        </Load>
      </Section>

      <Section id="fees" title="Fees and cases">
        <Load loaded={invoices} what="invoices">
          {({ items }) =>
            items.length === 0 ? (
              <p>No invoices.</p>
            ) : (
              <table>
                <caption>Invoices</caption>
                <thead>
                  <tr>
                    <th scope="col">Invoice</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Amount</th>
                    <th scope="col">Issued</th>
                    <th scope="col">Due</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => (
                    <tr key={i.id}>
                      <th scope="row">{i.id}</th>
                      <td>{i.reason}</td>
                      <td>
                        ${(i.amount + i.vatAmount).toLocaleString('en-US')} {i.currency}
                      </td>
                      <td>{i.issuedOn}</td>
                      <td>{i.dueOn}</td>
                      <td>
                        {i.status}
                        {i.paidOn ? ` on ${i.paidOn}` : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Load>
        <Load loaded={cases} what="cases">
          {({ items }) =>
            items.length === 0 ? (
              <p>No cases.</p>
            ) : (
              <table>
                <caption>Cases</caption>
                <thead>
                  <tr>
                    <th scope="col">Case</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Opened</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((c) => (
                    <tr key={c.id}>
                      <th scope="row">{c.id}</th>
                      <td>{c.kind}</td>
                      <td>{c.reason}</td>
                      <td>{c.openedOn}</td>
                      <td>
                        {c.status}
                        {c.outcome ? ` (${c.outcome})` : ''}
                        {c.closedOn ? ` on ${c.closedOn}` : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Load>
        {role === 'partner-manager' && (
          <div className="forms">
            <PaymentForm
              key={invoices.state}
              partnerId={id}
              due={
                invoices.state === 'ok'
                  ? (() => {
                      const open = invoices.data.items.find((i) => i.status === 'open');
                      return open ? Math.round((open.amount + open.vatAmount) * 100) / 100 : null;
                    })()
                  : null
              }
              onDone={refresh}
            />
            <ExtensionForm partnerId={id} onDone={refresh} />
            <ReinstateForm partnerId={id} onDone={refresh} />
            <CaseDecisionForm partnerId={id} caseId={openFeeUnpaid} onDone={refresh} />
          </div>
        )}
      </Section>

      {importer && (
        <Section id="evidence" title="Evidence import">
          <CsvImportForm partnerId={id} onDone={refresh} />
        </Section>
      )}
    </>
  );
}

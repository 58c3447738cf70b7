/**
 * Every command the console sends, one form each. Each submission carries an Idempotency-Key (see useSubmission),
 * keeps its input when refused, and shows what the API answered.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, call, type Outcome, type Schemas } from '../api/client';
import { useSubmission } from '../hooks';
import { SubmissionResult, SubmitButton, ProblemView } from './feedback';
import { tierName, TIERS, type Tier } from './charts';

type Application = Schemas['UpgradeApplication'];
const idem = (key: string) => ({ 'Idempotency-Key': key });

function describeApplication(a: Application): string {
  const decided = a.decision ? `: ${a.decision.outcome} on ${a.decision.decidedOn}` : '';
  const window = a.ebrWindow ? `, EBR window ${a.ebrWindow.id}` : '';
  return `Application #${a.number} is ${a.stage}${window}${decided}.`;
}

/**
 * The workflow applies a recorded step right after answering: follow the application until its stage moves on from
 * the one the answer showed (or give up after `tries` seconds), so the form ends on what the step led to.
 */
function useFollow(answered: Application | undefined, read: () => Promise<Outcome<Application>>, tries = 30) {
  const [latest, setLatest] = useState<Application | undefined>(undefined);
  useEffect(() => {
    setLatest(undefined);
    if (!answered) return;
    let stopped = false;
    let left = tries;
    const poll = async () => {
      if (stopped || left-- <= 0) return;
      const outcome = await read();
      if (stopped) return;
      if (outcome.ok && (outcome.data.stage !== answered.stage || outcome.data.decision)) {
        setLatest(outcome.data);
        return;
      }
      setTimeout(() => void poll(), 1_000);
    };
    setTimeout(() => void poll(), 500);
    return () => {
      stopped = true;
    };
    // `read` is a new function each render; the answer alone decides when to follow.
  }, [answered, tries]);
  return latest;
}

export function ApplyForm({
  partnerId,
  tier,
  feeAccountId,
  onDone,
}: {
  partnerId: string;
  tier: Tier;
  feeAccountId: string | null;
  onDone: () => void;
}) {
  const next = TIERS[TIERS.indexOf(tier) + 1];
  const [account, setAccount] = useState(feeAccountId ?? '');
  const { submission, submit } = useSubmission<Schemas['ApplicationAccepted']>();
  if (!next) return <p>{tierName(tier)} is the top tier: there is no tier to apply for.</p>;
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { targetTier: next, feeAccountId: account.trim() };
    const outcome = await submit(body, (key) =>
      call(
        api.POST('/v1/partners/{id}/upgrade-applications', {
          params: { path: { id: partnerId }, header: idem(key) },
          body,
        }),
      ),
    );
    if (outcome?.ok) onDone();
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label={`Apply for ${tierName(next)}`}>
      <p>
        Apply for the next tier up: <strong>{tierName(next)}</strong>.
      </p>
      <label>
        Fee account (12-digit AWS account billed the program fee)
        <input
          name="feeAccountId"
          value={account}
          onChange={(e) => setAccount(e.target.value)}
          inputMode="numeric"
          autoComplete="off"
          required
        />
      </label>
      <SubmitButton submission={submission}>Apply for {tierName(next)}</SubmitButton>
      <SubmissionResult
        submission={submission}
        describe={(d) => `Application #${d.number} submitted; its progress shows below.`}
      />
    </form>
  );
}

const ITEM_KINDS = [
  'individuals',
  'credentials',
  'opportunities',
  'references',
  'csat-responses',
  'validations',
  'direct-revenue',
  'product-listings',
  'legacy-revenue-submissions',
] as const;
type ItemKind = (typeof ITEM_KINDS)[number];

/** CSV import of one item kind; every row error the API names is shown against its row. */
export function CsvImportForm({ partnerId, onDone }: { partnerId: string; onDone: () => void }) {
  const [kind, setKind] = useState<ItemKind>('opportunities');
  const [mode, setMode] = useState<'merge' | 'replace'>('merge');
  const [csv, setCsv] = useState('');
  const [sent, setSent] = useState('');
  const { submission, submit } = useSubmission<
    Schemas['EvidenceChange'] & { added: number; updated: number; removed: number }
  >();
  const onFile = async (file: File | undefined) => {
    if (file) setCsv(await file.text());
  };
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSent(csv);
    const outcome = await submit({ kind, mode, csv }, (key) =>
      call(
        api.POST('/v1/partners/{id}/evidence/import', {
          params: { path: { id: partnerId }, query: { kind, mode }, header: idem(key) },
          body: csv,
          bodySerializer: (text: string) => text,
          headers: { 'Content-Type': 'text/csv' },
        }),
      ),
    );
    if (outcome?.ok) onDone();
  };
  const lines = sent.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  const errors = submission.state === 'error' ? (submission.problem.errors ?? []) : [];
  const errorsOfLine = (line: number) =>
    errors.filter((e) => new RegExp(`^row ${line}(\\b| ›)`).test(e.path) || e.path === `line ${line}`);
  const fileErrors = errors.filter((e) => !/^(row|line) \d+/.test(e.path));
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label="Import evidence from CSV">
      <div className="row">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as ItemKind)}>
            {ITEM_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Mode
          <select value={mode} onChange={(e) => setMode(e.target.value as 'merge' | 'replace')}>
            <option value="merge">merge (add or replace by key)</option>
            <option value="replace">replace (the kind becomes the file)</option>
          </select>
        </label>
        <label>
          CSV file
          <input type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e.target.files?.[0])} />
        </label>
      </div>
      <label>
        CSV text (header row first)
        <textarea
          name="csv"
          rows={6}
          value={csv}
          onChange={(e) => setCsv(e.target.value)}
          required
          spellCheck={false}
        />
      </label>
      <SubmitButton submission={submission}>Import {kind}</SubmitButton>
      {submission.state === 'error' && <ProblemView problem={submission.problem} rowsNote={errors.length > 0} />}
      {submission.state !== 'error' && (
        <SubmissionResult
          submission={submission}
          describe={(d) =>
            `Imported: ${d.added} added, ${d.updated} updated, ${d.removed} removed; evidence version ${d.version}.`
          }
        />
      )}
      {errors.length > 0 && (
        <table className="csv-rows">
          <caption>The file, with the API’s problems against its rows</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Content</th>
              <th scope="col">Problems</th>
            </tr>
          </thead>
          <tbody>
            {fileErrors.length > 0 && (
              <tr className="csv-bad">
                <th scope="row">file</th>
                <td />
                <td>
                  {fileErrors.map((e, i) => (
                    <p key={i}>
                      {e.path}: {e.message}
                    </p>
                  ))}
                </td>
              </tr>
            )}
            {lines.map((text, i) => {
              const mine = errorsOfLine(i + 1);
              return (
                <tr key={i} className={mine.length > 0 ? 'csv-bad' : ''} data-row={i + 1}>
                  <th scope="row">{i === 0 ? 'header' : i + 1}</th>
                  <td>
                    <code>{text}</code>
                  </td>
                  <td>
                    {mine.map((e, j) => (
                      <p key={j}>
                        {e.path}: {e.message}
                      </p>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </form>
  );
}

function OutcomeForm<O extends string>({
  label,
  outcomes,
  onSend,
  read,
  onDone,
}: {
  label: string;
  outcomes: readonly O[];
  onSend: (body: { outcome: O; notes?: string }, key: string) => Promise<Outcome<Application>>;
  read: () => Promise<Outcome<Application>>;
  onDone: () => void;
}) {
  const [outcome, setOutcome] = useState<O>(outcomes[0]!);
  const [notes, setNotes] = useState('');
  // One radio group per form: the EBR queue shows a form per entry.
  const group = useId();
  const { submission, submit } = useSubmission<Application>();
  const answered = submission.state === 'done' ? submission.data : undefined;
  const latest = useFollow(answered, read);
  useEffect(() => {
    if (latest) onDone();
    // onDone is the parent's refresh; call it once per new state.
  }, [latest]);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { outcome, ...(notes.trim() ? { notes: notes.trim() } : {}) };
    const result = await submit(body, (key) => onSend(body, key));
    if (result?.ok) onDone();
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label={label} className="outcome-form">
      <fieldset>
        <legend>{label}</legend>
        {outcomes.map((o) => (
          <label key={o} className="inline">
            <input type="radio" name={group} value={o} checked={o === outcome} onChange={() => setOutcome(o)} /> {o}
          </label>
        ))}
      </fieldset>
      <label>
        Notes
        <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={2} />
      </label>
      <SubmitButton submission={submission}>Record {label.toLowerCase()}</SubmitButton>
      <SubmissionResult submission={submission} describe={(a) => `Recorded. ${describeApplication(a)}`} />
      {latest && (
        <p className="result" role="status">
          Now: {describeApplication(latest)}
        </p>
      )}
    </form>
  );
}

const readApplication = (id: string, appId: number) =>
  call(api.GET('/v1/partners/{id}/upgrade-applications/{appId}', { params: { path: { id, appId } } }));

export function ReadinessForm({
  partnerId,
  number,
  onDone,
}: {
  partnerId: string;
  number: number;
  onDone: () => void;
}) {
  return (
    <OutcomeForm
      label="Readiness assessment"
      outcomes={['passed', 'failed'] as const}
      onDone={onDone}
      read={() => readApplication(partnerId, number)}
      onSend={(body, key) =>
        call(
          api.POST('/v1/partners/{id}/upgrade-applications/{appId}/readiness-assessment', {
            params: { path: { id: partnerId, appId: number }, header: idem(key) },
            body,
          }),
        )
      }
    />
  );
}

export function EbrOutcomeForm({
  partnerId,
  number,
  onDone,
}: {
  partnerId: string;
  number: number;
  onDone: () => void;
}) {
  return (
    <OutcomeForm
      label="EBR outcome"
      outcomes={['approved', 'rejected', 'deferred'] as const}
      onDone={onDone}
      read={() => readApplication(partnerId, number)}
      onSend={(body, key) =>
        call(
          api.POST('/v1/partners/{id}/upgrade-applications/{appId}/ebr-outcome', {
            params: { path: { id: partnerId, appId: number }, header: idem(key) },
            body,
          }),
        )
      }
    />
  );
}

export function PaymentForm({ partnerId, due, onDone }: { partnerId: string; due: number | null; onDone: () => void }) {
  const [amount, setAmount] = useState(due === null ? '' : String(due));
  const { submission, submit } = useSubmission<{ invoiceId: string; paidOn: string }>();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { amount: Number(amount) };
    const outcome = await submit(body, (key) =>
      call(
        api.POST('/v1/partners/{id}/fee-payments', { params: { path: { id: partnerId }, header: idem(key) }, body }),
      ),
    );
    if (outcome?.ok) onDone();
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label="Record a fee payment">
      <label>
        Amount paid (USD, fee plus VAT)
        <input value={amount} onChange={(e) => setAmount(e.target.value)} inputMode="decimal" required />
      </label>
      <SubmitButton submission={submission}>Record payment</SubmitButton>
      <SubmissionResult submission={submission} describe={(d) => `Invoice ${d.invoiceId} paid on ${d.paidOn}.`} />
    </form>
  );
}

export function ExtensionForm({ partnerId, onDone }: { partnerId: string; onDone: () => void }) {
  const [days, setDays] = useState('30');
  const { submission, submit } = useSubmission<{ deadline: string }>();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { days: Number(days) };
    const outcome = await submit(body, (key) =>
      call(
        api.POST('/v1/partners/{id}/fee-extensions', { params: { path: { id: partnerId }, header: idem(key) }, body }),
      ),
    );
    if (outcome?.ok) onDone();
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label="Grant a fee extension">
      <label>
        Extra days (1–30, once per invoice)
        <input type="number" min={1} max={30} value={days} onChange={(e) => setDays(e.target.value)} required />
      </label>
      <SubmitButton submission={submission}>Grant extension</SubmitButton>
      <SubmissionResult submission={submission} describe={(d) => `The fee deadline is now ${d.deadline}.`} />
    </form>
  );
}

export function ReinstateForm({ partnerId, onDone }: { partnerId: string; onDone: () => void }) {
  const { submission, submit } = useSubmission<{ tier: string }>();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const outcome = await submit({}, (key) =>
      call(
        api.POST('/v1/partners/{id}/tier-reinstatements', {
          params: { path: { id: partnerId }, header: idem(key) },
          body: {},
        }),
      ),
    );
    if (outcome?.ok) onDone();
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label="Reinstate the tier">
      <p>Reinstate the tier lost at the renewal review, within the 30 days its case stays open.</p>
      <SubmitButton submission={submission}>Reinstate tier</SubmitButton>
      <SubmissionResult submission={submission} describe={(d) => `Reinstated at ${tierName(d.tier)}.`} />
    </form>
  );
}

/**
 * R-GRACE: the Partner Manager decides a fee-unpaid case — downgrade to Registered or keep the tier — with a reason.
 * The case number is the last part of the case id (`<partner>/case/<n>`); the open fee-unpaid case fills it in.
 */
export function CaseDecisionForm({
  partnerId,
  caseId,
  onDone,
}: {
  partnerId: string;
  caseId: string | null;
  onDone: () => void;
}) {
  const [caseNumber, setCaseNumber] = useState('');
  // The cases load after the form shows: fill in the open case's number once known, and keep what was typed after.
  useEffect(() => {
    if (caseId) setCaseNumber(caseId.split('/').pop() ?? '');
  }, [caseId]);
  const [decision, setDecision] = useState<'downgrade' | 'keep'>('keep');
  const [reason, setReason] = useState('');
  const group = useId();
  const { submission, submit } = useSubmission<{ caseId: string; outcome: 'downgraded' | 'kept' }>();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { decision, reason: reason.trim() };
    const number = Number(caseNumber);
    const outcome = await submit({ number, body }, (key) =>
      call(
        api.POST('/v1/partners/{id}/cases/{caseNumber}/decision', {
          params: { path: { id: partnerId, caseNumber: number }, header: idem(key) },
          body,
        }),
      ),
    );
    if (outcome?.ok) onDone();
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label="Decide a fee-unpaid case">
      <p>
        {caseId
          ? `Case ${caseId}: the fee is unpaid 90 days after the invoice. Downgrade to Registered, or keep the tier (the invoice stays open).`
          : 'No fee-unpaid case is open: a case opens when a fee is still unpaid on day 90.'}
      </p>
      <label>
        Case number
        <input
          value={caseNumber}
          onChange={(e) => setCaseNumber(e.target.value)}
          inputMode="numeric"
          pattern="[1-9][0-9]*"
          required
        />
      </label>
      <fieldset>
        <legend>Decision</legend>
        {(['downgrade', 'keep'] as const).map((d) => (
          <label key={d} className="inline">
            <input type="radio" name={group} value={d} checked={d === decision} onChange={() => setDecision(d)} /> {d}
          </label>
        ))}
      </fieldset>
      <label>
        Reason (required)
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} required />
      </label>
      <SubmitButton submission={submission}>Decide</SubmitButton>
      <SubmissionResult
        submission={submission}
        describe={(d) =>
          `Case ${d.caseId} decided: ${d.outcome === 'downgraded' ? 'the partner is downgraded to Registered' : 'the tier is kept'}.`
        }
      />
    </form>
  );
}

type Incident = Schemas['Incident'];

/** A program admin retries an incident's failed step or dismisses it, with an optional note. */
export function IncidentResolutionForm({
  partnerId,
  incident,
  onDone,
}: {
  partnerId: string;
  incident: Incident;
  onDone: () => void;
}) {
  const [note, setNote] = useState('');
  const { submission, submit } = useSubmission<{ incidents: Incident[] }>();
  const send = async (action: 'retry' | 'dismiss') => {
    const body = { action, ...(note.trim() ? { note: note.trim() } : {}) };
    const outcome = await submit(body, (key) =>
      call(
        api.POST('/v1/partners/{id}/incidents/{incidentId}/resolution', {
          params: { path: { id: partnerId, incidentId: incident.id }, header: idem(key) },
          body,
        }),
      ),
    );
    if (outcome?.ok) onDone();
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void send(submitter?.value === 'dismiss' ? 'dismiss' : 'retry');
  };
  const pending = submission.state === 'pending';
  return (
    <form onSubmit={onSubmit} aria-label={`Resolve incident ${incident.id}`} className="incident-form">
      <label>
        Note
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={2} />
      </label>
      <button type="submit" value="retry" disabled={pending} aria-busy={pending}>
        Retry
      </button>{' '}
      <button type="submit" value="dismiss" disabled={pending} aria-busy={pending}>
        Dismiss
      </button>
      <SubmissionResult
        submission={submission}
        describe={(d) =>
          `Resolved. ${d.incidents.length === 0 ? 'No incident is open.' : `Still open: ${d.incidents.map((i) => `#${i.id} (${i.step})`).join(', ')}.`}`
        }
      />
    </form>
  );
}

/** Partners (program admins: all; partner managers: theirs, as the API answers): filters and cursor paging. */
import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { tierName } from '../components/charts';
import { Load } from '../components/feedback';
import { useLoad } from '../hooks';
import { partnerHref } from '../router';

interface Filters {
  tier: string;
  track: string;
  atRisk: string;
  renewalMonth: string;
  ebrWindow: string;
  limit: string;
}
const EMPTY: Filters = { tier: '', track: '', atRisk: '', renewalMonth: '', ebrWindow: '', limit: '25' };
const MONTHS = Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, '0'));

export function PartnersPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // Cursors of the pages before this one: Previous pops, Next pushes.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const query = {
    ...(filters.tier ? { tier: filters.tier as 'select' } : {}),
    ...(filters.track ? { track: filters.track as 'consulting' } : {}),
    ...(filters.atRisk ? { atRisk: filters.atRisk as 'true' } : {}),
    ...(filters.renewalMonth ? { renewalMonth: filters.renewalMonth } : {}),
    ...(filters.ebrWindow ? { ebrWindow: filters.ebrWindow } : {}),
    limit: Number(filters.limit),
    ...(cursor ? { cursor } : {}),
  };
  const page = useLoad(() => call(api.GET('/v1/partners', { params: { query } })), JSON.stringify(query));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const set = (field: keyof Filters) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [field]: e.target.value }));

  return (
    <>
      <h1>Partners</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter partners">
        <label>
          Tier
          <select value={draft.tier} onChange={set('tier')}>
            <option value="">any</option>
            {['registered', 'select', 'advanced', 'premier'].map((t) => (
              <option key={t} value={t}>
                {tierName(t)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Track
          <select value={draft.track} onChange={set('track')}>
            <option value="">any</option>
            <option value="consulting">Consulting</option>
            <option value="technology">Technology</option>
          </select>
        </label>
        <label>
          At risk
          <select value={draft.atRisk} onChange={set('atRisk')}>
            <option value="">any</option>
            <option value="true">at risk</option>
            <option value="false">not at risk</option>
          </select>
        </label>
        <label>
          Renewal month
          <select value={draft.renewalMonth} onChange={set('renewalMonth')}>
            <option value="">any</option>
            {MONTHS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Next EBR window
          <input value={draft.ebrWindow} onChange={set('ebrWindow')} placeholder="2019-Q3" size={8} />
        </label>
        <label>
          Per page
          <select value={draft.limit} onChange={set('limit')}>
            {['10', '25', '50', '100'].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <Load loaded={page} what="partners">
        {(data) => (
          <>
            <table className="partners">
              <caption>
                Page {cursors.length}: {data.items.length} partner{data.items.length === 1 ? '' : 's'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Track</th>
                  <th scope="col">At risk</th>
                  <th scope="col">Renewal date</th>
                  <th scope="col">Next EBR window</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Needs attention</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <a href={partnerHref(p.id)}>{p.name}</a> <span className="muted">{p.id}</span>
                    </th>
                    <td>{tierName(p.tier)}</td>
                    <td>{p.track}</td>
                    <td>{p.atRisk ? <span className="badge badge-gap">at risk</span> : 'no'}</td>
                    <td>{p.renewalDate}</td>
                    <td>{p.nextEbrWindow ?? '—'}</td>
                    <td>{p.lifecycleStage}</td>
                    <td>
                      {p.lifecycleStage === 'needs-attention' ? (
                        <span className="badge badge-gap">yes: an incident is open</span>
                      ) : (
                        'no'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav className="pager" aria-label="Pages">
              <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Previous page
              </button>
              <button
                type="button"
                disabled={!data.nextCursor}
                onClick={() => setCursors((c) => [...c, data.nextCursor])}
              >
                Next page
              </button>
            </nav>
          </>
        )}
      </Load>
    </>
  );
}

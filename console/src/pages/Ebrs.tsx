/** The EBR queue of a window (partner managers: their partners) with the readiness and outcome forms per entry. */
import { useState, type FormEvent } from 'react';
import { api, call, type ConsoleConfig } from '../api/client';
import { tierName } from '../components/charts';
import { Load } from '../components/feedback';
import { EbrOutcomeForm, ReadinessForm } from '../components/forms';
import { useLoad } from '../hooks';
import { partnerHref } from '../router';

export function EbrsPage({ role, config }: { role: string; config: ConsoleConfig }) {
  // The window of the engine's business date first: the one being held or next to open.
  const [draft, setDraft] = useState(config.ebrWindow.id);
  const [window, setWindow] = useState(draft);
  const [round, setRound] = useState(0);
  const queue = useLoad(() => call(api.GET('/v1/ebrs', { params: { query: { window } } })), `${window}/${round}`);
  const show = (event: FormEvent) => {
    event.preventDefault();
    setWindow(draft.trim());
  };
  return (
    <>
      <h1>EBR queue</h1>
      <p>
        Business date {config.today}; EBR window {config.ebrWindow.id} runs {config.ebrWindow.opensOn} to{' '}
        {config.ebrWindow.closesOn}.
      </p>
      <form className="filters" onSubmit={show} aria-label="Choose the EBR window">
        <label>
          EBR window
          <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="2019-Q3" size={8} />
        </label>
        <button type="submit">Show window</button>
        <button type="button" onClick={() => setRound((r) => r + 1)}>
          Refresh
        </button>
      </form>
      <Load loaded={queue} what={`the ${window} EBR queue`}>
        {({ items }) =>
          items.length === 0 ? (
            <p>Nobody is scheduled in {window}.</p>
          ) : (
            <ul className="queue">
              {items.map((entry) => (
                <li key={entry.applicationId} className="panel">
                  <h2>
                    <a href={partnerHref(entry.partnerId)}>{entry.partnerName}</a>: application #{entry.application} for{' '}
                    {tierName(entry.targetTier)} ({entry.status})
                  </h2>
                  {role === 'partner-manager' && (
                    <div className="forms">
                      {/* The queue is not reloaded after a form: an approved entry leaves it, and its result must stay. */}
                      <ReadinessForm partnerId={entry.partnerId} number={entry.application} onDone={() => undefined} />
                      <EbrOutcomeForm partnerId={entry.partnerId} number={entry.application} onDone={() => undefined} />
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </>
  );
}

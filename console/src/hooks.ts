/** Loading API resources and submitting forms: loading and error states, and the idempotency of every submission. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { newIdempotencyKey, type Outcome, type Problem } from './api/client';

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; problem: Problem };

/** Runs `load` when `key` changes (and on `reload()`); an older answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<Outcome<T>>, key: string): Loaded<T> & { reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let current = true;
    setResult((previous) => (previous.state === 'ok' ? previous : { state: 'loading' }));
    void loadRef.current().then((outcome) => {
      if (!current) return;
      setResult(outcome.ok ? { state: 'ok', data: outcome.data } : { state: 'error', problem: outcome.problem });
    });
    return () => {
      current = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...result, reload };
}

export type Submission<T> =
  | { state: 'idle' }
  | { state: 'pending' }
  | { state: 'done'; data: T; replayed: boolean }
  | { state: 'error'; problem: Problem };

/**
 * One form's submissions. Each submission carries an Idempotency-Key; while one is in flight another click does
 * nothing (a double click never applies twice). When the outcome is unknown — no answer, a 5xx, or the API still
 * processing the key — the key is kept, so retrying the same input can only apply once; a definite answer ends the
 * submission and the next one gets a new key. The form keeps its input whatever the outcome.
 */
export function useSubmission<T>(): {
  submission: Submission<T>;
  submit: (input: unknown, send: (idempotencyKey: string) => Promise<Outcome<T>>) => Promise<Outcome<T> | undefined>;
} {
  const [submission, setSubmission] = useState<Submission<T>>({ state: 'idle' });
  const inFlight = useRef(false);
  const attempt = useRef<{ key: string; input: string } | null>(null);
  const submit = useCallback(async (input: unknown, send: (idempotencyKey: string) => Promise<Outcome<T>>) => {
    if (inFlight.current) return undefined;
    inFlight.current = true;
    const fingerprint = JSON.stringify(input);
    let current = attempt.current;
    if (current?.input !== fingerprint) {
      current = { key: newIdempotencyKey(), input: fingerprint };
      attempt.current = current;
    }
    setSubmission({ state: 'pending' });
    const outcome = await send(current.key);
    const unknown =
      !outcome.ok &&
      (outcome.problem.status === 0 ||
        outcome.problem.status >= 500 ||
        /still being processed/.test(outcome.problem.detail));
    if (!unknown) attempt.current = null;
    inFlight.current = false;
    setSubmission(
      outcome.ok
        ? { state: 'done', data: outcome.data, replayed: outcome.replayed }
        : { state: 'error', problem: outcome.problem },
    );
    return outcome;
  }, []);
  return { submission, submit };
}
